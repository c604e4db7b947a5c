"""The conversation of one request: everything that passed between the two states, in order.

One thread per request, the same on both nodes with directions mirrored: the request
(UNCAC 46(13)-(15)), its acknowledgement, questions and answers (46(16)), consultation and
its answer (46(26)), postponement (46(25)), status inquiries and answers (46(24)),
execution, refusal with grounds and reasons (46(21), 46(23)) and withdrawal. Each entry
says who said it and when, its text in full, the article it answers to, the documents it
carried and, for what travelled over the network, its delivery and receipt.

Built from the request's events (every move is one, recorded by hand or from a message),
joined to the outbox and receipts (what this node sent) and the inbox (what it received);
a request that travels outside the network shows its moves recorded by hand.

Also here: the moves with documents, which check the uploads before anything is stored or
queued and then record each document next to the move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import Action
from repatria.domain.event import EventKind
from repatria.domain.lifecycle import Direction, TransitionName, parse_transition
from repatria.domain.request import Request, check_request_reference
from repatria.errors import InvalidInput
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.messages import ATTACHED_LIMIT, PAYLOADS, MessageType
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.attachments import (
    DOCUMENT_KINDS,
    Document,
    Upload,
    attached_files,
    document_of,
    record_documents,
    store_document,
)
from repatria.service.dialogue import DOCUMENT_MOVES, STATUS_MOVES, carrying, request_payload
from repatria.service.node import Node
from repatria.service.requests import apply_transition, case_of_request, load_request
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.tables import EventRow, RequestRow

MESSAGE_OF_MOVE: dict[TransitionName, MessageType] = {
    TransitionName.SEND: MessageType.REQUEST,
    TransitionName.ACKNOWLEDGE: MessageType.ACKNOWLEDGEMENT,
    TransitionName.REQUEST_ADDITIONAL_INFORMATION: MessageType.ADDITIONAL_INFORMATION_REQUEST,
    TransitionName.PROVIDE_ADDITIONAL_INFORMATION: MessageType.ADDITIONAL_INFORMATION,
    TransitionName.OPEN_CONSULTATION: MessageType.CONSULTATION,
    TransitionName.POSTPONE: MessageType.POSTPONEMENT,
    TransitionName.EXECUTE_PARTIALLY: MessageType.PARTIAL_EXECUTION,
    TransitionName.COMPLETE_EXECUTION: MessageType.FINAL_EXECUTION,
    TransitionName.REFUSE: MessageType.REFUSAL,
    TransitionName.WITHDRAW: MessageType.WITHDRAWAL,
} | {t: MessageType.STATUS_ANSWER for t in STATUS_MOVES}
"""The message type that tells the other state of each move between the states."""

_SAID: dict[str, tuple[MessageType, str]] = {
    EventKind.REQUEST_STATUS_INQUIRY.value: (MessageType.STATUS_INQUIRY, "UNCAC 46(24)"),
    EventKind.REQUEST_STATUS_ANSWER.value: (MessageType.STATUS_ANSWER, "UNCAC 46(24)"),
    EventKind.REQUEST_CONDITIONS_ANSWERED.value: (MessageType.CONSULTATION_ANSWER,
                                                  "UNCAC 46(26)"),
}  # fmt: skip
"""Events of what was said without a move of the request."""

MESSAGE_LABELS: dict[MessageType, str] = {
    MessageType.REQUEST: "Request for assistance",
    MessageType.ACKNOWLEDGEMENT: "Acknowledgement of receipt",
    MessageType.ADDITIONAL_INFORMATION_REQUEST: "Questions: additional information asked",
    MessageType.ADDITIONAL_INFORMATION: "Additional information given",
    MessageType.CONSULTATION: "Consultation before refusing or postponing",
    MessageType.CONSULTATION_ANSWER: "Answer to the consultation",
    MessageType.POSTPONEMENT: "Execution postponed",
    MessageType.PARTIAL_EXECUTION: "Partial execution reported",
    MessageType.FINAL_EXECUTION: "Full execution reported",
    MessageType.REFUSAL: "Refusal, with reasons",
    MessageType.WITHDRAWAL: "Request withdrawn",
    MessageType.STATUS_INQUIRY: "Status inquiry",
    MessageType.STATUS_ANSWER: "Status report",
}
"""What an officer reads as the heading of each entry of the thread."""

_STATUS_MOVE_LABELS = {
    TransitionName.START_EXECUTION: "Status report: execution started",
    TransitionName.RESUME_EXECUTION: "Status report: execution resumed",
    TransitionName.AGREE_CONDITIONS: "Status report: conditions agreed, execution goes ahead",
}

MOVE_PROMPTS: dict[TransitionName, str] = {
    TransitionName.MARK_READY: "Note (optional)",
    TransitionName.REVISE: "What needs revising",
    TransitionName.SEND: "Covering note (optional)",
    TransitionName.ACKNOWLEDGE: "Note to the requesting state (optional): who handles the"
    " request, what comes next",
    TransitionName.REQUEST_ADDITIONAL_INFORMATION: "Your questions, one per line",
    TransitionName.PROVIDE_ADDITIONAL_INFORMATION: "Your answers",
    TransitionName.START_EXECUTION: "Note (optional)",
    TransitionName.OPEN_CONSULTATION: "Why assistance cannot go ahead as asked, and on what"
    " conditions it could",
    TransitionName.AGREE_CONDITIONS: "Note (optional)",
    TransitionName.POSTPONE: "Why execution is postponed (it interferes with which"
    " investigation or proceedings)",
    TransitionName.RESUME_EXECUTION: "Note (optional)",
    TransitionName.EXECUTE_PARTIALLY: "What was done so far",
    TransitionName.COMPLETE_EXECUTION: "What was done",
    TransitionName.REFUSE: "Reasons for the refusal",
    TransitionName.WITHDRAW: "Why the request is withdrawn",
}
"""The question each move's text field asks, in an officer's words."""

GROUND_LABELS = {
    "not-in-conformity": "Request not made in conformity with Art. 46 (46(21)(a))",
    "essential-interests": "Sovereignty, security, ordre public or other essential interests"
    " (46(21)(b))",
    "domestic-law-prohibits": "Domestic law prohibits the action for a similar offence (46(21)(c))",
    "contrary-to-legal-system": "Contrary to the legal system on mutual legal assistance"
    " (46(21)(d))",
}
"""The grounds of refusal of 46(21)(a)-(d), as an officer reads them."""

ATTACHED_KIB = ATTACHED_LIMIT // 1024
"""The documents one message carries inline, in KiB, as the upload form states it."""

_REQUEST_ARTICLE = "UNCAC 46(13)-(15)"

_INTERNAL = frozenset({TransitionName.MARK_READY, TransitionName.REVISE})


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a message this node sent fared: the outbox state and the receiver's receipt."""

    state: str  # pending / delivered / failed
    attempts: int
    last_error: str
    receipt_status: str | None
    log_index: int | None


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    """One thing said between the two states about the request."""

    type: MessageType
    direction: str  # "sent" (by this node's state) or "received" (from the other state)
    at: datetime
    who: str
    transition: TransitionName | None
    article: str
    subject: str
    text: str
    grounds: tuple[str, ...]
    message_id: str | None
    delivery: Delivery | None
    outcome: str
    documents: tuple[Document, ...]

    @property
    def label(self) -> str:
        if self.transition in _STATUS_MOVE_LABELS:
            return _STATUS_MOVE_LABELS[self.transition]
        return MESSAGE_LABELS[self.type]

    @property
    def by_hand(self) -> bool:
        """Recorded by an officer from a letter or call, not carried by the network."""
        return self.message_id is None


@dataclass
class _Draft:
    event: EventRow
    type: MessageType
    direction: str
    transition: TransitionName | None
    article: str
    subject: str
    text: str
    message_id: str | None
    documents: list[Document]


def request_thread(node: Node, actor: Actor, reference: str) -> list[ThreadEntry]:
    """The request's conversation, oldest first (members of its case only)."""
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        events = session.scalars(
            select(EventRow).where(EventRow.request_id == row.id).order_by(EventRow.id)
        ).all()
        drafts = _drafts(row, events)
        return [_entry(session, d) for d in drafts]


def _drafts(row: RequestRow, events: Sequence[EventRow]) -> list[_Draft]:
    drafts: list[_Draft] = []
    said_at: list[int] = []  # position in ``events`` of each draft's event
    queued: list[int] = []
    for i, event in enumerate(events):
        said = _said(row, event)
        if said is not None:
            drafts.append(said)
            said_at.append(i)
        elif event.action == EventKind.MESSAGE_QUEUED.value:
            queued.append(i)
        elif event.action in DOCUMENT_KINDS and drafts:
            drafts[-1].documents.append(document_of(event))
    _link_sent(drafts, said_at, queued, events)
    return drafts


def _link_sent(
    drafts: list[_Draft], said_at: list[int], queued: list[int], events: Sequence[EventRow]
) -> None:
    """Each sent entry takes the message queued next to it (same type, no other entry in
    between): a move queues its message right after its event, an answer to a consultation
    right before."""
    claimed: set[int] = set()
    for n, draft in enumerate(drafts):
        if draft.direction != "sent" or draft.message_id is not None:
            continue
        low = said_at[n - 1] if n > 0 else -1
        high = said_at[n + 1] if n + 1 < len(drafts) else len(events)
        near = sorted((abs(q - said_at[n]), q) for q in queued if low < q < high)
        for _, q in near:
            details = events[q].details
            if q not in claimed and details.get("type") == draft.type.value:
                claimed.add(q)
                draft.message_id = str(details.get("message_id"))
                break


def _said(row: RequestRow, event: EventRow) -> _Draft | None:
    """The thread's draft entry for an event that is something said, else None."""
    from_node = event.actor.startswith("node:")
    message_id = event.details.get("message_id") if from_node else None
    if event.action in _SAID:
        kind, article = _SAID[event.action]
        # by hand, an officer records what either state said: the side that says it decides
        ours = PAYLOADS[kind].SIDE is Direction(row.direction).own_side
        direction = "sent" if ours and not from_node else "received"
        return _Draft(event, kind, direction, None, article, "", event.why, message_id, [])
    if event.action == EventKind.REQUEST_RECEIVED.value:
        return _Draft(event, MessageType.REQUEST, "received", None, _REQUEST_ARTICLE,
                      row.title, row.summary, message_id, [])  # fmt: skip
    if not event.action.startswith("request."):
        return None
    try:
        name = parse_transition(event.action.removeprefix("request."))
    except InvalidInput:
        return None
    if name in _INTERNAL:
        return None
    direction = "received" if "reported_by" in event.details else "sent"
    article = str(event.details.get("article", ""))
    if name is TransitionName.SEND:
        sent = request_payload(row)
        return _Draft(event, MessageType.REQUEST, direction, None, _REQUEST_ARTICLE,
                      row.title, sent.summary, None, [])  # fmt: skip
    return _Draft(event, MESSAGE_OF_MOVE[name], direction, name, article, "", event.why,
                  message_id if isinstance(message_id, str) else None, [])  # fmt: skip


def _entry(session: Session, draft: _Draft) -> ThreadEntry:
    event = draft.event
    delivery, outcome = None, ""
    who = event.actor.removeprefix("node:")
    if draft.message_id and draft.direction == "sent":
        delivery = _delivery(session, draft.message_id)
    elif draft.message_id:
        inbox = session.scalars(
            select(InboxRow).where(InboxRow.message_id == draft.message_id)
        ).first()
        if inbox is not None:
            outcome = inbox.outcome
    grounds = event.details.get("grounds") or ()
    return ThreadEntry(
        type=draft.type,
        direction=draft.direction,
        at=event.at,
        who=who,
        transition=draft.transition,
        article=draft.article,
        subject=draft.subject,
        text=draft.text,
        grounds=tuple(str(g) for g in grounds),
        message_id=draft.message_id,
        delivery=delivery,
        outcome=outcome,
        documents=tuple(draft.documents),
    )


def _delivery(session: Session, message_id: str) -> Delivery | None:
    found = session.execute(
        select(OutboxRow, ReceiptRow)
        .outerjoin(ReceiptRow, ReceiptRow.message_id == OutboxRow.message_id)
        .where(OutboxRow.message_id == message_id)
    ).first()
    if found is None:
        return None
    sent = found[0]
    receipt: ReceiptRow | None = found[1]  # outer join: none until receipted
    index = None
    if receipt is not None:
        index = int(parse_canonical(receipt.receipt, where="receipt")["receipt"]["log"]["index"])
    return Delivery(
        state=sent.state,
        attempts=sent.attempts,
        last_error=sent.last_error,
        receipt_status=receipt.status if receipt is not None else None,
        log_index=index,
    )


def move_with_documents(
    node: Node, actor: Actor, reference: str, name: str, *, why: str = "",
    grounds: list[str] | None = None, expected_state: str | None = None,
    uploads: Sequence[Upload] = (),
) -> Request:  # fmt: skip
    """Make a move of this side with documents attached (46(16), 46(24)).

    The uploads are checked first (size, count, names): a refusal stores and queues
    nothing. Then each document is kept by its hash, the move is applied and its message
    carries them inline, and one event per document names its hash."""
    files = attached_files(uploads)
    if files and parse_transition(name) not in DOCUMENT_MOVES:
        raise InvalidInput(
            "documents are attached to additional information or an execution report",
            where="files",
        )
    for f in files:
        store_document(node, f.content)
    with carrying(files):
        moved = apply_transition(node, actor, reference, name, why=why, grounds=grounds,
                                 expected_state=expected_state)  # fmt: skip
    if files:
        with node.transaction() as session:
            row = load_request(session, moved.reference)
            record_documents(session, files, kind=EventKind.DOCUMENT_ATTACHED,
                             actor=actor.username, case_id=row.case_id,
                             request_id=row.id)  # fmt: skip
    return moved


def other_state(request: Request) -> str:
    """The state on the other end of the conversation."""
    if request.direction is Direction.OUTGOING:
        return request.requested_state
    return request.requesting_state
