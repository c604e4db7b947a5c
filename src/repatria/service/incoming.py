"""The MLA dialogue, receiving side: what an accepted message does on this node.

Runs inside the transaction that stores the message (``service.exchange.receive``), so a
message is never stored without its effect, nor applied twice (the inbox's unique id).

- A ``request`` becomes an incoming request in a new case of this node, assigned to the
  central authority's supervisors, who triage and assign it (UNCAC 46(13): requests go to
  the central authority). Nobody else sees it (need-to-know).
- A message of the dialogue applies the lifecycle move it implies to the request it names
  (the requesting state's reference, which both nodes share), as reported by the other
  state. A move the state machine does not allow now is not forced: the message stays
  stored, its outcome says why, and an alarm asks an operator to look (nothing silent).
- A status inquiry is recorded as an inquiry to answer (46(24)); a consent answer is kept
  as the originator's recorded decision (46(19)); spontaneous information (46(4)-(5), 56)
  opens a case of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from repatria.domain.case import CaseStatus, make_case_reference
from repatria.domain.event import EventKind
from repatria.domain.lifecycle import (
    Direction,
    RequestState,
    Side,
    TransitionName,
    allowed_transitions,
)
from repatria.domain.request import make_request_reference
from repatria.errors import InvalidInput, RepatriaError
from repatria.exchange.directory import Directory
from repatria.exchange.envelope import OpenedMessage
from repatria.exchange.messages import (
    Acknowledgement,
    AdditionalInformation,
    AdditionalInformationRequest,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    ConsultationAnswer,
    Payload,
    Postponement,
    Refusal,
    Request,
    SpontaneousInformation,
    StatusAnswer,
    StatusInquiry,
    Withdrawal,
    _Execution,
)
from repatria.service.attachments import keep_received
from repatria.service.cases import next_sequence
from repatria.service.events import record_event
from repatria.service.ledger.alarms import add_alarm
from repatria.service.ledger.append import savepoint
from repatria.service.node import Node
from repatria.service.outbox import case_of_request_id
from repatria.service.requests import move_request
from repatria.store.exchange_tables import ConsentRow, InboxRow, OutboxRow
from repatria.store.tables import CaseMemberRow, CaseRow, InquiryRow, RequestRow, UserRow

UNAPPLIED_ALARM = "message-unapplied"
"""Raised when an authentic message could not take effect here (unknown request, a move
the state machine does not allow now); the message is kept for an operator to act on."""

INTAKE_ROLE = "supervisor"
"""Who receives new incoming requests: the central authority's supervisors (46(13))."""


def apply_received(
    session: Session, node: Node, opened: OpenedMessage, inbox: InboxRow, directory: Directory,
    now: datetime,
) -> None:  # fmt: skip
    """Give the stored message its effect here and write the outcome on its inbox row."""
    actor = f"node:{opened.sender}"
    payload = opened.message.payload
    try:
        with savepoint(session):  # a refused effect leaves the stored message intact
            inbox.outcome = _apply(session, node, opened, inbox, directory, actor, now)
    except RepatriaError as problem:
        inbox.outcome = f"not applied: {problem}"
        record_event(
            session,
            actor=actor,
            action=EventKind.MESSAGE_UNAPPLIED,
            why=f"{payload.TYPE.value} from {opened.sender} not applied: {problem}"[:2000],
            details={"message_id": opened.message_id, "type": payload.TYPE.value},
        )
        add_alarm(
            session,
            opened.sender,
            UNAPPLIED_ALARM,
            f"message {opened.message_id} ({payload.TYPE.value}) from {opened.sender}"
            f" could not be applied: {problem}"[:2000],
        )
    session.flush()


def _apply(
    session: Session, node: Node, opened: OpenedMessage, inbox: InboxRow, directory: Directory,
    actor: str, now: datetime,
) -> str:  # fmt: skip
    payload = opened.message.payload
    details = {"message_id": opened.message_id}
    match payload:
        case Request():
            incoming = _open_incoming(session, node, opened, payload, directory, actor)
            inbox.request_id, inbox.case_id = incoming.request_id, incoming.case.id
            return f"incoming request {incoming.reference} opened in case {incoming.case.reference}"
        case SpontaneousInformation():
            case = _open_case(
                session,
                node,
                title=f"Spontaneous information from {opened.sender} (UNCAC 56)",
                summary=payload.summary,
                actor=actor,
                details=details | {"basis": payload.basis.value},
            )
            inbox.case_id = case.id
            return f"spontaneous information filed in case {case.reference}"
        case ConsentAnswer():
            return _keep_consent(session, opened, payload, inbox, now)
        case ConsentRequest():
            return _note_consent_request(session, opened, payload, inbox, actor)
    row = _request_named(session, opened.sender, payload)
    inbox.request_id, inbox.case_id = row.id, row.case_id
    match payload:
        case StatusInquiry():
            session.add(
                InquiryRow(
                    request_id=row.id, asked_by=actor, question=payload.question or "(status)"
                )
            )
            record_event(session, actor=actor, action=EventKind.REQUEST_STATUS_INQUIRY,
                         why=payload.question or "status inquiry (UNCAC 46(24))",
                         case_id=row.case_id, request_id=row.id, details=details)  # fmt: skip
            return f"status inquiry recorded on {row.reference}"
        case ConsultationAnswer():
            verdict = "accepted" if payload.accepted else "declined"
            # the same words the requesting officer's own record has, so both threads agree
            record_event(session, actor=actor, action=EventKind.REQUEST_CONDITIONS_ANSWERED,
                         why=f"conditions {verdict}" + (f": {payload.note}" if payload.note else ""),
                         case_id=row.case_id, request_id=row.id,
                         details=details | {"accepted": payload.accepted})  # fmt: skip
            return f"conditions {verdict} on {row.reference}; agree or refuse next (46(26))"
        case Acknowledgement() if payload.their_reference:
            row.foreign_reference = payload.their_reference
        case StatusAnswer() if payload.note and payload.state.value == row.state:
            # an answer to an inquiry names the state the request is in; one naming
            # another state reports a move (start or resume execution), not an answer
            _answer_open_inquiry(session, row, payload, actor, opened.message_id)
    name, why, grounds = _implied_move(row, payload)
    if name is None:
        return f"no change: {row.reference} is already {row.state}"
    move_request(session, row, name, actor=actor, why=why, grounds=grounds,
                 reported_by=opened.sender, extra=details)  # fmt: skip
    files = getattr(payload, "files", None)
    if files:
        keep_received(session, node, files, actor=actor, case_id=row.case_id,
                      request_id=row.id, message_id=opened.message_id)  # fmt: skip
    return f"{name.value} recorded on {row.reference} (now {row.state})"


def _answer_open_inquiry(
    session: Session, row: RequestRow, payload: StatusAnswer, actor: str, message_id: str
) -> None:
    """A status answer closes the oldest inquiry still open on the request (46(24))."""
    inquiry = session.scalars(
        select(InquiryRow)
        .where(InquiryRow.request_id == row.id, InquiryRow.answered_at.is_(None))
        .order_by(InquiryRow.id)
        .limit(1)
    ).first()
    if inquiry is None:
        return
    note = payload.note or ""
    inquiry.answer = f"{note} (state: {payload.state.value})"
    inquiry.answered_by = actor
    inquiry.answered_at = datetime.now(UTC)
    # the event keeps the answer's own words, as the answering officer's record has them
    record_event(session, actor=actor, action=EventKind.REQUEST_STATUS_ANSWER, why=note,
                 case_id=row.case_id, request_id=row.id,
                 details={"inquiry": inquiry.id, "message_id": message_id,
                          "state": payload.state.value})  # fmt: skip


def _implied_move(
    row: RequestRow, payload: Payload
) -> tuple[TransitionName | None, str, list[str]]:
    match payload:
        case Acknowledgement():
            return TransitionName.ACKNOWLEDGE, payload.note or "", []
        case AdditionalInformationRequest():
            return TransitionName.REQUEST_ADDITIONAL_INFORMATION, _asked(payload), []
        case AdditionalInformation():
            return TransitionName.PROVIDE_ADDITIONAL_INFORMATION, payload.answers, []
        case Consultation():
            grounds = [g.value for g in payload.grounds]
            return TransitionName.OPEN_CONSULTATION, payload.reason, grounds
        case Postponement():
            return TransitionName.POSTPONE, payload.reason, []
        case _Execution():
            if payload.TRANSITION is None:  # every execution report names its transition
                raise InvalidInput(
                    f"{payload.TYPE.value} names no lifecycle transition", where="message.type"
                )
            return payload.TRANSITION, payload.note or "", []
        case Refusal():
            return TransitionName.REFUSE, payload.reasons, [g.value for g in payload.grounds]
        case Withdrawal():
            return TransitionName.WITHDRAW, payload.reason, []
        case StatusAnswer():
            return _move_to(row, payload.state), payload.note or "", []
    raise RepatriaError(f"{payload.TYPE.value} has no lifecycle move")


def _asked(payload: AdditionalInformationRequest) -> str:
    """The questions of 46(16) as recorded once: the reason when it already holds them all
    (as this platform sends them), else the reason followed by each question on its line."""
    missing = [q for q in payload.questions if q not in payload.reason]
    return "\n".join([payload.reason, *missing])


def _move_to(row: RequestRow, target: RequestState) -> TransitionName | None:
    """The other side's one move from the current state to ``target`` (a status answer)."""
    state = RequestState(row.state)
    if state is target:
        return None
    direction = Direction(row.direction)
    theirs = [
        t for t in allowed_transitions(state, direction)
        if t.target is target and t.side is not direction.own_side
    ]  # fmt: skip
    if len(theirs) != 1:
        raise RepatriaError(
            f"request {row.reference} is '{state.value}'; no single move leads to '{target.value}'"
        )
    return theirs[0].name


def _request_named(session: Session, sender: str, payload: Payload) -> RequestRow:
    """The request a dialogue message is about, found by the requesting state's reference.

    A message from the requested side names our outgoing request; one from the requesting
    side names the incoming request we opened from its request. Either way only the node
    the request travels with may speak of it.
    """
    reference = getattr(payload, "reference", None)
    if not isinstance(reference, str):
        raise RepatriaError(f"{payload.TYPE.value} names no request")
    if payload.SIDE is Side.REQUESTED:
        query = select(RequestRow).where(
            RequestRow.reference == reference,
            RequestRow.direction == Direction.OUTGOING.value,
        )
    else:
        query = select(RequestRow).where(
            RequestRow.foreign_reference == reference,
            RequestRow.direction == Direction.INCOMING.value,
        )
    row = session.scalars(query.where(RequestRow.peer_node == sender)).first()
    if row is None:
        raise RepatriaError(f"no request {reference} travels with node {sender}")
    return row


_INSERT_CASE = insert(CaseRow.__table__).returning(CaseRow.__table__.c.id)  # type: ignore[arg-type]
_INSERT_MEMBERS = insert(CaseMemberRow.__table__)  # type: ignore[arg-type]
_INSERT_REQUEST = insert(RequestRow.__table__).returning(RequestRow.__table__.c.id)  # type: ignore[arg-type]
"""Built once: a statement built for each message costs more to build and key than to run."""


@dataclass(frozen=True, slots=True)
class _NewCase:
    """A case just written for a message from the network."""

    id: int
    reference: str
    title: str


@dataclass(frozen=True, slots=True)
class _Incoming:
    """An incoming request just written, in its new case."""

    request_id: int
    reference: str
    case: _NewCase


def _open_incoming(
    session: Session, node: Node, opened: OpenedMessage, payload: Request, directory: Directory,
    actor: str,
) -> _Incoming:  # fmt: skip
    """Write the incoming request in a case of its own, assigned to the intake (46(13)).

    The case, its members and the request are inserted directly (one statement each, ids
    returned), not through the ORM's unit of work: a batch of incoming requests opens one
    case per message, and the flush of three mapped objects cost more than the rest of the
    message's effect."""
    sender = directory.entry(opened.sender)
    title = payload.title or f"Request {payload.reference} from {sender.jurisdiction}"
    case = _new_case(
        session, node, title=f"Incoming: {title}"[:300], summary=payload.summary, actor=actor,
        request_count=1,
    )  # fmt: skip
    reference = make_request_reference(case.reference, 1)
    direction = Direction.INCOMING
    measures = [m.value for m in payload.measures]
    request_id: int = (
        session.connection()
        .execute(
            _INSERT_REQUEST,
            {
                "reference": reference,
                "case_id": case.id,
                "direction": direction.value,
                "requesting_state": sender.jurisdiction,
                "requested_state": node.config.jurisdiction,
                "measures": measures,
                "state": direction.initial_state.value,
                "title": title[:300],
                "summary": payload.summary,
                "legal_basis": payload.legal_basis,
                "deadline": payload.deadline,
                "deadline_reason": payload.deadline_reason,
                "urgent": payload.urgent,
                "confidential": payload.confidential,
                "subjects": [],
                "foreign_reference": payload.reference,
                "document": payload.document,
                "peer_node": opened.sender,
            },
        )
        .scalar_one()
    )
    _case_opened(
        session, node, case, actor, {"message_id": opened.message_id, "from": opened.sender}
    )
    record_event(
        session,
        actor=actor,
        action=EventKind.REQUEST_RECEIVED,
        why=f"request {payload.reference} received from {opened.sender} (UNCAC 46(13))",
        case_id=case.id,
        request_id=request_id,
        details={
            "direction": direction.value,
            "requesting_state": sender.jurisdiction,
            "requested_state": node.config.jurisdiction,
            "measures": measures,
            "state": direction.initial_state.value,
            "message_id": opened.message_id,
            "foreign_reference": payload.reference,
        },
    )
    return _Incoming(request_id, reference, case)


def _open_case(
    session: Session, node: Node, *, title: str, summary: str, actor: str,
    details: dict[str, Any],
) -> _NewCase:  # fmt: skip
    case = _new_case(session, node, title=title, summary=summary, actor=actor)
    _case_opened(session, node, case, actor, details)
    return case


def _new_case(
    session: Session, node: Node, *, title: str, summary: str, actor: str,
    request_count: int = 0,
) -> _NewCase:  # fmt: skip
    """Write a case opened from the network, with the node's intake as its members."""
    year = datetime.now().year
    seq = next_sequence(session, f"case-{year}")
    reference = make_case_reference(node.config.jurisdiction, year, seq)
    case_id: int = (
        session.connection()
        .execute(
            _INSERT_CASE,
            {
                "reference": reference,
                "title": title,
                "summary": summary[:20_000],
                "offences": [],
                "status": CaseStatus.OPEN.value,
                "created_by": actor,
                "request_count": request_count,
            },
        )
        .scalar_one()
    )
    members = [{"case_id": case_id, "user_id": u.id, "added_by": actor} for u in _intake(session)]
    if members:
        session.connection().execute(_INSERT_MEMBERS, members)
    return _NewCase(case_id, reference, title)


def _case_opened(
    session: Session, node: Node, case: _NewCase, actor: str, details: dict[str, Any]
) -> None:
    """Record that ``case`` (written, its members the intake) was opened, for whom; alarm
    when no one receives it."""
    intake = _intake(session)
    record_event(
        session,
        actor=actor,
        action=EventKind.CASE_OPENED,
        why=case.title,
        case_id=case.id,
        details=details | {"intake": [u.username for u in intake]},
    )
    if not intake:
        add_alarm(
            session,
            node.config.node_id,
            "no-intake",
            f"case {case.reference} was opened from the network but this node has no active"
            f" {INTAKE_ROLE} to receive it; add one and assign the case",
        )


HELD_INTAKE = "repatria.intake"


def _intake(session: Session) -> list[UserRow]:
    """The active supervisors, read once per transaction: a batch of incoming requests opens
    a case each, and each goes to the same people."""
    held: list[UserRow] | None = session.info.get(HELD_INTAKE)
    if held is None:
        active = session.scalars(select(UserRow).where(UserRow.active.is_(True))).all()
        held = session.info[HELD_INTAKE] = [u for u in active if INTAKE_ROLE in u.roles]
    return held


def _sent_to(session: Session, message_id: str, peer: str, what: str) -> OutboxRow:
    """The message this node sent to ``peer`` that a consent message names; consent concerns
    only what the asking node received from us (46(19))."""
    original = session.scalars(select(OutboxRow).where(OutboxRow.message_id == message_id)).first()
    if original is None or original.recipient != peer:
        raise RepatriaError(
            f"{what} names message {message_id[:12]}… that this node did not send to {peer}"
        )
    return original


def _keep_consent(
    session: Session, opened: OpenedMessage, payload: ConsentAnswer, inbox: InboxRow,
    now: datetime,
) -> str:  # fmt: skip
    """Keep the originator's answer as the recorded decision 46(19) asks for; only the
    originator of the original message can consent to its use."""
    original = _sent_to(session, payload.consent_request, opened.sender, "consent answer")
    record = payload.record(opened.message_id, opened.sender, now)
    session.add(
        ConsentRow(
            answer_message_id=opened.message_id,
            original_message_id=payload.original_message,
            granted_by=opened.sender,
            granted=payload.granted,
            record=record.to_dict() if record is not None else payload.to_dict(),
            recorded_at=now,
        )
    )
    request_id = original.request_id
    case_id = case_of_request_id(session, request_id)
    inbox.request_id, inbox.case_id = request_id, case_id
    verdict = "granted" if payload.granted else "refused"
    record_event(session, actor=f"node:{opened.sender}", action=EventKind.CONSENT_GRANTED if payload.granted else EventKind.CONSENT_REFUSED,
                 why=f"{opened.sender} {verdict} {payload.kind.value} of message"
                     f" {payload.original_message[:12]}… (UNCAC 46(19))",
                 case_id=case_id, request_id=request_id,
                 details={"message_id": opened.message_id,
                          "original_message": payload.original_message,
                          "kind": payload.kind.value})  # fmt: skip
    return f"consent {verdict} for message {payload.original_message[:12]}…"


def _note_consent_request(
    session: Session, opened: OpenedMessage, payload: ConsentRequest, inbox: InboxRow, actor: str
) -> str:
    """A consent request concerns a message this node sent; it waits for a person to answer."""
    original = _sent_to(session, payload.original_message, opened.sender, "consent request")
    case_id = case_of_request_id(session, original.request_id)
    inbox.request_id, inbox.case_id = original.request_id, case_id
    record_event(session, actor=actor, action=EventKind.CONSENT_REQUESTED,
                 why=f"{opened.sender} asks consent to {payload.kind.value}: {payload.reason}"[:2000],
                 case_id=case_id, request_id=original.request_id,
                 details={"message_id": opened.message_id,
                          "original_message": payload.original_message,
                          "kind": payload.kind.value})  # fmt: skip
    return f"consent requested for message {payload.original_message[:12]}…; answer it"
