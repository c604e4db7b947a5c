"""ledger_tiles: subtree hashes kept by tiles of 256 per level, not one row each

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Hand-written to match ``store/ledger_tables.py`` (issue 14.6): a batch of a thousand leaves
wrote two thousand hash rows, twice the leaves themselves; tiles (C2SP tlog-tiles' grouping,
every level kept) make it a few dozen. The hashes move over unchanged, level by level, in
order; a level whose stored positions have a gap is refused with the first missing one, so
a damaged ledger is reported, never silently repacked (run ``repatria ledger verify``).

On SQLite the leaves' key becomes ``INTEGER PRIMARY KEY``, the rowid itself: declared
``BIGINT`` it was a second b-tree written beside the table for every leaf. The table is
copied as it is (``batch_alter_table`` recreates it); PostgreSQL keeps ``BIGINT``.
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TILE_WIDTH = 256
"""As ``store.ledger_tables.TILE_WIDTH`` when this revision was written (a revision never
imports the live module: a later change there must not change what this one did)."""

CHUNK = 10_000


def upgrade() -> None:
    tiles = op.create_table(
        "ledger_tiles",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("tile", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "tile", name=op.f("pk_ledger_tiles")),
    )
    connection = op.get_bind()
    _insert(
        connection, tiles,
        ({"level": level, "tile": tile, "hashes": content}
         for level, tile, content in _tiles_of(connection)),
    )  # fmt: skip
    op.drop_table("ledger_hashes")
    if connection.dialect.name == "sqlite":
        _leaf_index_as(sa.Integer(), sa.BigInteger())


def _insert(connection: sa.Connection, table: sa.Table, rows: Iterator[dict[str, object]]) -> None:
    """Insert ``rows`` ``CHUNK`` at a time (a large ledger is never held whole in memory)."""
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            connection.execute(sa.insert(table), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(table), batch)


def _tiles_of(connection: sa.Connection) -> Iterator[tuple[int, int, bytes]]:
    """The stored hashes grouped into tiles, read in (level, position) order."""
    rows = connection.execute(
        sa.text("SELECT level, position, hash FROM ledger_hashes ORDER BY level, position"),
        execution_options={"stream_results": True},  # a server-side cursor on PostgreSQL
    )
    level, tile, content, expected = -1, -1, b"", 0
    for row in rows:
        if row.level != level:
            if content:
                yield level, tile, content
            level, tile, content, expected = row.level, 0, b"", 0
        if row.position != expected:
            raise RuntimeError(
                f"ledger_hashes has no hash at level {level}, position {expected} (the next "
                f"stored is {row.position}); run `repatria ledger verify` on the previous "
                "version before upgrading"
            )
        if row.position // TILE_WIDTH != tile:
            if content:
                yield level, tile, content
            tile, content = row.position // TILE_WIDTH, b""
        content += bytes(row.hash)
        expected += 1
    if content:
        yield level, tile, content


def downgrade() -> None:
    hashes = op.create_table(
        "ledger_hashes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_ledger_hashes")),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT level, tile, hashes FROM ledger_tiles"),
        execution_options={"stream_results": True},
    )
    _insert(
        connection, hashes,
        ({"level": row.level, "position": row.tile * TILE_WIDTH + k,
          "hash": bytes(row.hashes)[32 * k : 32 * (k + 1)]}
         for row in rows for k in range(len(row.hashes) // 32)),
    )  # fmt: skip
    op.drop_table("ledger_tiles")
    if connection.dialect.name == "sqlite":
        _leaf_index_as(sa.BigInteger(), sa.Integer())


def _leaf_index_as(new: sa.types.TypeEngine[int], old: sa.types.TypeEngine[int]) -> None:
    with op.batch_alter_table("ledger_leaves", recreate="always") as batch_op:
        batch_op.alter_column(
            "leaf_index", type_=new, existing_type=old, existing_nullable=False,
            autoincrement=False,
        )  # fmt: skip
