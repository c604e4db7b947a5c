"""Writing and reading events: the record of every state change.

``record_event`` is called inside the use case's transaction, so the change
and its record commit together or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from repatria.domain.event import Event, EventKind
from repatria.service.ledger.append import stage_event
from repatria.service.ledger.decisions import chain_head
from repatria.store.base import utcnow
from repatria.store.tables import CaseRow, EventRow, RequestRow


def record_event(
    session: Session,
    *,
    actor: str,
    action: EventKind,
    why: str,
    case_id: int | None = None,
    request_id: int | None = None,
    entity_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> EventRow:
    """Write one event and stage its leaf; returns the row as written (not attached to the
    session: an event is never changed once recorded).

    One ``INSERT ... RETURNING`` on the transaction's connection rather than a flush of the
    unit of work: a receive records three events a message, and a flush each cost more than
    everything else it did (issue 14.3). Ids follow the calls, so the log's order is theirs.
    """
    values: dict[str, Any] = {
        "at": utcnow(),
        "actor": actor,
        "action": str(action),
        "why": why,
        "case_id": case_id,
        "request_id": request_id,
        "entity_id": entity_id,
        "details": details or {},
        "decisions_head": chain_head(session),
    }
    event_id = session.connection().execute(_INSERT, values).scalar_one()
    row = EventRow(id=event_id, **values)
    stage_event(session, row)
    return row


_INSERT = insert(EventRow.__table__).returning(EventRow.__table__.c.id)  # type: ignore[arg-type]


def events_of_case(session: Session, case_id: int) -> list[Event]:
    rows = session.execute(
        select(EventRow, CaseRow.reference, RequestRow.reference)
        .join(CaseRow, CaseRow.id == EventRow.case_id)
        .outerjoin(RequestRow, RequestRow.id == EventRow.request_id)
        .where(EventRow.case_id == case_id)
        .order_by(EventRow.id)
    ).all()
    return [
        Event(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            why=row.why,
            case_reference=case_ref,
            request_reference=request_ref,
            entity_id=row.entity_id,
            details=row.details,
        )
        for row, case_ref, request_ref in rows
    ]
