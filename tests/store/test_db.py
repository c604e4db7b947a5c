from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from repatria.service.node import Node
from repatria.store.db import schema_is_current
from repatria.store.tables import EventRow
from tests.conftest import backend


def test_schema_is_at_the_newest_migration(node: Node) -> None:
    assert schema_is_current(node.engine)


def test_commits_are_durable(node: Node) -> None:
    """SQLite: WAL with synchronous=FULL and foreign keys on; PostgreSQL: fsync'd commits."""
    with node.engine.connect() as connection:
        if backend() == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_times_come_back_as_aware_utc(node: Node) -> None:
    lagos = timezone(offset=__import__("datetime").timedelta(hours=1))
    with node.transaction() as session:
        row = EventRow(
            at=datetime(2026, 5, 1, 10, 0, tzinfo=lagos), actor="t", action="t", why="", details={}
        )
        session.add(row)
    with node.transaction() as session:
        stored = session.scalar(select(EventRow).where(EventRow.actor == "t"))
        assert stored is not None
        assert stored.at.tzinfo is not None and stored.at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert stored.at.hour == 9


def test_naive_times_are_refused(node: Node) -> None:
    with pytest.raises(Exception, match="naive datetime"), node.transaction() as session:
        session.add(EventRow(at=datetime(2026, 5, 1), actor="t", action="t", why="", details={}))
        session.flush()


def test_a_failed_use_case_leaves_nothing(node: Node) -> None:
    with pytest.raises(RuntimeError), node.transaction() as session:
        session.add(EventRow(actor="half", action="t", why="", details={}))
        session.flush()
        raise RuntimeError("boom")
    with node.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM events WHERE actor='half'")).scalar() == 0
        )
