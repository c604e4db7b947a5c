"""The MLA dialogue, sending side: which message a lifecycle move sends to the other node.

When a request travels by exchange (its ``peer_node`` is set, or at ``send`` the requested
state has a node in the directory), each move made by this node's own side is told to the
other node in a signed, sealed message queued in the same transaction as the move
(``service.outbox.queue_in``): the central authority of the requested state receives the
request itself (UNCAC 46(13)), the requesting state hears of acknowledgement, questions,
consultation, postponement, execution and refusal (46(16), 46(24)-(26)). A request whose
other state has no node travels as before (paper, e-mail) and its moves are recorded by
hand.

Every message carries the originator's handling codes (``handling_for``): the use
limitation of 46(19) and the confidentiality of 46(20), so the receiving node can enforce
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.lifecycle import Direction, RequestState, Transition, TransitionName
from repatria.domain.measure import Measure
from repatria.domain.refusal import parse_refusal_grounds
from repatria.errors import Conflict, InvalidInput, NotFound
from repatria.exchange.directory import Directory
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import (
    Acknowledgement,
    AdditionalInformation,
    AdditionalInformationRequest,
    AttachedFile,
    Consultation,
    ConsultationAnswer,
    FinalExecution,
    Intention,
    Message,
    MessageType,
    PartialExecution,
    Payload,
    Postponement,
    Refusal,
    Request,
    SpontaneousBasis,
    SpontaneousInformation,
    StatusAnswer,
    StatusInquiry,
    Withdrawal,
)
from repatria.service.network_directory import directory_in
from repatria.service.node import Node
from repatria.service.outbox import queue_in, seal_for
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow
from repatria.store.tables import RequestRow

_LONG = 20_000

STATUS_MOVES = frozenset(
    {TransitionName.START_EXECUTION, TransitionName.RESUME_EXECUTION,
     TransitionName.AGREE_CONDITIONS}
)  # fmt: skip
"""Moves with no message type of their own: told as a status answer naming the new state
(46(24)); the receiving node applies the one move that leads there."""


DOCUMENT_MOVES = frozenset(
    {TransitionName.PROVIDE_ADDITIONAL_INFORMATION, TransitionName.EXECUTE_PARTIALLY,
     TransitionName.COMPLETE_EXECUTION}
)  # fmt: skip
"""Moves whose message carries documents inline: the additional information of 46(16)
(court orders, supplementary evidence) and the execution reports of 46(24)."""

_CARRIED: ContextVar[tuple[AttachedFile, ...]] = ContextVar("carried", default=())


@contextmanager
def carrying(files: tuple[AttachedFile, ...]) -> Iterator[None]:
    """Within this block, the message a document move sends carries ``files`` inline.

    The move itself is applied by ``service.requests.apply_transition``, whose transaction
    queues the message; the documents ride along without widening its signature."""
    token = _CARRIED.set(files)
    try:
        yield
    finally:
        _CARRIED.reset(token)


def questions_of(why: str) -> tuple[str, ...]:
    """The questions of a request for additional information (46(16)): one per line."""
    lines = tuple(line.strip() for line in why.splitlines() if line.strip())
    return tuple(q[:2000] for q in lines[:100]) or (why,)


def peer_for(directory: Directory, jurisdiction: str, now: datetime) -> str | None:
    """The node that receives requests for ``jurisdiction``: the central authority's node
    (46(13)) when the directory names one, else the only node of that state."""
    for contact in directory.contacts_of(jurisdiction, now):
        if contact.node_id is not None:
            return contact.node_id
    nodes = [n.node_id for n in directory.nodes if n.jurisdiction == jurisdiction]
    return nodes[0] if len(nodes) == 1 else None


def counterpart(row: RequestRow, directory: Directory | None, now: datetime) -> str | None:
    """The other state's node for this request, or None when it travels outside the network."""
    if row.peer_node:
        return row.peer_node
    if Direction(row.direction) is not Direction.OUTGOING or directory is None:
        return None
    return peer_for(directory, row.requested_state, now)


def handling_for(session: Session, node: Node, row: RequestRow) -> Handling:
    """The originator's handling of everything said about this request.

    H0 (crime only) and H2 (no dissemination without permission); usable for the
    investigation, prosecution, proceedings and asset recovery of this case only (46(19));
    before a court, since assistance is sought for use in proceedings (46(3)); confidential
    when the request is (46(20)). Forwarding and export need the originator's consent.
    """
    if row.direction == Direction.OUTGOING.value:
        case: str | None = row.case.reference
    else:  # the requesting state's case, as its request message named it
        case = session.scalar(
            select(InboxRow.case_ref).where(
                InboxRow.request_id == row.id,
                InboxRow.message_type == MessageType.REQUEST.value,
            )
        )
    cases = (case,) if case else ()
    return Handling(
        originator=node.config.node_id,
        level=Confidentiality.CONFIDENTIAL if row.confidential else Confidentiality.RESTRICTED,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=frozenset(
            {
                Purpose.INVESTIGATION,
                Purpose.PROSECUTION,
                Purpose.JUDICIAL_PROCEEDINGS,
                Purpose.ASSET_RECOVERY,
            }
        ),
        cases=cases,
        court=True,
        confidential_request=row.confidential,
    )


def request_payload(row: RequestRow) -> Request:
    """The request as sent: the row's fields and the whole structured document (46(15))."""
    document = row.document or {}
    purpose = _text_of(document.get("purpose")) or row.title
    facts = _text_of(document.get("facts"))
    language = document.get("language")
    return Request(
        reference=row.reference,
        measures=tuple(Measure(m) for m in row.measures),
        summary=(row.summary or facts or row.title)[:_LONG],
        purpose=purpose[:_LONG],
        language=language if isinstance(language, str) else "en",
        confidential=row.confidential,
        deadline=row.deadline,
        deadline_reason=row.deadline_reason if row.deadline else None,
        title=row.title[:300],
        legal_basis=row.legal_basis,
        urgent=row.urgent,
        document=row.document,
    )


def _text_of(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return str(value["text"])
    return value if isinstance(value, str) else ""


def payload_for(
    session: Session, row: RequestRow, move: Transition, why: str, grounds: list[str]
) -> Payload | None:
    """The message payload that tells the other node of ``move``; None for internal moves."""
    name = move.name
    theirs = row.foreign_reference or row.reference
    ours = row.reference
    # Every message names the requesting state's reference, the key both nodes share.
    common = ours if row.direction == Direction.OUTGOING.value else theirs
    files = _CARRIED.get() or None
    if files and name not in DOCUMENT_MOVES:
        raise InvalidInput(
            f"documents travel with additional information or an execution report, not with"
            f" {name.value}",
            where="files",
        )
    match name:
        case TransitionName.MARK_READY | TransitionName.REVISE:
            return None
        case TransitionName.SEND:
            return request_payload(row)
        case TransitionName.ACKNOWLEDGE:
            return Acknowledgement(common, ours, why or None)
        case TransitionName.REQUEST_ADDITIONAL_INFORMATION:
            # the questions, one per line, and the whole text as their reason, which the
            # receiver records once (it used to record the text twice)
            return AdditionalInformationRequest(common, questions_of(why), why)
        case TransitionName.PROVIDE_ADDITIONAL_INFORMATION:
            return AdditionalInformation(common, why, (), files)
        case TransitionName.OPEN_CONSULTATION:
            parsed = tuple(parse_refusal_grounds(grounds)) if grounds else ()
            intended = Intention.REFUSAL if parsed else Intention.POSTPONEMENT
            return Consultation(common, intended, why, parsed)
        case TransitionName.POSTPONE:
            return Postponement(common, why)
        case TransitionName.EXECUTE_PARTIALLY:
            return PartialExecution(common, (), why or move.summary, files)
        case TransitionName.COMPLETE_EXECUTION:
            return FinalExecution(common, (), why or move.summary, files)
        case TransitionName.REFUSE:
            consultation = _last_consultation(session, row)
            return Refusal(common, tuple(parse_refusal_grounds(grounds)), why, consultation)
        case TransitionName.WITHDRAW:
            return Withdrawal(common, why)
        case _ if name in STATUS_MOVES:
            return StatusAnswer(common, RequestState(move.target), why or move.summary)
    raise InvalidInput(f"no message is defined for {name.value}", where="transition")


def _last_consultation(session: Session, row: RequestRow) -> str:
    found = session.scalar(
        select(OutboxRow.message_id)
        .where(
            OutboxRow.request_id == row.id,
            OutboxRow.message_type == MessageType.CONSULTATION.value,
        )
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    if found is None:
        raise InvalidInput(
            f"request {row.reference} has no consultation message to refer to; a refusal"
            " follows a consultation sent through the network (UNCAC 46(26))",
            where="transition",
        )
    return found


def queue_move(
    session: Session, node: Node, row: RequestRow, move: Transition, *, why: str,
    grounds: list[str], actor: str,
) -> OutboxRow | None:  # fmt: skip
    """Queue the message that tells the other node of ``move``, in the move's transaction.

    Returns None when the request travels outside the network or the move is internal.
    At ``send`` the recipient node is fixed on the request, so every later message of the
    dialogue goes to the same node even if the directory changes its contacts.
    """
    return queue_payload(
        session, node, row, lambda: payload_for(session, row, move, why, grounds), actor=actor
    )


def queue_inquiry(
    session: Session, node: Node, row: RequestRow, question: str, *, actor: str
) -> OutboxRow | None:
    """Ask the requested state's node about progress (46(24)), if the request travels by
    exchange; the answer comes back as a status answer."""
    if row.direction != Direction.OUTGOING.value or not row.peer_node:
        return None
    return queue_payload(
        session, node, row, lambda: StatusInquiry(row.reference, question), actor=actor
    )


def queue_status_answer(
    session: Session, node: Node, row: RequestRow, answer: str, *, actor: str
) -> OutboxRow | None:
    """Answer the requesting state's inquiry with the request's state and a note (46(24))."""
    if row.direction != Direction.INCOMING.value or not row.peer_node:
        return None
    reference = row.foreign_reference or row.reference
    return queue_payload(
        session, node, row,
        lambda: StatusAnswer(reference, RequestState(row.state), answer), actor=actor,
    )  # fmt: skip


def queue_payload(
    session: Session, node: Node, row: RequestRow, make: Callable[[], Payload | None], *,
    actor: str,
) -> OutboxRow | None:  # fmt: skip
    """Seal ``make()``'s payload for the request's other node and queue it in ``session``."""
    now = utcnow()
    try:
        directory: Directory | None = directory_in(session)
    except NotFound:  # this node has not joined an exchange network
        directory = None
    recipient = counterpart(row, directory, now)
    if recipient is None or directory is None:
        return None
    payload = make()
    if payload is None:
        return None
    row.peer_node = recipient
    handling = handling_for(session, node, row)
    message = Message(payload=payload, case=row.case.reference, handling=handling)
    sealed = seal_for(node, message, recipient, now, directory)
    return queue_in(
        session, sealed, message, actor=actor, now=now, case_id=row.case_id, request_id=row.id
    )


def answer_consultation_in(
    session: Session, node: Node, row: RequestRow, *, accepted: bool, note: str, actor: str
) -> OutboxRow:
    """The requesting state's answer to the conditions offered in a consultation (46(26)),
    sent to the requested state's node, which then agrees the conditions or decides."""
    consultation = session.scalar(
        select(InboxRow.message_id)
        .where(
            InboxRow.request_id == row.id,
            InboxRow.message_type == MessageType.CONSULTATION.value,
        )
        .order_by(InboxRow.id.desc())
        .limit(1)
    )
    if consultation is None or row.state != RequestState.CONSULTATION.value:
        # the request's stored state, not this answer, is what is wrong (issue 13.8)
        raise Conflict(
            f"request {row.reference} has no open consultation received from its node"
            " (UNCAC 46(26))",
            where="request",
        )
    queued = queue_payload(
        session, node, row,
        lambda: ConsultationAnswer(row.reference, consultation, accepted, note or None),
        actor=actor,
    )  # fmt: skip
    if queued is None:
        raise Conflict(f"request {row.reference} does not travel by exchange", where="request")
    return queued


def spontaneous_payload(summary: str, basis: str) -> SpontaneousInformation:
    """Information sent without a request (46(4)-(5); proceeds of offences: 56)."""
    try:
        parsed = SpontaneousBasis(basis)
    except ValueError:
        accepted = ", ".join(b.value for b in SpontaneousBasis)
        raise InvalidInput(
            f"unknown basis {basis!r}; accepted: {accepted}", where="basis"
        ) from None
    if not summary.strip():
        raise InvalidInput("say what the information is", where="summary")
    return SpontaneousInformation(parsed, summary.strip())
