"""Alarms: what the ledger found wrong, kept until an operator clears it.

A split view or a rollback of a peer's log (reliability.md R4), a failed self-audit before
signing (R3), a message that could not be delivered: each is a row with its evidence (both
signed checkpoints and the proof where there is one). An open self-audit alarm stops every
append (``append``); an open alarm about a peer stops cosigning for it. Clearing is an
operator's decision and is recorded as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import Action
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, NotFound
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.ledger_tables import AlarmRow


def raise_alarm(
    node: Node,
    origin: str,
    kind: str,
    reason: str,
    *,
    previous_note: str = "",
    new_note: str = "",
    proof: tuple[bytes, ...] = (),
) -> int:
    """Record an alarm in its own transaction, so it survives the failure that raised it."""
    with node.transaction() as session:
        return _add_alarm(session, origin, kind, reason, previous_note, new_note, proof)


def add_alarm(session: Session, origin: str, kind: str, reason: str) -> int:
    """Record an alarm inside the caller's transaction (one with no checkpoints as evidence,
    e.g. a message that could not be delivered); it stays open until an operator clears it."""
    return _add_alarm(session, origin, kind, reason, "", "", ())


def add_alarm_once(session: Session, origin: str, kind: str, reason: str) -> int | None:
    """``add_alarm`` unless an alarm of this kind about ``origin`` is still open (a condition
    checked every round raises one alarm, not one per round)."""
    open_one = session.scalar(
        select(AlarmRow.id).where(
            AlarmRow.origin == origin, AlarmRow.kind == kind, AlarmRow.cleared_at.is_(None)
        )
    )
    return None if open_one is not None else add_alarm(session, origin, kind, reason)


def _add_alarm(
    session: Session,
    origin: str,
    kind: str,
    reason: str,
    previous_note: str,
    new_note: str,
    proof: tuple[bytes, ...],
) -> int:
    row = AlarmRow(
        origin=origin,
        kind=kind,
        reason=reason,
        previous_note=previous_note,
        new_note=new_note,
        proof={"hashes": [h.hex() for h in proof]},
    )
    session.add(row)
    session.flush()
    return row.id


@dataclass(frozen=True, slots=True)
class AlarmView:
    """An alarm as an operator reads it, with both signed checkpoints as evidence (R3, R4)."""

    id: int
    origin: str
    kind: str
    reason: str
    previous_checkpoint: str | None
    new_checkpoint: str | None
    proof: tuple[str, ...]
    raised_at: str
    cleared_at: str | None
    cleared_by: str | None
    clear_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": self.origin,
            "kind": self.kind,
            "reason": self.reason,
            "previous_checkpoint": self.previous_checkpoint,
            "new_checkpoint": self.new_checkpoint,
            "proof": list(self.proof),
            "raised_at": self.raised_at,
            "cleared_at": self.cleared_at,
            "cleared_by": self.cleared_by,
            "clear_reason": self.clear_reason,
        }


def alarms(node: Node, *, include_cleared: bool = False) -> list[AlarmView]:
    """Alarms, newest first, each with both signed checkpoints as evidence (no access check:
    for the node's own rounds and tests; people read them through ``read_alarms``)."""
    with node.transaction() as session:
        query = select(AlarmRow).order_by(AlarmRow.id.desc())
        if not include_cleared:
            query = query.where(AlarmRow.cleared_at.is_(None))
        return [_alarm_view(r) for r in session.scalars(query).all()]


def read_alarms(node: Node, actor: Actor, *, include_cleared: bool = False) -> list[AlarmView]:
    """Alarms as an auditor or the node's operator reads them; the decision is recorded."""
    authorize(
        node,
        actor,
        Action.LEDGER_ALARMS,
        refusal="only an auditor or a node-admin may read ledger alarms",
    )
    return alarms(node, include_cleared=include_cleared)


def clear_alarm(node: Node, actor: Actor, alarm_id: int, why: str) -> AlarmView:
    """An operator's decision on an alarm; recorded as an event (and so in the ledger)."""
    authorize(
        node,
        actor,
        Action.LEDGER_ALARMS,
        refusal="only a node-admin or an auditor may clear a ledger alarm",
    )
    if not why.strip():
        raise InvalidInput("say what was found and done about the alarm", where="why")
    with node.transaction() as session:
        row = session.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"no alarm {alarm_id}", where="alarm_id")
        if row.cleared_at is not None:
            raise InvalidInput(f"alarm {alarm_id} was already cleared", where="alarm_id")
        row.cleared_at = utcnow()
        row.cleared_by = actor.username
        row.clear_reason = why.strip()
        session.flush()
        record_event(
            session,
            actor=actor.username,
            action=EventKind.LEDGER_ALARM_CLEARED,
            why=why.strip(),
            details={"alarm": alarm_id, "origin": row.origin, "kind": row.kind},
        )
        return _alarm_view(row)


def _alarm_view(row: AlarmRow) -> AlarmView:
    return AlarmView(
        id=row.id,
        origin=row.origin,
        kind=row.kind,
        reason=row.reason,
        previous_checkpoint=row.previous_note,
        new_checkpoint=row.new_note,
        proof=tuple(row.proof.get("hashes", [])),
        raised_at=row.raised_at.isoformat(),
        cleared_at=row.cleared_at.isoformat() if row.cleared_at else None,
        cleared_by=row.cleared_by,
        clear_reason=row.clear_reason,
    )
