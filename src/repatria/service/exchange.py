"""The exchange's I/O layer as use cases: accept the directory, receive, enqueue, deliver.

``receive`` is the receiver's half of docs/exchange.md: it opens the envelope with the node's
HPKE keys against the directory this node accepted, stores the message once per message id
(the inbox's UNIQUE key, so a retry is never stored twice; R13), logs it in the ledger as a
``message.received`` event, and answers with a receipt signed by the node's log key that
carries the event's inclusion proof, so the sender can prove delivery to a third party
(UNCAC art. 46(13): requests go to the central authority, and the sender needs evidence
that they arrived). A second delivery of an id already stored gets a receipt marked
duplicate that names the first acceptance time.

The sender's half is a transactional outbox: ``enqueue_in`` adds the sealed envelope inside
the transaction of the state change and its event; ``deliver_due`` sends what is due through
a ``Transport``, backs off exponentially on failure and keeps each verified receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import InvalidInput, NotFound
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory, KeyUse, make_key_id, verify_directory
from repatria.exchange.envelope import (
    OpenedMessage,
    encrypt,
    open_envelope,
    read_header,
    sign_message,
)
from repatria.exchange.messages import Message
from repatria.exchange.receipt import (
    RECEIVED_KIND,
    LogEvidence,
    received_details,
    sign_receipt,
    verify_receipt,
)
from repatria.exchange.rejection import Rejected
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.keys import key_store, log_signer
from repatria.service.ledger import canonical_event, prove_inclusion
from repatria.service.node import Node
from repatria.store.exchange_tables import DirectoryRow, InboxRow, OutboxRow, ReceiptRow
from repatria.store.ledger_tables import LedgerNonceRow
from repatria.store.tables import EventRow


@dataclass(frozen=True, slots=True)
class Delivery:
    """What ``receive`` did: the signed receipt and whether the message was new."""

    message_id: str
    receipt: bytes
    duplicate: bool


def accept_directory(
    node: Node, data: bytes, directory_key: Ed25519PublicKey, now: datetime
) -> int:
    """Verify a signed directory and store it; returns its version.

    The highest version accepted before is the floor: an older one is refused as a rollback
    (reliability.md R15, ``verify_directory``). The same version may be accepted again.
    """
    with node.transaction() as session:
        highest = session.scalar(select(func.max(DirectoryRow.version)))
    directory = verify_directory(data, directory_key, now, highest)
    with node.transaction() as session:
        if session.get(DirectoryRow, directory.version) is None:
            session.add(DirectoryRow(version=directory.version, data=bytes(data), accepted_at=now))
    return directory.version


def current_directory(node: Node) -> Directory:
    """The highest directory version this node accepted (verified when it was accepted)."""
    with node.transaction() as session:
        row = session.scalars(
            select(DirectoryRow).order_by(DirectoryRow.version.desc()).limit(1)
        ).one_or_none()
    if row is None:
        raise NotFound(
            "this node has accepted no network directory yet; accept one first",
            where="exchange_directory",
        )
    signed = parse_canonical(row.data, where="directory")
    return Directory.from_dict(signed["directory"])


def hpke_keys(node: Node) -> dict[str, X25519PrivateKey]:
    """The node's HPKE private keys by exchange key id (current and retired, for rotation)."""
    store = key_store(node.settings)
    keys: dict[str, X25519PrivateKey] = {}
    for record in store.keyring().of(KeyPurpose.HPKE):
        private = store.hpke_key(record)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        keys[make_key_id(KeyUse.HPKE, public)] = private
    return keys


def receive(node: Node, envelope: bytes, now: datetime) -> Delivery:
    """Open, store once, log and acknowledge one envelope; raises ``Rejected`` unopened.

    Nothing is written when the envelope fails any check of ``open_envelope``.
    """
    read_header(envelope)  # framing first: garbage is refused before any lookup
    now = now.replace(microsecond=0)  # receipts carry whole seconds (RFC 3339 "Z" times)
    opened = open_envelope(
        envelope, hpke_keys(node), node.config.node_id, current_directory(node), now
    )
    try:
        event_id, accepted_at, duplicate = _store(node, opened, now)
    except IntegrityError:  # a concurrent delivery of the same id won the unique key
        event_id, accepted_at, duplicate = _store(node, opened, now)
    proof = prove_inclusion(node, event_id)
    with node.transaction() as session:
        event = session.get(EventRow, event_id)
        nonce = session.get(LedgerNonceRow, event_id)
        assert event is not None and nonce is not None  # written with the inbox row
        evidence = LogEvidence(
            leaf=proof.leaf,
            leaf_index=proof.leaf_index,
            proof=proof.proof,
            checkpoint=proof.checkpoint.note,
            event=canonical_event(event),
            nonce=nonce.nonce,
        )
    received_at = now
    if duplicate and received_at <= accepted_at:
        # The receipt tells a duplicate by received_at being later than accepted_at, at
        # whole-second resolution; a retry within the first second is dated one second on.
        received_at = accepted_at + timedelta(seconds=1)
    receipt = sign_receipt(
        message_id=opened.message_id,
        envelope_digest=opened.envelope_digest,
        sender=opened.sender,
        receiver=node.config.node_id,
        received_at=received_at,
        accepted_at=accepted_at,
        log=evidence,
        receiver_key=log_signer(node).key,
    )
    return Delivery(opened.message_id, receipt, duplicate)


def _store(node: Node, opened: OpenedMessage, now: datetime) -> tuple[int, datetime, bool]:
    with node.transaction() as session:
        existing = session.scalars(
            select(InboxRow).where(InboxRow.message_id == opened.message_id)
        ).one_or_none()
        if existing is not None and existing.event_id is not None:
            return existing.event_id, existing.received_at, True
        message = opened.message
        payload = message.payload.to_dict()
        reference = payload.get("reference")
        event = record_event(
            session,
            actor=f"node:{opened.sender}",
            action=RECEIVED_KIND,
            why=f"{message.type.value} received from {opened.sender}",
            details=received_details(opened.message_id, opened.sender, opened.envelope_digest),
        )
        session.add(
            InboxRow(
                message_id=opened.message_id,
                sender=opened.sender,
                message_type=message.type.value,
                case_ref=message.case,
                request_ref=reference if isinstance(reference, str) else None,
                received_at=now,
                envelope_digest=opened.envelope_digest,
                content=opened.signed.data,
                event_id=event.id,
            )
        )
        session.flush()
        return event.id, now, False


# --- outbox: the sender's half ----------------------------------------------------------

QUEUED_KIND = "message.queued"
"""The event action under which a node logs a message it queued for sending."""

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12
"""Back-off 30 s, 1 min, 2 min, ... capped at 1 h: twelve attempts span about 5 hours,
well inside the 7-day maximum lifetime of a message (docs/exchange.md), after which the row
is marked failed for an operator to look at."""


class Transport(Protocol):
    """Carries envelope bytes to a node's endpoint and returns the receipt bytes it got back.

    Raises ``TransportError`` when nothing usable came back (network, 5xx); ``Rejected``
    when the receiver refused the envelope for good.
    """

    def send(self, endpoint: str, envelope: bytes) -> bytes: ...


class TransportError(Exception):
    """A delivery attempt failed in a way a later attempt may not (retry with back-off)."""


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after ``attempts`` failed attempts (1 → 30 s, 2 → 60 s, ...)."""
    if attempts < 1:
        raise InvalidInput(f"attempts must be at least 1, got {attempts}", where="attempts")
    delay: timedelta = FIRST_RETRY * (1 << min(attempts - 1, 20))
    return min(delay, LONGEST_RETRY)


def enqueue_in(
    session: Session, *, message_id: str, recipient: str, message_type: str,
    case_ref: str | None, envelope: bytes, now: datetime,
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
    )
    session.add(row)
    session.flush()
    return row


def enqueue(node: Node, actor: Actor, message: Message, recipient: str, now: datetime) -> str:
    """Sign and seal ``message`` for ``recipient`` (keys from the accepted directory), log
    ``message.queued`` and queue it, in one transaction; returns the message id."""
    directory = current_directory(node)
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
    with node.transaction() as session:
        record_event(
            session,
            actor=actor.username,
            action=QUEUED_KIND,
            why=f"{message.type.value} queued for {recipient}",
            details={"message_id": signed.message_id, "recipient": recipient},
        )
        enqueue_in(
            session,
            message_id=signed.message_id,
            recipient=recipient,
            message_type=message.type.value,
            case_ref=message.case,
            envelope=envelope,
            now=now,
        )
    return signed.message_id


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
    back off exponentially (``retry_delay``); a refusal (``Rejected``) or ``MAX_ATTEMPTS``
    failures mark the row failed.
    """
    directory = current_directory(node)
    with node.transaction() as session:
        due = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        ).all()
    results = []
    for row in due:
        error, final, receipt = "", False, None
        try:
            entry = directory.node(row.recipient, now)
            data = transport.send(entry.endpoint, row.envelope)
            signer_id = parse_canonical(data, where="receipt")["signature"]["key"]
            public = Ed25519PublicKey.from_public_bytes(entry.key(str(signer_id)).public_key)
            receipt = verify_receipt(data, public, row.message_id)
        except Rejected as refused:
            error, final = f"{refused.reason.value}: {refused}", True
        except (TransportError, InvalidInput, KeyError, TypeError, ValueError) as failed:
            error = f"{type(failed).__name__}: {failed}"
        with node.transaction() as session:
            stored = session.get(OutboxRow, row.id)
            assert stored is not None
            stored.attempts += 1
            if receipt is not None:
                stored.state, stored.delivered_at, stored.last_error = "delivered", now, ""
                session.add(
                    ReceiptRow(
                        message_id=row.message_id,
                        recipient=row.recipient,
                        status=receipt.status.value,
                        receipt=receipt.data,
                        stored_at=now,
                    )
                )
            else:
                stored.last_error = error[:2000]
                if final or stored.attempts >= MAX_ATTEMPTS:
                    stored.state = "failed"
                else:
                    stored.next_attempt_at = now + retry_delay(stored.attempts)
            results.append(Attempt(row.message_id, stored.state, stored.attempts, error))
    return results
