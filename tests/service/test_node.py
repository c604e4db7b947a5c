"""A node's data is its account's alone (issue 13.6)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from repatria.service.node import init_node, keep_private, open_node
from repatria.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "node", database_url=None)


def test_a_new_node_is_private_to_its_account(sqlite_settings: Settings) -> None:
    init_node(sqlite_settings, node_id="ng-test", jurisdiction="NG", authority="CA",
              languages=["en"])  # fmt: skip
    data = sqlite_settings.data_dir
    assert _mode(data) == 0o700
    assert _mode(data / "keys") == 0o700
    files = [p for p in data.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"node.json", "repatria.db"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_an_older_node_left_open_to_all_is_tightened_when_opened(
    sqlite_settings: Settings,
) -> None:
    init_node(sqlite_settings, node_id="ng-test", jurisdiction="NG", authority="CA",
              languages=["en"])  # fmt: skip
    data = sqlite_settings.data_dir
    os.chmod(data, 0o755)
    os.chmod(data / "repatria.db", 0o644)
    open_node(sqlite_settings).close()
    assert _mode(data) == 0o700
    assert _mode(data / "repatria.db") == 0o600


def test_a_file_removed_meanwhile_does_not_stop_the_node(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's -shm and -wal come and go with other processes of the node (R10 found it)."""
    init_node(sqlite_settings, node_id="ng-test", jurisdiction="NG", authority="CA",
              languages=["en"])  # fmt: skip
    data = sqlite_settings.data_dir
    gone = data / "repatria.db-shm"
    gone.write_bytes(b"")
    real_chmod = os.chmod

    def vanish_first(path: object, mode: int) -> None:
        if Path(str(path)) == gone and gone.exists():
            gone.unlink()
            raise FileNotFoundError(2, "No such file or directory", str(path))
        real_chmod(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "chmod", vanish_first)
    keep_private(data)
    assert _mode(data / "repatria.db") == 0o600
