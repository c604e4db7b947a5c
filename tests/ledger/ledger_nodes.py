"""Helpers for ledger tests that run on a node (SQLite or PostgreSQL, as conftest selects)."""

from __future__ import annotations

from sqlalchemy import select

from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.store.ledger_tables import LedgerHeadRow, LedgerLeafRow


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
