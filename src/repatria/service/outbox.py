"""The sender's half of the exchange: seal, queue in the state change's transaction, deliver.

A transactional outbox (reliability.md R10): ``queue_in`` adds the sealed envelope inside the
transaction of the state change and its event, so nothing is sent that was not recorded and
nothing recorded is left unsent; ``deliver_due`` sends what is due through a ``Transport``,
keeps each verified receipt once (R11), backs off exponentially, and on giving up keeps
signed negative evidence and raises an alarm.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.adapters.transport import BatchRefused, BatchTransport, Transport, TransportError
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, NotFound, RepatriaError
from repatria.exchange.batch import batch_size
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory, KeyUse, NodeEntry, make_key_id
from repatria.exchange.envelope import encrypt, sign_message
from repatria.exchange.messages import Message
from repatria.exchange.receipt import (
    Receipt,
    sign_negative_receipt,
    verify_negative_receipt,
    verify_receipt,
)
from repatria.exchange.rejection import Reason, Rejected
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.keys import log_signer
from repatria.service.ledger.alarms import add_alarm
from repatria.service.network_directory import current_directory, directory_in
from repatria.service.node import Node
from repatria.store.exchange_tables import OutboxRow, ReceiptRow
from repatria.store.tables import RequestRow

QUEUED_KIND = EventKind.MESSAGE_QUEUED
"""The event action under which a node logs a message it queued for sending."""
RECEIPTED_KIND = EventKind.MESSAGE_RECEIPTED
"""Logged when a verified receipt comes back: the sender's half of proof of delivery."""
FAILED_KIND = EventKind.MESSAGE_FAILED
"""Logged when a message is given up on, with the signed negative evidence kept."""
DELIVERY_ALARM = "delivery-failed"
"""The alarm kind raised with a failed message; it stays open until an operator clears it."""

BATCH_BYTES = 960_000
"""The largest batch body a sender builds: under the 1 MiB body limit a node takes by
default (``max_body_bytes``); a node with a smaller limit answers 413, and gets the
envelopes one by one."""

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12
"""Back-off 30 s, 1 min, 2 min, ... capped at 1 h: twelve attempts span about 5 hours,
well inside the 7-day maximum lifetime of a message (docs/exchange.md), after which the row
is marked failed for an operator to look at."""


def retry_delay(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """Exponential back-off after ``attempts`` failed attempts (1 → ``first``, 2 → twice it,
    ...), capped at ``LONGEST_RETRY`` (AS4 reception awareness: retry with the same id)."""
    if attempts < 1:
        raise InvalidInput(f"attempts must be at least 1, got {attempts}", where="attempts")
    delay: timedelta = first * (1 << min(attempts - 1, 20))
    return min(delay, LONGEST_RETRY)


def enqueue_in(
    session: Session, *, message_id: str, recipient: str, message_type: str,
    case_ref: str | None, envelope: bytes, now: datetime, request_id: int | None = None,
) -> OutboxRow:  # fmt: skip
    """Queue a sealed envelope inside the caller's transaction, so the state change, its
    event and the outbox row commit together or not at all (the transactional outbox)."""
    row = OutboxRow(
        message_id=message_id,
        recipient=recipient,
        message_type=message_type,
        case_ref=case_ref,
        envelope=envelope,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        request_id=request_id,
    )
    session.add(row)
    session.flush()
    OUTBOX_SIGNAL.set()
    return row


OUTBOX_SIGNAL = threading.Event()
"""Set when this process queues a message, so its delivery worker wakes at once instead of
at its next poll (``service.delivery_worker``)."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """A message signed by this node and encrypted to its recipient, ready to queue."""

    message_id: str
    recipient: str
    envelope: bytes


def seal_for(
    node: Node, message: Message, recipient: str, now: datetime,
    directory: Directory | None = None,
) -> Sealed:  # fmt: skip
    """Sign ``message`` with the node's key and seal it to ``recipient``'s current HPKE key
    from the accepted directory (docs/exchange.md, "Envelope"); pass ``directory`` when
    calling inside a transaction."""
    directory = directory if directory is not None else current_directory(node)
    hpke = directory.node(recipient, now).current_key(KeyUse.HPKE, now)
    signer = log_signer(node)
    signing_id = make_key_id(
        KeyUse.SIGNING, signer.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    signed = sign_message(message, signer.key, signing_id, node.config.node_id, recipient, now)
    envelope = encrypt(
        signed,
        node.config.node_id,
        recipient,
        X25519PublicKey.from_public_bytes(hpke.public_key),
        hpke.key_id,
    )
    return Sealed(signed.message_id, recipient, envelope)


def queue_in(
    session: Session, sealed: Sealed, message: Message, *, actor: str, now: datetime,
    case_id: int | None = None, request_id: int | None = None,
) -> OutboxRow:  # fmt: skip
    """Log ``message.queued`` and queue ``sealed`` inside the caller's transaction."""
    record_event(
        session,
        actor=actor,
        action=QUEUED_KIND,
        why=f"{message.type.value} queued for {sealed.recipient}",
        case_id=case_id,
        request_id=request_id,
        details={"message_id": sealed.message_id, "recipient": sealed.recipient,
                 "type": message.type.value},
    )  # fmt: skip
    return enqueue_in(
        session,
        message_id=sealed.message_id,
        recipient=sealed.recipient,
        message_type=message.type.value,
        case_ref=message.case,
        envelope=sealed.envelope,
        now=now,
        request_id=request_id,
    )


def enqueue(node: Node, actor: Actor, message: Message, recipient: str, now: datetime) -> str:
    """Sign and seal ``message`` for ``recipient`` (keys from the accepted directory), log
    ``message.queued`` and queue it, in one transaction; returns the message id."""
    sealed = seal_for(node, message, recipient, now)
    with node.transaction() as session:
        queue_in(session, sealed, message, actor=actor.username, now=now)
    return sealed.message_id


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one delivery attempt of one outbox row."""

    message_id: str
    state: str
    attempts: int
    error: str


def deliver_due(node: Node, transport: Transport, now: datetime) -> list[Attempt]:
    """Send every pending row due at ``now``; verify and keep the receipts that come back.

    A receipt must verify under the recipient's signing key from the directory and name the
    message sent (``verify_receipt``); anything else counts as a failed attempt. Failures
    back off exponentially (``retry_delay``, first wait from the settings); a refusal
    (``Rejected``) or the last allowed attempt marks the row failed, with signed negative
    evidence, a ``message.failed`` event and an alarm an operator must clear (R10: nothing
    fails silently). A row already delivered meanwhile (a second worker) is left alone, so
    the sender keeps exactly one receipt per message (R11).

    Rows due for one node go together when the transport can carry a batch
    (``BatchTransport``): up to ``exchange_batch_size`` envelopes per request, so that the
    receiver stores them under one checkpoint (issue 14.1), and their attempts are recorded
    here in one transaction. Each still gets its own receipt or refusal. A node that takes
    no batch gets them one by one.
    """
    directory = current_directory(node)
    with node.transaction() as session:
        due = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        ).all()
        # The messages of one request go in the order they were queued: a later move must
        # not overtake an earlier one that is still waiting (an acknowledgement before the
        # execution report), or the other node could not apply it.
        first_pending = dict(
            session.execute(
                select(OutboxRow.request_id, func.min(OutboxRow.id))
                .where(OutboxRow.state == "pending", OutboxRow.request_id.is_not(None))
                .group_by(OutboxRow.request_id)
            ).all()
        )
    results: dict[int, Attempt] = {}
    by_node: dict[str, list[OutboxRow]] = {}
    for row in due:
        if row.request_id is not None and first_pending.get(row.request_id) != row.id:
            continue
        try:
            directory.node(row.recipient, now)
        except Rejected as stale:  # our directory's fault, not the message's: retry later
            error = f"{stale}; accept a renewed network directory"
            (results[row.id],) = _record_attempts(node, [row], now, [_Outcome(None, error, None)])
            continue
        by_node.setdefault(row.recipient, []).append(row)
    for recipient, rows in by_node.items():
        entry = directory.node(recipient, now)
        batches = _batches(rows, node.settings.exchange_batch_size)
        for batch, answers in _sent(transport, entry.endpoint, batches):
            outcomes = [
                _checked(entry, row, answer) for row, answer in zip(batch, answers, strict=True)
            ]
            for row, attempt in zip(
                batch, _record_attempts(node, batch, now, outcomes), strict=True
            ):
                results[row.id] = attempt
    return [results[row.id] for row in due if row.id in results]


@dataclass(frozen=True, slots=True)
class _Outcome:
    receipt: Receipt | None
    error: str
    refusal: Rejected | None


def _batches(rows: list[OutboxRow], size: int) -> list[list[OutboxRow]]:
    """``rows`` in order, in batches of at most ``size`` envelopes and ``BATCH_BYTES``."""
    batches: list[list[OutboxRow]] = []
    current: list[OutboxRow] = []
    weight = 0
    for row in rows:
        added = batch_size(row.envelope)
        if current and (len(current) >= size or weight + added > BATCH_BYTES):
            batches.append(current)
            current, weight = [], 0
        current.append(row)
        weight += added
    if current:
        batches.append(current)
    return batches


def _sent(
    transport: Transport, endpoint: str, batches: list[list[OutboxRow]]
) -> Iterator[tuple[list[OutboxRow], list[bytes | Exception]]]:
    """Each batch with its answers, in order; while the caller checks and records the
    receipts of one batch, the next is already on its way (one request in flight at a time,
    sent only once the answer before it came back, so the receiver still takes the batches
    in the order they were queued).

    Checking a batch's receipts and recording them is a third of a delivery's time; the
    receiver need not wait for it. A single batch is sent on the calling thread.

    If recording one batch fails, the batch in flight still arrives and is stored there, but
    its answers are dropped with the error: its rows stay pending, go again at the next
    round and are receipted as duplicates (R11), as after a lost answer."""
    if len(batches) < 2:
        for batch in batches:
            yield batch, _send(transport, endpoint, [row.envelope for row in batch])
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver") as sending:
        pending: Future[list[bytes | Exception]] = sending.submit(
            _send, transport, endpoint, [row.envelope for row in batches[0]]
        )
        for index, batch in enumerate(batches):
            answers = pending.result()
            if index + 1 < len(batches):
                envelopes = [row.envelope for row in batches[index + 1]]
                pending = sending.submit(_send, transport, endpoint, envelopes)
            yield batch, answers


def _send(transport: Transport, endpoint: str, envelopes: list[bytes]) -> list[bytes | Exception]:
    """The answer for each envelope: receipt bytes, or what went wrong with it."""
    if len(envelopes) > 1 and isinstance(transport, BatchTransport):
        try:
            return list(transport.send_batch(endpoint, envelopes))
        except BatchRefused:
            pass  # a node without the batch route, or a smaller body limit: one by one
        except TransportError as failed:
            return [failed] * len(envelopes)
    answers: list[bytes | Exception] = []
    for envelope in envelopes:
        try:
            answers.append(transport.send(endpoint, envelope))
        except (Rejected, TransportError, InvalidInput, KeyError, TypeError, ValueError) as failed:
            answers.append(failed)
    return answers


def _checked(entry: NodeEntry, row: OutboxRow, answer: bytes | Exception) -> _Outcome:
    """Verify one answer: the receipt under the recipient's directory key, for this message."""
    if isinstance(answer, Rejected):
        return _Outcome(None, f"{answer.reason.value}: {answer}", answer)
    if isinstance(answer, Exception):
        return _Outcome(None, f"{type(answer).__name__}: {answer}", None)
    try:
        signer_id = parse_canonical(answer, where="receipt")["signature"]["key"]
        public = Ed25519PublicKey.from_public_bytes(entry.key(str(signer_id)).public_key)
        return _Outcome(verify_receipt(answer, public, row.message_id), "", None)
    except Rejected as refused:
        return _Outcome(None, f"{refused.reason.value}: {refused}", refused)
    except (InvalidInput, KeyError, TypeError, ValueError) as failed:
        return _Outcome(None, f"{type(failed).__name__}: {failed}", None)


def _record_attempts(
    node: Node, rows: list[OutboxRow], now: datetime, outcomes: list[_Outcome]
) -> list[Attempt]:
    """Record the attempts of one batch in one transaction (one commit for all of them);
    the rows are locked, and their cases read, in one query each."""
    with node.transaction() as session:
        ids = [row.id for row in rows]
        locked = {
            row.id: row
            for row in session.scalars(
                select(OutboxRow).where(OutboxRow.id.in_(ids)).with_for_update()
            )
        }
        request_ids = {row.request_id for row in locked.values() if row.request_id is not None}
        cases = {
            request_id: case_id
            for request_id, case_id in session.execute(
                select(RequestRow.id, RequestRow.case_id).where(RequestRow.id.in_(request_ids))
            )
        }
        return [
            _record_in(session, node, _locked(locked, row_id), now, o, cases)
            for row_id, o in zip(ids, outcomes, strict=True)
        ]


def _locked(locked: dict[int, OutboxRow], row_id: int) -> OutboxRow:
    stored = locked.get(row_id)
    if stored is None:  # outbox rows are never deleted
        raise NotFound(f"outbox row {row_id} is gone", where="outbox")
    return stored


def _record_in(
    session: Session, node: Node, stored: OutboxRow, now: datetime, outcome: _Outcome,
    cases: dict[int, int],
) -> Attempt:  # fmt: skip
    """Record one attempt on ``stored``, locked by the caller; ``cases`` holds the case of
    each request of the batch."""
    settings = node.settings
    receipt, error, refusal = outcome.receipt, outcome.error, outcome.refusal
    if stored.state != "pending":  # another worker finished it meanwhile
        return Attempt(stored.message_id, stored.state, stored.attempts, "")
    stored.attempts += 1
    case_id = None if stored.request_id is None else cases.get(stored.request_id)
    if receipt is not None:
        stored.state, stored.delivered_at, stored.last_error = "delivered", now, ""
        session.add(
            ReceiptRow(
                message_id=stored.message_id,
                recipient=stored.recipient,
                status=receipt.status.value,
                receipt=receipt.data,
                stored_at=now,
            )
        )
        record_event(
            session,
            actor=f"node:{node.config.node_id}",
            action=RECEIPTED_KIND,
            why=f"{stored.message_type} receipted by {stored.recipient}",
            case_id=case_id,
            request_id=stored.request_id,
            details={
                "message_id": stored.message_id,
                "recipient": stored.recipient,
                "status": receipt.status.value,
                "receipt": hashlib.sha256(receipt.data).hexdigest(),
                "receiver_log_index": receipt.log.leaf_index,
            },
        )
        return Attempt(stored.message_id, stored.state, stored.attempts, "")
    stored.last_error = error[:2000]
    if refusal is None and stored.attempts < settings.exchange_max_attempts:
        first = timedelta(seconds=settings.exchange_first_retry_seconds)
        stored.next_attempt_at = now + retry_delay(stored.attempts, first)
        return Attempt(stored.message_id, stored.state, stored.attempts, error)
    stored.state = "failed"
    reason = refusal.reason if refusal is not None else Reason.NOT_DELIVERED
    theirs = _receivers_evidence(session, stored, refusal, now)
    stored.negative_receipt = theirs or sign_negative_receipt(
        issuer=node.config.node_id,
        envelope_digest=hashlib.sha256(stored.envelope).hexdigest(),
        message_id=stored.message_id,
        sender=node.config.node_id,
        receiver=stored.recipient,
        at=now.replace(microsecond=0),
        reason=reason,
        detail=f"after {stored.attempts} attempt(s): {error}"[:2000],
        issuer_key=log_signer(node).key,
    )
    record_event(
        session,
        actor=f"node:{node.config.node_id}",
        action=FAILED_KIND,
        why=f"{stored.message_type} to {stored.recipient} not delivered: {reason.value}",
        case_id=case_id,
        request_id=stored.request_id,
        details={
            "message_id": stored.message_id,
            "recipient": stored.recipient,
            "reason": reason.value,
            "attempts": stored.attempts,
        },
    )
    add_alarm(
        session,
        stored.recipient,
        DELIVERY_ALARM,
        f"message {stored.message_id} ({stored.message_type}) to {stored.recipient} failed"
        f" after {stored.attempts} attempt(s): {error}"[:2000],
    )
    return Attempt(stored.message_id, stored.state, stored.attempts, error)


def case_of_request_id(session: Session, request_id: int | None) -> int | None:
    """The case a request belongs to, by row id (None for a message outside any request)."""
    if request_id is None:
        return None
    return session.scalar(select(RequestRow.case_id).where(RequestRow.id == request_id))


def _receivers_evidence(
    session: Session, row: OutboxRow, refusal: Rejected | None, now: datetime
) -> bytes | None:
    """The receiver's own signed refusal, kept when it verifies under its directory key and
    names this envelope; stronger evidence than ours, since the receiver signed it."""
    if refusal is None or refusal.evidence is None:
        return None
    try:
        signer = parse_canonical(refusal.evidence, where="negative_receipt")["signature"]["key"]
        entry = directory_in(session).node(row.recipient, now)
        public = Ed25519PublicKey.from_public_bytes(entry.key(str(signer)).public_key)
        digest = hashlib.sha256(row.envelope).hexdigest()
        verify_negative_receipt(refusal.evidence, public, digest)
    except (RepatriaError, KeyError, TypeError, ValueError):
        return None
    return refusal.evidence
