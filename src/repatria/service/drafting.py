"""The drafted content of a request (UNCAC 46(15)-(16), 55(3)), kept with the request.

A draft is saved whatever its state of completeness, so nothing typed is ever
lost by a failed validation; what may not happen is that an incomplete request
moves to ready or is sent (``readiness``, called by the lifecycle). Rendering
a request is an export of confidential material, so each one is recorded.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.adapters.fontconfig import installed_faces
from repatria.domain.access import Action
from repatria.domain.entities import validate_entity
from repatria.domain.event import EventKind
from repatria.domain.language import UN_LANGUAGES
from repatria.domain.lifecycle import Direction, RequestState
from repatria.domain.request import check_request_reference
from repatria.drafting import ValidationReport, render_docx, render_pdf
from repatria.drafting.languages import accepted_languages
from repatria.drafting.record import record_fields
from repatria.errors import InvalidInput, NotFound
from repatria.law import find_bases, load_catalogue
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.entities import put_entity_in
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.readiness import report_for
from repatria.service.requests import case_of_request, load_request
from repatria.store.base import utcnow
from repatria.store.tables import EntityRow, RequestRow

FORMATS = {"pdf": "application/pdf", "docx": (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)}  # fmt: skip
PERSON_SCHEMAS = {"Person", "Company", "Organization", "LegalEntity"}


def _today() -> date:
    return datetime.now(UTC).date()


def _text(value: str, lang: str = "en") -> dict[str, str]:
    return {"text": value, "lang": lang, "translation": "original"}


def get_document(node: Node, actor: Actor, reference: str) -> dict[str, Any]:
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        if row.document is None:
            raise NotFound(f"request {ref} has no draft yet", where="document")
        return dict(row.document)


def check_document(node: Node, actor: Actor, reference: str) -> ValidationReport:
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        return report_for(load_request(session, ref), today=_today())


def save_document(node: Node, actor: Actor, reference: str, document: Any) -> ValidationReport:
    """Keep the draft (complete or not) and return what is still missing.

    Only drafts change: once ready or sent, the request is revised first, so
    what was approved is what is sent.
    """
    ref = check_request_reference(reference)
    authorize(node, actor, Action.REQUEST_TRANSITION, case_of_request(node, ref))
    if not isinstance(document, dict):
        raise InvalidInput("a request document is a JSON object", where="document")
    if record_fields(document).entities:  # the persons and assets it names join the case
        authorize(node, actor, Action.ENTITY_WRITE, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        if Direction(row.direction) is not Direction.OUTGOING:
            raise InvalidInput(
                f"request {ref} is incoming: its content is the sender's", where="document"
            )
        if RequestState(row.state) is not RequestState.DRAFT:
            raise InvalidInput(
                f"request {ref} is '{row.state}'; revise it back to draft before editing",
                where="document",
            )
        row.document = document
        row.updated_at = utcnow()
        record = _follow_document(session, actor, row, document)
        report = report_for(row, today=_today())
        canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
        record_event(
            session,
            actor=actor.username,
            action=EventKind.REQUEST_DOCUMENT_SAVED,
            why=f"draft saved: {len(report.errors)} error(s), score {report.score}",
            case_id=row.case_id,
            request_id=row.id,
            details={
                "sha256": hashlib.sha256(canonical).hexdigest(),
                "errors": len(report.errors),
                "score": report.score,
                "record": record,
            },
        )
        return report


def _follow_document(
    session: Session, actor: Actor, row: RequestRow, document: dict[str, Any]
) -> dict[str, Any]:
    """Derive the record's columns from the saved draft (one truth), in the same transaction.

    Persons (UNCAC 46(15)(e)) and assets (55(3)(a)) the draft names that the case does
    not hold yet are added to it, once, as the case's entities; an entity that is not
    valid FtM stays in the draft only (its validation says what is wrong) and is not a
    subject. Returns what changed, for the event.
    """
    fields = record_fields(document)
    case = row.case
    held = set(session.scalars(select(EntityRow.entity_id).where(EntityRow.case_id == case.id)))
    subjects: list[str] = []
    for data in fields.entities:
        entity_id = str(data["id"])
        if entity_id not in held:
            try:
                proxy = validate_entity(data)
            except InvalidInput:
                continue
            put_entity_in(session, case, proxy, actor=actor.username)
            held.add(entity_id)
        subjects.append(entity_id)
    before = _record_of(row)
    row.legal_basis = fields.legal_basis
    row.deadline = fields.deadline
    row.deadline_reason = fields.deadline_reason
    if fields.measures:
        row.measures = [m.value for m in fields.measures]
    row.urgent = fields.urgent
    row.confidential = fields.confidential
    if fields.summary:
        row.summary = fields.summary[:20_000]
    row.subjects = subjects
    after = _record_of(row)
    return {k: v for k, v in after.items() if before.get(k) != v}


def _record_of(row: RequestRow) -> dict[str, Any]:
    return {
        "legal_basis": row.legal_basis,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "deadline_reason": row.deadline_reason,
        "measures": list(row.measures),
        "urgent": row.urgent,
        "confidential": row.confidential,
        "summary": row.summary,
        "subjects": list(row.subjects),
    }


def starting_draft(node: Node, actor: Actor, reference: str) -> dict[str, Any]:
    """A first draft built from what the node knows: states, measures, subjects, basis.

    Persons and companies among the request's subjects go to ``persons``,
    accounts and other property to ``assets``; the language is the first one
    the requested state accepts (UNCAC 46(14)), else English.
    """
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        subjects = session.scalars(
            select(EntityRow).where(
                EntityRow.case_id == row.case_id, EntityRow.entity_id.in_(row.subjects or [""])
            )
        ).all()
        accepted = accepted_languages(row.requested_state, load_catalogue()) or ()
        lang = next((x for x in accepted if x in UN_LANGUAGES), "en")
        bases = find_bases(row.requesting_state, row.requested_state, row.measures[0]).bases
        basis = row.legal_basis or (bases[0].instrument if bases else None)
        document: dict[str, Any] = {
            "schema_version": "1.0",
            "reference": row.reference,
            "date": _today().isoformat(),
            "language": lang,
            "requesting_state": row.requesting_state,
            "requested_state": row.requested_state,
            "requesting_authority": {
                "name": _text(node.config.authority),
                "state": row.requesting_state,
            },
            "facts": _text(row.summary),
            "measures": [{"measure": m, "description": _text("")} for m in row.measures],
            "persons": [
                {"role": "suspect", "entity": s.data}
                for s in subjects
                if s.schema in PERSON_SCHEMAS
            ],
            "assets": [
                {"entity": s.data, "link": _text("")}
                for s in subjects
                if s.schema not in PERSON_SCHEMAS
            ],
            "confidentiality": {"requested": row.confidential},
            "urgency": {"urgent": row.urgent},
        }
        if basis:
            document["legal_basis"] = {"instrument": basis}
        if row.deadline:
            document["deadline"] = {
                "date": row.deadline.isoformat(),
                "reasons": _text(row.deadline_reason or ""),
            }
        return document


def render_request(node: Node, actor: Actor, reference: str, *, lang: str, fmt: str) -> bytes:
    """Render the attached draft; the export is recorded (who, language, format, hash)."""
    ref = check_request_reference(reference)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; accepted: pdf, docx", where="format")
    if lang not in UN_LANGUAGES:
        raise InvalidInput(
            f"unknown language {lang!r}; accepted: {', '.join(UN_LANGUAGES)}", where="lang"
        )
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    document = get_document(node, actor, ref)
    data = (
        render_pdf(document, lang, faces=installed_faces())
        if fmt == "pdf"
        else render_docx(document, lang)
    )
    with node.transaction() as session:
        row = load_request(session, ref)
        record_event(
            session,
            actor=actor.username,
            action=EventKind.REQUEST_RENDERED,
            why=f"{fmt.upper()} in {lang}",
            case_id=row.case_id,
            request_id=row.id,
            details={"lang": lang, "format": fmt, "sha256": hashlib.sha256(data).hexdigest()},
        )
    return data
