"""Revision 0009 moves the ledger's subtree hashes into tiles and back, unchanged.

On a SQLite file of its own (a migration runs on a database not yet at head); the
PostgreSQL run of CI migrates its database from empty to head for every test node."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from repatria.ledger.compact_range import CompactRange
from repatria.ledger.subtree import Subtree
from repatria.store.db import alembic_config, make_engine
from repatria.store.ledger_tables import TILE_WIDTH, SqlLogStorage

LEAVES = 3 * TILE_WIDTH + 7
"""Leaves enough for level 0 to fill three tiles and start a fourth, and level 1 two."""


def _to(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture
def at_0008(tmp_path: Path) -> Engine:
    """A database at revision 0008 with a ledger of ``LEAVES`` leaves, one row a hash."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _to(engine, "0008")
    data = [b"leaf %d" % i for i in range(LEAVES)]
    tree = CompactRange(data)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO ledger_leaves (leaf_index, data) VALUES (:i, :d)"),
            [{"i": i, "d": d} for i, d in enumerate(data)],
        )
        connection.execute(
            text("INSERT INTO ledger_hashes (level, position, hash) VALUES (:l, :p, :h)"),
            [{"l": h.level, "p": h.index, "h": h.hash} for h in tree.rows()],
        )
    return engine


def _old_rows(engine: Engine) -> list[tuple[int, int, bytes]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT level, position, hash FROM ledger_hashes ORDER BY level, position")
        )
        return [(r.level, r.position, bytes(r.hash)) for r in rows]


def test_hashes_move_into_tiles_and_back_unchanged(at_0008: Engine) -> None:
    engine = at_0008
    before = _old_rows(engine)
    assert len(before) == 2 * LEAVES - LEAVES.bit_count()
    _to(engine, "0009")
    with Session(engine) as session:
        storage = SqlLogStorage(session)
        subtrees = [Subtree(level, position) for level, position, _ in before]
        assert storage.subtree_hashes(subtrees) == [h for _, _, h in before]
        assert storage.counts()[3] == len(before)
        leaves = storage.leaves(0, LEAVES)
        assert [leaf.data for leaf in leaves] == [b"leaf %d" % i for i in range(LEAVES)]
        table = session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'ledger_leaves'")
        ).scalar_one()
        assert "leaf_index INTEGER NOT NULL" in table, "the key is the rowid on SQLite"
    _to(engine, "0008", down=True)
    assert _old_rows(engine) == before


def test_a_gap_in_the_stored_hashes_is_refused_and_nothing_changes(
    at_0008: Engine,
) -> None:
    engine = at_0008
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_hashes WHERE level = 1 AND position = 3"))
    before = _old_rows(engine)
    with pytest.raises(RuntimeError, match="no hash at level 1, position 3"):
        _to(engine, "0009")
    assert _old_rows(engine) == before, "the old table is kept whole"
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
        )
