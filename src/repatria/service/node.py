"""A node: its identity, its database, and the one way to open a transaction.

``Node.transaction()`` is the only place in repatria that opens a database
session for a use case; the use case happens whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.language import parse_language
from repatria.errors import Conflict, InvalidInput, NotFound
from repatria.service.node_keys import create_node_keys
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.db import make_engine, migrate, schema_is_current

NODE_FILE = "node.json"
NODE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Who this node is: one competent authority of one jurisdiction."""

    node_id: str
    jurisdiction: str
    authority: str
    languages: tuple[str, ...]
    created_at: str

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str) -> NodeConfig:
        try:
            node_id = str(data["node_id"])
            jurisdiction = parse_jurisdiction(data["jurisdiction"], where=f"{where}.jurisdiction")
            authority = str(data["authority"])
            languages = tuple(
                parse_language(v, where=f"{where}.languages") for v in data["languages"]
            )
            created_at = str(data["created_at"])
        except KeyError as missing:
            raise InvalidInput(f"missing key {missing}", where=where) from None
        if not NODE_ID.match(node_id):
            raise InvalidInput(
                f"node id {node_id!r} must be 2-63 lower-case letters, digits or '-'",
                where=f"{where}.node_id",
            )
        return cls(node_id, jurisdiction.code, authority, languages, created_at)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["languages"] = list(self.languages)
        return data


class Node:
    """An opened node: configuration plus database."""

    def __init__(self, settings: Settings, config: NodeConfig, engine: Engine) -> None:
        self.settings = settings
        self.config = config
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.held: dict[str, tuple[object, object]] = {}
        """What the node keeps in memory between use cases, by name: (stamp, value). A value
        is reused while its stamp (e.g. the keyring file's identity) is unchanged."""

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: commit on success, roll back on any error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def init_node(
    settings: Settings,
    *,
    node_id: str,
    jurisdiction: str,
    authority: str,
    languages: list[str],
) -> NodeConfig:
    """Create a node: data directory, keys directory, configuration, database schema.

    Refuses to overwrite an existing node so that no identity is lost.
    """
    data_dir = settings.data_dir
    config_path = data_dir / NODE_FILE
    if config_path.exists():
        raise Conflict(f"a node already exists in {data_dir}", where="data_dir")
    if not authority.strip():
        raise InvalidInput("the authority needs a name", where="authority")
    config = NodeConfig.from_dict(
        {
            "node_id": node_id,
            "jurisdiction": jurisdiction,
            "authority": authority.strip(),
            "languages": languages,
            "created_at": utcnow().isoformat(),
        },
        where="node",
    )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = data_dir / "keys"
    keys.mkdir(mode=0o700, exist_ok=True)
    os.chmod(keys, 0o700)
    engine = make_engine(settings.resolved_database_url())
    try:
        migrate(engine)
    finally:
        engine.dispose()
    create_node_keys(settings)
    tmp = config_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(config_path)
    keep_private(data_dir)
    return config


def keep_private(data_dir: Path) -> None:
    """Make the data directory the node's account's alone: the folder 0700, its files 0600.

    The folder's mode is what protects everything below it (databases, traces, renders):
    another local account cannot enter it. Files at its top are tightened too, so a copy of
    the folder made with permissions kept stays private. Run at init and at every opening, so a
    node created by an older version (0755, its database 0644) is tightened on its next start.
    """
    if not data_dir.is_dir():
        return
    os.chmod(data_dir, 0o700)
    for path in data_dir.iterdir():
        if path.is_symlink():
            continue
        # another process of the node may remove a file meanwhile (SQLite's -wal and -shm)
        with contextlib.suppress(FileNotFoundError):
            if path.is_file():
                os.chmod(path, 0o600)


def read_node_config(data_dir: Path) -> NodeConfig:
    path = data_dir / NODE_FILE
    if not path.exists():
        raise NotFound(
            f"no node in {data_dir} (run `repatria init` first, or set REPATRIA_DATA_DIR)",
            where="data_dir",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a JSON object", where=str(path))
    return NodeConfig.from_dict(data, where=str(path))


def open_node(settings: Settings, *, upgrade: bool = True) -> Node:
    """Open the node in ``settings.data_dir``, migrating its schema if asked."""
    config = read_node_config(settings.data_dir)
    keep_private(settings.data_dir)
    engine = make_engine(settings.resolved_database_url())
    if upgrade:
        migrate(engine)
    elif not schema_is_current(engine):
        engine.dispose()
        raise Conflict("the database schema is not current; run `repatria init --upgrade`")
    return Node(settings, config, engine)
