"""Three repatria nodes (NG, GB, CH) as real ``repatria serve`` processes in one network.

The end-to-end checks of the exchange (reliability.md R10; docs/exchange.md) need what a
deployment has: separate OS processes, each with its own data directory, keys and SQLite
database, its own delivery worker, reachable only over HTTP on loopback, and a receiver that
can die by ``kill -9`` mid-write. ``build_network`` makes the three data directories with
``init_node``, their users with ``service.users``, signs one directory with a fresh Ed25519
directory key (``http://127.0.0.1:<port>`` endpoints, allowed on loopback only, and each
state's node named as the central authority of UNCAC 46(13)), has every node accept it
(``accept_directory``) and starts the processes. Each process gets the exchange settings of
the run (poll, first retry, attempts) through its environment; the test process reads the
databases directly (``open_node``), which SQLite's WAL allows while the node runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from repatria.domain.authority import AuthorityRole
from repatria.exchange.directory import AuthorityContact, Directory, sign_directory
from repatria.service import users
from repatria.service.actor import Actor
from repatria.service.keys import log_signer
from repatria.service.network_directory import accept_directory
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import utcnow
from tests.exchange.directory_of import entry_of
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.served import free_port

PASSWORD = "correct horse battery staple"
"""Every account's password (the test suite's; hashed cheaply in the test process only)."""

NODES = (("NG", "ng-moj", "Federal Ministry of Justice of Nigeria"),
         ("GB", "gb-uka", "UK Central Authority"),
         ("CH", "ch-fojo", "Federal Office of Justice of Switzerland"))  # fmt: skip
"""Jurisdiction, node id and authority of the three nodes."""

ACCOUNTS = (("admin", "node-admin"), ("supervisor", "supervisor"), ("officer", "case-officer"))
"""The accounts each node gets: its administrator, a supervisor of the central authority
(who receives incoming requests, UNCAC 46(13)) and a plain case officer (who must not)."""

WAIT = 60.0
"""The longest any wait for the network may last, in seconds, before the test fails."""

_ENVIRONMENT = threading.RLock()
T = TypeVar("T")


@contextmanager
def child_environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables while node processes are started.

    ``NodeProcess`` hands its children this process's environment; the lock keeps two
    starts from mixing their settings, and the previous values come back afterwards.
    """
    with _ENVIRONMENT:
        saved = {name: os.environ.get(name) for name in values}
        try:
            for name, value in values.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def exchange_environment(*, max_attempts: int) -> dict[str, str | None]:
    """The settings of a fast network: delivery worker on, polling every 0.2 s, first retry
    after 0.3 s (doubling), ``max_attempts`` before a message fails; each node on its own
    SQLite file whatever database the test suite itself uses."""
    return {
        "REPATRIA_EXCHANGE_WORKER": "true",
        "REPATRIA_EXCHANGE_POLL_SECONDS": "0.2",
        "REPATRIA_EXCHANGE_FIRST_RETRY_SECONDS": "0.3",
        "REPATRIA_EXCHANGE_MAX_ATTEMPTS": str(max_attempts),
        "REPATRIA_PEER_TIMEOUT_SECONDS": "10",
        "REPATRIA_DATABASE_URL": None,
    }


class ServedNode(NodeProcess):
    """A ``NodeProcess`` started with the network's exchange settings in its environment."""

    def __init__(self, data_dir: Path, port: int, environment: Mapping[str, str | None]) -> None:
        super().__init__(data_dir, port)
        self.environment = dict(environment)

    def start(self) -> float:
        with child_environment(self.environment):
            return super().start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Member:
    """One node of the network: its identity, data directory, process and accounts."""

    jurisdiction: str
    node_id: str
    settings: Settings
    process: ServedNode
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.process.port}"

    @contextmanager
    def opened(self) -> Iterator[Node]:
        """The node's database, opened from this process (the node may be running)."""
        node = open_node(self.settings)
        try:
            yield node
        finally:
            node.close()

    def read(self, query: Callable[[Node], T]) -> T:
        with self.opened() as node:
            return query(node)

    def signing_key(self) -> Ed25519PublicKey:
        """The node's log signing key: what its receipts and negative receipts verify under."""
        with self.opened() as node:
            return log_signer(node).key.public_key()

    def token(self, username: str) -> str:
        """A bearer token for ``username`` from ``POST /api/auth/token`` (kept per account)."""
        if username not in self._tokens:
            answer = httpx.post(
                self.url + "/api/auth/token",
                json={"username": username, "password": PASSWORD, "name": "three-nodes test"},
                timeout=30.0,
            )
            if answer.status_code != 201:
                raise AssertionError(
                    f"{self.node_id}: no token for {username}: {answer.status_code} {answer.text}"
                )
            self._tokens[username] = str(answer.json()["token"])
        return self._tokens[username]

    def api(self, username: str) -> httpx.Client:
        """An HTTP client of this node's API acting as ``username``."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token(username)}"},
            timeout=30.0,
        )


@dataclass
class Network:
    """The three nodes and the key that signed their directory."""

    members: dict[str, Member]
    directory_key: Ed25519PrivateKey

    def __getitem__(self, jurisdiction: str) -> Member:
        return self.members[jurisdiction]

    def start(self, *jurisdictions: str) -> None:
        """Start the nodes of ``jurisdictions`` (all by default) in parallel and wait until
        each answers."""
        chosen = [self[j] for j in jurisdictions] if jurisdictions else list(self)
        problems: list[BaseException] = []

        def start_one(member: Member) -> None:
            try:
                NodeProcess.start(member.process)
            except BaseException as problem:  # noqa: BLE001  (reported below, in this thread)
                problems.append(problem)

        environments = {tuple(sorted(m.process.environment.items())) for m in chosen}
        assert len(environments) == 1, "start() starts nodes of one environment together"
        with child_environment(chosen[0].process.environment):
            threads = [threading.Thread(target=start_one, args=(m,)) for m in chosen]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if problems:
            self.stop()
            raise problems[0]

    def stop(self) -> None:
        """SIGKILL every node process this network started (by its own PID)."""
        for member in self:
            member.process.kill()

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members.values())


def _central_authority(jurisdiction: str, node_id: str, name: str, days: int) -> AuthorityContact:
    return AuthorityContact(
        key=f"{node_id}-ca",
        name=name,
        role=AuthorityRole.CENTRAL_AUTHORITY,
        jurisdiction=jurisdiction,
        languages=("en",),
        node_id=node_id,
        urgent=None,
        expires_at=utcnow() + timedelta(days=days),
    )


def _accounts(node: Node) -> None:
    admin: Actor | None = None
    for username, role in ACCOUNTS:
        made = users.create_user(node, admin, username=username, password=PASSWORD, roles=[role])
        admin = admin or made


def build_network(base: Path, *, max_attempts: int = 40) -> Network:
    """Three initialised nodes under ``base`` in one accepted directory; not started."""
    environment = exchange_environment(max_attempts=max_attempts)
    members: dict[str, Member] = {}
    entries = []
    contacts = []
    for jurisdiction, node_id, authority in NODES:
        settings = Settings(data_dir=base / node_id, database_url=None)
        init_node(settings, node_id=node_id, jurisdiction=jurisdiction, authority=authority,
                  languages=["en"])  # fmt: skip
        process = ServedNode(settings.data_dir, free_port(), environment)
        member = Member(jurisdiction, node_id, settings, process)
        with member.opened() as node:
            _accounts(node)
            entries.append(entry_of(node, member.endpoint))
        contacts.append(_central_authority(jurisdiction, node_id, authority, 30))
        members[jurisdiction] = member
    key = Ed25519PrivateKey.generate()
    now = utcnow()
    signed = sign_directory(
        Directory(
            network="repatria-three-nodes",
            version=1,
            issued_at=now - timedelta(minutes=10),
            expires_at=now + timedelta(days=30),
            nodes=tuple(entries),
            contacts=tuple(contacts),
        ),
        key,
    )
    for member in members.values():
        with member.opened() as node:
            accept_directory(node, signed, key.public_key(), now)
    return Network(members, key)


def serve_log(member: Member, tail: int = 4000) -> str:
    """The end of a node's ``serve.log``, for failure messages."""
    path = member.settings.data_dir / "serve.log"
    return path.read_text(errors="replace")[-tail:] if path.exists() else "(no serve.log)"


def json_of(answer: httpx.Response, status: int = 200) -> Any:
    """The JSON body of an API answer, failing with the body when the status is not ``status``."""
    if answer.status_code != status:
        raise AssertionError(
            f"{answer.request.method} {answer.request.url.path}: want {status}, got"
            f" {answer.status_code}: {answer.text[:2000]}"
        )
    return answer.json()
