"""The drafted content of a request (UNCAC 46(15)-(16), 55(3)), kept with the request.

A draft is saved whatever its state of completeness, so nothing typed is ever
lost by a failed validation; what may not happen is that an incomplete request
moves to ready or is sent (``readiness``, called by the lifecycle). Rendering
a request is an export of confidential material, so each one is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.adapters.fontconfig import installed_faces
from repatria.domain.access import Action
from repatria.domain.authority import AuthorityRole, ContactPoint
from repatria.domain.entities import validate_entity
from repatria.domain.event import EventKind
from repatria.domain.language import UN_LANGUAGES
from repatria.domain.lifecycle import Direction, RequestState
from repatria.domain.request import check_request_reference
from repatria.drafting import ValidationReport, render_docx, render_pdf
from repatria.drafting.languages import accepted_languages
from repatria.drafting.model import Channel as DocumentChannel
from repatria.drafting.record import record_fields
from repatria.errors import Conflict, InvalidInput, NotFound
from repatria.law import Basis, Catalogue, Kind, find_bases, load_catalogue, parse_offence
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.entities import put_entity_in
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.readiness import report_for
from repatria.service.requests import case_of_request, load_request
from repatria.service.trace_facts import HeldAccount, TraceFacts, facts_for_state, read_trace
from repatria.store.base import utcnow
from repatria.store.tables import AuthorityRow, EntityRow, EventRow, RequestRow

FORMATS = {"pdf": "application/pdf", "docx": (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)}  # fmt: skip
PERSON_SCHEMAS = {"Person", "Company", "Organization", "LegalEntity"}


def _today() -> date:
    return datetime.now(UTC).date()


def _text(value: str, lang: str = "en") -> dict[str, str]:
    return {"text": value, "lang": lang, "translation": "original"}


ASSET_SCHEMAS = {"BankAccount", "RealEstate", "Vehicle", "Vessel", "Airplane", "CryptoWallet",
                 "Security", "Asset"}  # fmt: skip
DOCUMENT_CHANNELS = {c.value for c in DocumentChannel}


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
    """A first draft built from what the node knows, for the officer to complete.

    From the node: the requesting authority (46(15)(a)). From the directory and the
    law catalogue: the requested state's central authority as addressee, the channel
    (46(13)) and the first language it accepts (46(14)), else English. From the case:
    its offences, the persons and companies (46(15)(e)) and the accounts and assets in
    the requested state (55(3)(a)) among its entities, and the facts, period and
    traced amounts of its latest trace reaching that state (46(15)(c)).
    """
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        traced = _latest_trace_facts(session, node, row)
        return compose_draft(session, node, row, traced)


def _held_accounts(session: Session, case_id: int) -> dict[str, HeldAccount]:
    """The case's accounts by number (account number or IBAN)."""
    found: dict[str, HeldAccount] = {}
    rows = session.scalars(
        select(EntityRow).where(EntityRow.case_id == case_id, EntityRow.schema == "BankAccount")
    ).all()
    for r in rows:
        props = dict(r.data.get("properties", {}))
        currency = next(iter(props.get("currency", [])), None)
        for number in [*props.get("accountNumber", []), *props.get("iban", [])]:
            found.setdefault(str(number), HeldAccount(r.entity_id, currency))
    return found


def _latest_trace_facts(session: Session, node: Node, row: RequestRow) -> TraceFacts | None:
    runs = session.scalars(
        select(EventRow)
        .where(EventRow.case_id == row.case_id, EventRow.action == EventKind.TRACE_RUN.value)
        .order_by(EventRow.id.desc())
    ).all()
    held = _held_accounts(session, row.case_id)
    for run in runs:
        trace_id = str(run.details.get("trace", ""))
        if row.requested_state not in (run.details.get("jurisdictions") or []):
            continue
        try:
            summary = read_trace(node, row.case.reference, trace_id)
        except (NotFound, InvalidInput):
            continue
        return facts_for_state(node, summary, row.requested_state, held)
    return None


def _addressee(session: Session, state: str, catalogue: Catalogue) -> tuple[str | None, str | None]:
    """The requested state's central authority and the channel to it (UNCAC 46(13))."""
    points = [
        ContactPoint.from_dict(r.data)
        for r in session.scalars(
            select(AuthorityRow).where(AuthorityRow.jurisdiction == state).order_by(AuthorityRow.id)
        ).all()
    ]
    central = [p for p in points if p.role is AuthorityRole.CENTRAL_AUTHORITY]
    if central:
        channels = [c.value for c in central[0].channels if c.value in DOCUMENT_CHANNELS]
        return central[0].name, (channels[0] if channels else "central-authority")
    declared = catalogue.declarations.get(state)
    if declared is not None and declared.central_authority.strip():
        return declared.central_authority.strip()[:2_000], "central-authority"
    return None, None


def compose_draft(
    session: Session, node: Node, row: RequestRow, traced: TraceFacts | None
) -> dict[str, Any]:
    """The starting document of ``row`` from the node, the directory and the case."""
    case = row.case
    catalogue = load_catalogue()
    accepted = accepted_languages(row.requested_state, catalogue) or ()
    lang = next((x for x in accepted if x in UN_LANGUAGES), "en")
    held = session.scalars(
        select(EntityRow).where(EntityRow.case_id == row.case_id).order_by(EntityRow.id)
    ).all()
    subjects = set(row.subjects or [])
    bases = find_bases(row.requesting_state, row.requested_state, row.measures[0]).bases
    basis = row.legal_basis or best_basis(bases)
    facts = "\n\n".join(x for x in (row.summary or case.summary, traced and traced.facts) if x)
    links = traced.links if traced else {}
    persons = [
        {"role": "suspect", "entity": e.data} if e.entity_id in subjects else {"entity": e.data}
        for e in held
        if e.schema in PERSON_SCHEMAS
    ]
    assets = []
    for e in held:
        if e.schema not in ASSET_SCHEMAS:
            continue
        countries = [str(c).upper() for c in e.data.get("properties", {}).get("country", [])]
        if (
            e.entity_id not in subjects
            and e.entity_id not in links
            and (row.requested_state not in countries)
        ):
            continue
        asset: dict[str, Any] = {"entity": e.data}
        if e.entity_id in links:
            asset["link"] = _text(links[e.entity_id])
        assets.append(asset)
    targets = [a["entity"]["id"] for a in assets]
    period = (
        {"start": traced.period[0].isoformat(), "end": traced.period[1].isoformat()}
        if traced and traced.period
        else None
    )
    measures = []
    for m in row.measures:
        sought: dict[str, Any] = {"measure": m}
        if targets:
            sought["targets"] = targets
        if m == "records" and period:
            sought["period"] = period
        measures.append(sought)
    offences = []
    for raw in case.offences or []:
        try:
            offence = parse_offence(raw)
        except InvalidInput:
            continue
        offences.append({"name": _text(offence.label), "offence_id": offence.id})
    addressee, channel = _addressee(session, row.requested_state, catalogue)
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
        "proceedings": {
            "kind": "investigation",
            "reference": case.reference,
            "subject": _text(case.title),
            "authority": {"name": _text(node.config.authority), "state": row.requesting_state},
        },
        "offences": offences,
        "measures": measures,
        "persons": persons,
        "assets": assets,
        "confidentiality": {"requested": row.confidential},
        "urgency": {"urgent": row.urgent},
    }
    if facts:
        document["facts"] = _text(facts)
    if addressee:
        document["addressee"] = {"name": _text(addressee), "state": row.requested_state}
    if channel:
        document["channel"] = channel
    if basis:
        document["legal_basis"] = {"instrument": basis}
    if row.deadline:
        document["deadline"] = {
            "date": row.deadline.isoformat(),
            "reasons": _text(row.deadline_reason or ""),
        }
    return document


def best_basis(bases: Sequence[Basis]) -> str | None:
    """The first basis the engine ranks whose conditions are known with certainty.

    A basis whose dates of entry into force are unknown (``certain`` false) is
    offered only if confirmed, so a draft does not rest on it; a treaty or convention
    comes before reciprocity, which binds no one (UNCAC 46(1), 46(7)).
    """
    certain = [b for b in bases if b.certain]
    treaties = [b for b in certain if b.kind is not Kind.RECIPROCITY]
    chosen = (treaties or certain)[:1]
    return chosen[0].instrument if chosen else None


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
    try:
        data = (
            render_pdf(document, lang, faces=installed_faces())
            if fmt == "pdf"
            else render_docx(document, lang)
        )
    except InvalidInput as exc:
        # The kept draft, not this call's input, is what cannot be rendered: a conflict with
        # the stored state (issue 13.8), naming where in the draft to look.
        where = f"document.{exc.where}" if exc.where else "document"
        raise Conflict(f"the kept draft cannot be rendered: {exc.message}", where=where) from None
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
