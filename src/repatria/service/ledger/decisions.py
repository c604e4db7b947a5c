"""The access decisions chain and what the log commits to of it (issue 13.2).

A node records every access decision (``service.access``); they are too many to be leaves of
the log each, so they form a hash chain (``ledger.entry.chain_link``) whose newest link every
event's leaf commits to (``service.events``; the link only, not the count, so a receipt's event
tells a peer nothing of this node's traffic). ``service.ledger.facts`` checks the
stored chain against itself and against those commitments.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.ledger.entry import CHAIN_START
from repatria.store.tables import AccessChainRow, AccessDecisionRow


def decision_record(row: AccessDecisionRow) -> dict[str, object]:
    """What the chain hashes of a decision: every column but the id and the link itself
    (the order is the chain's)."""
    return {
        "at": row.at.isoformat(),
        "actor": row.actor,
        "action": row.action,
        "case": row.case_reference,
        "allowed": row.allowed,
        "reason": row.reason,
    }


HELD_HEAD = "repatria.decisions.head"
"""Where a transaction keeps the chain's row once read (a one-item list; ``[None]`` while the
chain has no link): a receive that records a hundred events reads it once, not a hundred
times (issue 14.3). The session is the transaction's own (``Node.transaction``), so what is
held never outlives it, and ``locked_head`` holds the very row a new decision moves."""


def chain_head(session: Session) -> str:
    """The chain's newest link, as this transaction sees it."""
    held: list[AccessChainRow | None] | None = session.info.get(HELD_HEAD)
    if held is None:
        held = [session.scalar(select(AccessChainRow).where(AccessChainRow.id == 1))]
        session.info[HELD_HEAD] = held
    row = held[0]
    return CHAIN_START if row is None else row.head


def locked_head(session: Session) -> AccessChainRow:
    """The newest link, locked until the transaction ends; made on first use."""
    head = session.scalar(select(AccessChainRow).where(AccessChainRow.id == 1).with_for_update())
    if head is None:
        head = AccessChainRow(id=1, count=0, head=CHAIN_START)
        session.add(head)
        session.flush()
    session.info[HELD_HEAD] = [head]
    return head
