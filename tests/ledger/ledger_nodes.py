"""Helpers for ledger tests that run on a node (SQLite or PostgreSQL, as conftest selects)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from repatria.ledger.merkle import HASH_SIZE
from repatria.ledger.subtree import SubtreeHash
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.store.ledger_tables import (
    TILE_WIDTH,
    LedgerHeadRow,
    LedgerLeafRow,
    LedgerTileRow,
    SqlLogStorage,
)


def record(node: Node, count: int, *, batch: int = 1, action: str = "test.event") -> list[int]:
    """Record ``count`` events, ``batch`` per transaction; return their ids."""
    ids: list[int] = []
    while len(ids) < count:
        with node.transaction() as session:
            for _ in range(min(batch, count - len(ids))):
                row = record_event(
                    session,
                    actor="tester",
                    action=action,
                    why=f"event {len(ids)}",
                    details={"n": len(ids)},
                )
                ids.append(row.id)
    return ids


def log_size(node: Node) -> int:
    with node.transaction() as session:
        size = session.scalar(select(LedgerHeadRow.size))
        return int(size or 0)


def leaf_of(node: Node, event_id: int) -> int | None:
    with node.transaction() as session:
        return session.scalar(
            select(LedgerLeafRow.leaf_index).where(LedgerLeafRow.event_id == event_id)
        )


def stored_hash_positions(session: Session) -> list[tuple[int, int]]:
    """Every stored subtree hash, as (level, position)."""
    return [
        (level, tile * TILE_WIDTH + k)
        for level, tile, hashes in session.execute(
            select(LedgerTileRow.level, LedgerTileRow.tile, LedgerTileRow.hashes)
        )
        for k in range(len(hashes) // HASH_SIZE)
    ]


def flip_stored_hash(session: Session, level: int, position: int, bit: int = 0) -> None:
    """Damage the stored hash of subtree (level, position) in place: one bit of its first
    byte, as a disk or an operator with the database would."""
    tile, offset = position // TILE_WIDTH, (position % TILE_WIDTH) * HASH_SIZE
    where = (LedgerTileRow.level == level, LedgerTileRow.tile == tile)
    stored = session.scalar(select(LedgerTileRow.hashes).where(*where))
    assert stored is not None and len(stored) >= offset + HASH_SIZE, (level, position)
    changed = stored[:offset] + bytes([stored[offset] ^ (1 << bit)]) + stored[offset + 1 :]
    session.execute(update(LedgerTileRow).where(*where).values(hashes=changed))


def rewrite_hashes(session: Session, hashes: Iterable[SubtreeHash]) -> None:
    """Replace every stored subtree hash with ``hashes`` (a log rewritten by its operator)."""
    session.execute(delete(LedgerTileRow))
    SqlLogStorage(session).insert([], sorted(hashes, key=lambda h: (h.level, h.index)))
