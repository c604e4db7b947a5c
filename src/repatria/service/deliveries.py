"""What travelled for a request, and the operator's view of the exchange.

Officers on a case see, for each of its requests, every message sent and received: type,
the other node, delivery state, attempts, the last error, and the receipt's status and
log position, which is the proof of delivery (UNCAC 46(13); docs/exchange.md, "Receipts").
Contents stay behind the use-limitation checks of ``service.use_limitation``.

The node's operator (node-admin) sees the outbox and inbox as metadata only, never
contents (least privilege), accepts directories and runs a delivery round by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from repatria.adapters.transport import Transport
from repatria.domain.access import Action
from repatria.domain.request import check_request_reference
from repatria.errors import InvalidInput, VerificationFailed
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.network_directory import accept_directory, directory_key
from repatria.service.node import Node
from repatria.service.outbox import Attempt, deliver_due
from repatria.service.requests import case_of_request, load_request
from repatria.store.exchange_tables import OUTBOX_STATES, InboxRow, OutboxRow, ReceiptRow

STATES: tuple[str, ...] = tuple(OUTBOX_STATES)
"""The states an outbox message can be in, for the filter the API publishes."""


@dataclass(frozen=True, slots=True)
class MessageTrace:
    """One message of a request's dialogue, as this node saw it."""

    message_id: str
    direction: str  # "sent" or "received"
    type: str
    peer: str
    at: datetime
    state: str  # pending / delivered / failed for sent; the outcome for received
    attempts: int
    last_error: str
    receipt_status: str | None
    receiver_log_index: int | None
    negative_evidence: bool


def request_messages(node: Node, actor: Actor, reference: str) -> list[MessageTrace]:
    """Every message sent and received for a request, oldest first (case members only)."""
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        row = load_request(session, ref)
        sent = session.execute(
            select(OutboxRow, ReceiptRow)
            .outerjoin(ReceiptRow, ReceiptRow.message_id == OutboxRow.message_id)
            .where(OutboxRow.request_id == row.id)
        ).all()
        received = session.scalars(select(InboxRow).where(InboxRow.request_id == row.id)).all()
        traces = [_sent(o, r) for o, r in sent] + [_received(i) for i in received]
    return sorted(traces, key=lambda t: (t.at, t.direction))


def _sent(row: OutboxRow, receipt: ReceiptRow | None) -> MessageTrace:
    index = None
    if receipt is not None:
        index = int(parse_canonical(receipt.receipt, where="receipt")["receipt"]["log"]["index"])
    return MessageTrace(
        message_id=row.message_id,
        direction="sent",
        type=row.message_type,
        peer=row.recipient,
        at=row.created_at,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        receipt_status=receipt.status if receipt is not None else None,
        receiver_log_index=index,
        negative_evidence=row.negative_receipt is not None,
    )


def _received(row: InboxRow) -> MessageTrace:
    return MessageTrace(
        message_id=row.message_id,
        direction="received",
        type=row.message_type,
        peer=row.sender,
        at=row.received_at,
        state=row.outcome or "stored",
        attempts=1,
        last_error="",
        receipt_status="accepted",
        receiver_log_index=None,
        negative_evidence=False,
    )


def _operator(node: Node, actor: Actor, act: str) -> None:
    authorize(
        node,
        actor,
        Action.EXCHANGE_OPERATE,
        refusal=f"only the node's operator (node-admin) may {act}",
    )


def outbox(
    node: Node, actor: Actor, state: str | None = None, limit: int = 200
) -> list[MessageTrace]:
    """The outbox as metadata (operator): newest first, optionally of one state."""
    _operator(node, actor, "read the outbox")
    if state is not None and state not in OUTBOX_STATES:
        raise InvalidInput(
            f"unknown state {state!r}; accepted: {', '.join(OUTBOX_STATES)}", where="state"
        )
    with node.transaction() as session:
        query = (
            select(OutboxRow, ReceiptRow)
            .outerjoin(ReceiptRow, ReceiptRow.message_id == OutboxRow.message_id)
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        if state is not None:
            query = query.where(OutboxRow.state == state)
        return [_sent(o, r) for o, r in session.execute(query).all()]


def inbox(node: Node, actor: Actor, limit: int = 200) -> list[MessageTrace]:
    """The inbox as metadata (operator): newest first, no contents."""
    _operator(node, actor, "read the inbox")
    with node.transaction() as session:
        rows = session.scalars(select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)).all()
        return [_received(r) for r in rows]


def accept(node: Node, actor: Actor, data: bytes) -> Directory:
    """Accept a signed directory against the configured network key (operator)."""
    _operator(node, actor, "accept a network directory")
    version = accept_directory(node, data, directory_key(node.settings), datetime.now(UTC),
                               actor=actor.username)  # fmt: skip
    signed = parse_canonical(data, where="directory")
    directory = Directory.from_dict(signed["directory"])
    if directory.version != version:  # accept_directory stored another version than it read
        raise VerificationFailed(
            f"stored directory version {version}, but the document says {directory.version}",
            where="directory.version",
        )
    return directory


def deliver_now(node: Node, actor: Actor, transport: Transport) -> list[Attempt]:
    """Run one delivery round at once (operator), e.g. after a peer came back."""
    _operator(node, actor, "run a delivery round")
    return deliver_due(node, transport, datetime.now(UTC))
