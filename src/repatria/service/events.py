"""Writing and reading events: the record of every state change.

``record_event`` is called inside the use case's transaction, so the change
and its record commit together or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
    head = chain_head(session)
    row = EventRow(
        at=utcnow(),
        actor=actor,
        action=action,
        why=why,
        case_id=case_id,
        request_id=request_id,
        entity_id=entity_id,
        details=details or {},
        decisions_head=head,
    )
    session.add(row)
    session.flush()
    stage_event(session, row)
    return row


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
