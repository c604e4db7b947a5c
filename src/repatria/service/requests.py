"""Use cases on requests: open, list, read, move through the lifecycle, inquire.

The state machine itself is pure (``domain.lifecycle``); here it is applied to
stored rows, each move recorded as an event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from repatria.domain.access import SUPERVISOR_TRANSITIONS, Action, Role
from repatria.domain.case import check_case_reference
from repatria.domain.event import EventKind
from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.lifecycle import (
    TERMINAL_STATES,
    Direction,
    RequestState,
    Transition,
    TransitionName,
    allowed_transitions,
    next_state,
    parse_state,
    parse_transition,
    transition,
)
from repatria.domain.measure import Measure, parse_measure
from repatria.domain.refusal import GROUND_ARTICLES, parse_refusal_grounds
from repatria.domain.request import (
    Request,
    RequestInput,
    check_request_reference,
    make_request_reference,
)
from repatria.errors import Conflict, InvalidInput, NotFound
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.cases import load_case
from repatria.service.dialogue import (
    answer_consultation_in,
    queue_inquiry,
    queue_move,
    queue_status_answer,
)
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.readiness import readiness
from repatria.store.base import utcnow
from repatria.store.tables import CaseMemberRow, CaseRow, EntityRow, InquiryRow, RequestRow


@dataclass(frozen=True, slots=True)
class Inquiry:
    id: int
    asked_at: str
    asked_by: str
    question: str
    answered_at: str | None
    answered_by: str | None
    answer: str | None


def request_view(row: RequestRow) -> Request:
    return Request(
        reference=row.reference,
        case_reference=row.case.reference,
        direction=Direction(row.direction),
        requesting_state=row.requesting_state,
        requested_state=row.requested_state,
        measures=tuple(Measure(m) for m in row.measures),
        state=RequestState(row.state),
        title=row.title,
        summary=row.summary,
        legal_basis=row.legal_basis,
        deadline=row.deadline,
        deadline_reason=row.deadline_reason,
        urgent=row.urgent,
        confidential=row.confidential,
        subjects=tuple(row.subjects),
        foreign_reference=row.foreign_reference,
        created_at=row.created_at,
        updated_at=row.updated_at,
        peer_node=row.peer_node,
    )


def load_request(session: Session, reference: str) -> RequestRow:
    row = session.scalar(select(RequestRow).where(RequestRow.reference == reference))
    if row is None:
        raise NotFound(f"request {reference} not found", where="request")
    return row


def case_of_request(node: Node, reference: str) -> str:
    """The case a request belongs to, for the need-to-know check.

    An unknown request and a request of a case the caller cannot see read the
    same way.
    """
    with node.transaction() as session:
        case_ref = session.scalar(
            select(CaseRow.reference)
            .join(RequestRow, RequestRow.case_id == CaseRow.id)
            .where(RequestRow.reference == reference)
        )
    if case_ref is None:
        return reference.rsplit("-R", 1)[0]
    return case_ref


def open_request(
    node: Node,
    actor: Actor,
    case_reference: str,
    data: dict[str, Any],
    *,
    drafted_from: str | None = None,
) -> Request:
    """Open a request in a case; ``drafted_from`` names the trace it was drafted from
    (kept in the event, so a trace drafts one request per requested state)."""
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.REQUEST_CREATE, ref)
    fields = RequestInput.from_dict(
        data, node_jurisdiction=node.config.jurisdiction, today=utcnow().date()
    )
    with node.transaction() as session:
        case = load_case(session, ref)
        known = set(
            session.scalars(select(EntityRow.entity_id).where(EntityRow.case_id == case.id)).all()
        )
        for i, subject in enumerate(fields.subjects):
            if subject not in known:
                raise InvalidInput(
                    f"no entity {subject!r} in case {ref}; add it to the case first",
                    where=f"subjects[{i}]",
                )
        case.request_count += 1
        now = utcnow()
        row = RequestRow(
            reference=make_request_reference(ref, case.request_count),
            case_id=case.id,
            direction=fields.direction.value,
            requesting_state=fields.requesting_state,
            requested_state=fields.requested_state,
            measures=[m.value for m in fields.measures],
            state=fields.direction.initial_state.value,
            title=fields.title,
            summary=fields.summary,
            legal_basis=fields.legal_basis,
            deadline=fields.deadline,
            deadline_reason=fields.deadline_reason,
            urgent=fields.urgent,
            confidential=fields.confidential,
            subjects=list(fields.subjects),
            foreign_reference=fields.foreign_reference,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor=actor.username,
            action=(
                EventKind.REQUEST_DRAFTED
                if fields.direction is Direction.OUTGOING
                else EventKind.REQUEST_RECEIVED
            ),
            why=fields.title,
            case_id=case.id,
            request_id=row.id,
            details={
                "direction": row.direction,
                "requesting_state": row.requesting_state,
                "requested_state": row.requested_state,
                "measures": row.measures,
                "state": row.state,
            }
            | ({"trace": drafted_from} if drafted_from else {}),
        )
        return request_view(row)


def get_request(node: Node, actor: Actor, reference: str) -> Request:
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        return request_view(load_request(session, ref))


def transitions_now(node: Node, actor: Actor, reference: str) -> list[Transition]:
    """The moves the state machine allows now, for this request's direction."""
    request = get_request(node, actor, reference)
    return allowed_transitions(request.state, request.direction)


@dataclass(frozen=True, slots=True)
class RequestFilter:
    case: str | None = None
    state: str | None = None
    direction: str | None = None
    measure: str | None = None
    requested_state: str | None = None
    requesting_state: str | None = None
    overdue: bool = False
    deadline_before: date | None = None


def list_requests(node: Node, actor: Actor, filters: RequestFilter) -> list[Request]:
    """Requests of the actor's cases, filtered; measures filter in Python (JSON column)."""
    authorize(node, actor, Action.CASE_LIST)
    measure = parse_measure(filters.measure) if filters.measure else None
    query = (
        select(RequestRow)
        .join(CaseRow, CaseRow.id == RequestRow.case_id)
        .join(CaseMemberRow, CaseMemberRow.case_id == CaseRow.id)
        .where(CaseMemberRow.user_id == actor.user_id)
        .order_by(RequestRow.id)
    )
    if filters.case:
        query = query.where(CaseRow.reference == check_case_reference(filters.case))
    if filters.state:
        query = query.where(RequestRow.state == parse_state(filters.state).value)
    if filters.direction:
        try:
            query = query.where(RequestRow.direction == Direction(filters.direction).value)
        except ValueError:
            raise InvalidInput(
                "direction must be 'outgoing' or 'incoming'", where="direction"
            ) from None
    if filters.requested_state:
        code = parse_jurisdiction(filters.requested_state, where="requested_state").code
        query = query.where(RequestRow.requested_state == code)
    if filters.requesting_state:
        code = parse_jurisdiction(filters.requesting_state, where="requesting_state").code
        query = query.where(RequestRow.requesting_state == code)
    if filters.deadline_before:
        query = query.where(RequestRow.deadline <= filters.deadline_before)
    today = utcnow().date()
    with node.transaction() as session:
        found = [request_view(r) for r in session.scalars(query).all()]
    if measure is not None:
        found = [r for r in found if measure in r.measures]
    if filters.overdue:
        found = [r for r in found if r.is_overdue(today)]
    return found


def deadlines(node: Node, actor: Actor) -> list[Request]:
    """Open requests with a deadline, soonest first (UNCAC 46(24))."""
    found = list_requests(node, actor, RequestFilter())
    open_with_deadline = [r for r in found if r.deadline and r.state not in TERMINAL_STATES]
    return sorted(open_with_deadline, key=lambda r: (r.deadline or date.max, r.reference))


def apply_transition(
    node: Node,
    actor: Actor,
    reference: str,
    name: str,
    *,
    why: str = "",
    grounds: list[str] | None = None,
    expected_state: str | None = None,
) -> Request:
    """Move a request through its lifecycle and record who, when, what and why."""
    ref = check_request_reference(reference)
    transition_name = parse_transition(name)
    case_ref = case_of_request(node, ref)
    extra = (
        (Role.SUPERVISOR, f"{transition_name.value} a request")
        if transition_name in SUPERVISOR_TRANSITIONS
        else None
    )
    authorize(node, actor, Action.REQUEST_TRANSITION, case_ref, also_role=extra)
    try:
        with node.transaction() as session:
            row = load_request(session, ref)
            if row.peer_node and transition(transition_name).side is not (
                Direction(row.direction).own_side
            ):
                raise Conflict(
                    f"request {ref} travels with node {row.peer_node}; its moves arrive from"
                    " that node as messages and cannot be recorded by hand",
                    where="transition",
                )
            move = move_request(
                session, row, transition_name, actor=actor.username, why=why, grounds=grounds,
                expected_state=expected_state,
            )  # fmt: skip
            if move.side is Direction(row.direction).own_side:
                # The other state's node hears of the move in the same transaction
                # (transactional outbox): recorded here means queued there.
                queue_move(session, node, row, move, why=why.strip(), grounds=grounds or [],
                           actor=actor.username)  # fmt: skip
            return request_view(row)
    except StaleDataError:
        raise Conflict(f"request {ref} changed meanwhile; reload it and try again") from None


def move_request(
    session: Session, row: RequestRow, transition_name: TransitionName, *, actor: str,
    why: str = "", grounds: list[str] | None = None, expected_state: str | None = None,
    reported_by: str | None = None, extra: dict[str, Any] | None = None,
) -> Transition:  # fmt: skip
    """Apply one lifecycle move to a stored request and record it, in the caller's
    transaction; the state machine (``domain.lifecycle``) decides whether it is allowed.

    ``reported_by`` names the other state when the move is theirs (recorded from a message
    of their node, or entered by hand from a letter)."""
    ref = row.reference
    why = why.strip()
    state = RequestState(row.state)
    if expected_state is not None and parse_state(expected_state) is not state:
        raise Conflict(
            f"request {ref} is now '{state.value}', not '{expected_state}'; reload it",
            where="expected_state",
        )
    direction = Direction(row.direction)
    move = next_state(ref, state, direction, transition_name)
    details: dict[str, Any] = {
        "from": state.value,
        "to": move.target.value,
        "article": move.article,
    }
    if move.side is not direction.own_side:
        details["reported_by"] = reported_by or (
            row.requested_state if direction is Direction.OUTGOING else row.requesting_state
        )
    if move.needs_reason and not why:
        raise InvalidInput(f"{transition_name.value} needs reasons ({move.article})", where="why")
    if transition_name is TransitionName.REFUSE:
        parsed = parse_refusal_grounds(grounds or [])
        details["grounds"] = [g.value for g in parsed]
        details["grounds_articles"] = [GROUND_ARTICLES[g] for g in parsed]
    elif transition_name is TransitionName.OPEN_CONSULTATION and grounds:
        # an intended refusal names its grounds already in the consultation (46(26))
        details["grounds"] = [g.value for g in parse_refusal_grounds(grounds)]
    elif grounds:
        raise InvalidInput(
            "grounds are given only with a refusal or a consultation on one", where="grounds"
        )
    if transition_name in (TransitionName.MARK_READY, TransitionName.SEND):
        readiness(row, today=utcnow().date())
    row.state = move.target.value
    row.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action=EventKind.of_transition(transition_name),
        why=why or move.summary,
        case_id=row.case_id,
        request_id=row.id,
        details=details | (extra or {}),
    )
    return move


def ask_status(node: Node, actor: Actor, reference: str, question: str) -> Inquiry:
    """Record a status inquiry (UNCAC 46(24): reasonable requests get an answer)."""
    ref = check_request_reference(reference)
    authorize(node, actor, Action.REQUEST_INQUIRE, case_of_request(node, ref))
    if not question.strip():
        raise InvalidInput("the inquiry needs a question", where="question")
    with node.transaction() as session:
        row = load_request(session, ref)
        inquiry = InquiryRow(request_id=row.id, asked_by=actor.username, question=question.strip())
        session.add(inquiry)
        session.flush()
        record_event(
            session,
            actor=actor.username,
            action=EventKind.REQUEST_STATUS_INQUIRY,
            why=question.strip(),
            case_id=row.case_id,
            request_id=row.id,
            details={"inquiry": inquiry.id},
        )
        queue_inquiry(session, node, row, question.strip(), actor=actor.username)
        return _inquiry_view(inquiry)


def answer_status(
    node: Node, actor: Actor, reference: str, inquiry_id: int, answer: str
) -> Inquiry:
    ref = check_request_reference(reference)
    authorize(node, actor, Action.REQUEST_INQUIRE, case_of_request(node, ref))
    if not answer.strip():
        raise InvalidInput("the answer is empty", where="answer")
    with node.transaction() as session:
        row = load_request(session, ref)
        inquiry = session.get(InquiryRow, inquiry_id)
        if inquiry is None or inquiry.request_id != row.id:
            raise NotFound(f"no inquiry {inquiry_id} on request {ref}", where="inquiry")
        if inquiry.answered_at is not None:
            raise Conflict(f"inquiry {inquiry_id} was answered already", where="inquiry")
        inquiry.answer = answer.strip()
        inquiry.answered_by = actor.username
        inquiry.answered_at = utcnow()
        record_event(
            session,
            actor=actor.username,
            action=EventKind.REQUEST_STATUS_ANSWER,
            why=answer.strip(),
            case_id=row.case_id,
            request_id=row.id,
            details={"inquiry": inquiry.id},
        )
        if inquiry.asked_by.startswith("node:"):  # asked over the network: answer the same way
            queue_status_answer(session, node, row, answer.strip(), actor=actor.username)
        return _inquiry_view(inquiry)


def list_inquiries(node: Node, actor: Actor, reference: str) -> list[Inquiry]:
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        rows = session.scalars(
            select(InquiryRow).where(InquiryRow.request_id == row.id).order_by(InquiryRow.id)
        ).all()
        return [_inquiry_view(r) for r in rows]


def _inquiry_view(row: InquiryRow) -> Inquiry:
    return Inquiry(
        id=row.id,
        asked_at=row.asked_at.isoformat(),
        asked_by=row.asked_by,
        question=row.question,
        answered_at=row.answered_at.isoformat() if row.answered_at else None,
        answered_by=row.answered_by,
        answer=row.answer,
    )


def answer_consultation(
    node: Node, actor: Actor, reference: str, *, accepted: bool, note: str = ""
) -> Request:
    """Accept or decline the conditions the requested state offered in its consultation
    (UNCAC 46(26)); the answer travels to its node. Binding the state: supervisors only."""
    ref = check_request_reference(reference)
    authorize(node, actor, Action.REQUEST_TRANSITION, case_of_request(node, ref),
              also_role=(Role.SUPERVISOR, "answer a consultation"))  # fmt: skip
    if not accepted and not note.strip():
        raise InvalidInput("say why the conditions are declined", where="note")
    with node.transaction() as session:
        row = load_request(session, ref)
        answer_consultation_in(session, node, row, accepted=accepted, note=note.strip(),
                               actor=actor.username)  # fmt: skip
        verdict = "accepted" if accepted else "declined"
        record_event(
            session,
            actor=actor.username,
            action=EventKind.REQUEST_CONDITIONS_ANSWERED,
            why=f"conditions {verdict}" + (f": {note.strip()}" if note.strip() else ""),
            case_id=row.case_id,
            request_id=row.id,
            details={"accepted": accepted, "article": "UNCAC 46(26)"},
        )
        return request_view(row)
