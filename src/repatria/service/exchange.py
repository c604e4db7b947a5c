"""The exchange's I/O layer as use cases: accept the directory, receive, enqueue, deliver.

``receive`` is the receiver's half of docs/exchange.md: it opens the envelope with the node's
HPKE keys against the directory this node accepted, stores the message once per message id
(the inbox's UNIQUE key, so a retry is never stored twice; R13), logs it in the ledger as a
``message.received`` event, and answers with a receipt signed by the node's log key that
carries the event's inclusion proof, so the sender can prove delivery to a third party
(UNCAC art. 46(13): requests go to the central authority, and the sender needs evidence
that they arrived). A second delivery of an id already stored gets a receipt marked
duplicate that names the first acceptance time.

What an accepted message does on this node (an incoming request, a lifecycle move, a
consent) happens in the same transaction as storing it (``service.incoming``), so a message
is never stored without its effect nor applied twice.

The sender's half lives in ``service.outbox`` and the directory in
``service.network_directory``; both are re-exported here as the exchange's one entry point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from repatria.adapters.transport import Transport, TransportError
from repatria.crypto.keystore import KeyPurpose
from repatria.errors import RepatriaError, VerificationFailed
from repatria.exchange.directory import Directory, KeyUse, make_key_id
from repatria.exchange.envelope import (
    OpenedMessage,
    open_envelope,
    read_header,
)
from repatria.exchange.receipt import (
    RECEIVED_KIND,
    LogEvidence,
    received_details,
    sign_negative_receipt,
    sign_receipt,
)
from repatria.exchange.rejection import reason_of
from repatria.service.events import record_event
from repatria.service.incoming import apply_received
from repatria.service.keys import Signer, log_signer
from repatria.service.ledger.append import canonical_event, log_staged
from repatria.service.ledger.checkpoints import SelfAuditFailure, refuse, sign_in
from repatria.service.ledger.proofs import InclusionProof, prove_all_in
from repatria.service.network_directory import (
    accept_directory,
    current_directory,
    directory_key,
    held_directory,
)
from repatria.service.node import Node
from repatria.service.node_keys import held_keys, key_store
from repatria.service.outbox import (
    DELIVERY_ALARM,
    FAILED_KIND,
    FIRST_RETRY,
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    OUTBOX_SIGNAL,
    QUEUED_KIND,
    RECEIPTED_KIND,
    Attempt,
    Sealed,
    deliver_due,
    enqueue,
    enqueue_in,
    queue_in,
    retry_delay,
    seal_for,
)
from repatria.store.exchange_tables import InboxRow
from repatria.store.ledger_tables import LedgerNonceRow
from repatria.store.tables import EventRow

__all__ = [
    "DELIVERY_ALARM", "FAILED_KIND", "FIRST_RETRY", "LONGEST_RETRY", "MAX_ATTEMPTS",
    "OUTBOX_SIGNAL", "QUEUED_KIND", "RECEIPTED_KIND", "Attempt", "Delivery", "Refused", "Sealed",
    "Transport", "TransportError", "accept_directory", "current_directory", "deliver_due",
    "directory_key", "enqueue", "enqueue_in", "hpke_keys", "queue_in", "receive",
    "receive_batch", "refusal_evidence", "retry_delay", "seal_for",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Delivery:
    """What ``receive`` did: the signed receipt and whether the message was new."""

    message_id: str
    receipt: bytes
    duplicate: bool


def hpke_keys(node: Node) -> dict[str, X25519PrivateKey]:
    """The node's HPKE private keys by exchange key id (current and retired, for rotation),
    held while the keyring is unchanged."""

    def load() -> dict[str, X25519PrivateKey]:
        store = key_store(node.settings)
        keys: dict[str, X25519PrivateKey] = {}
        for record in store.keyring().of(KeyPurpose.HPKE):
            private = store.hpke_key(record)
            public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            keys[make_key_id(KeyUse.HPKE, public)] = private
        return keys

    return dict(held_keys(node.held, "hpke", node.settings, load))


def receive(node: Node, envelope: bytes, now: datetime) -> Delivery:
    """Open, store once, log and acknowledge one envelope; raises ``Rejected`` unopened.

    One transaction (issue 14.2): the message is stored, given its effect, logged, covered
    by a checkpoint and proved, and the receipt signed, or none of it happens. Nothing is
    written when the envelope fails any check of ``open_envelope``, and nothing is kept
    without its receipt: a failed self-audit rolls the whole receive back (the sender keeps
    the message queued) and then raises the alarm.
    """
    (outcome,) = receive_batch(node, [envelope], now)
    if isinstance(outcome, Refused):
        raise outcome.problem
    return outcome


def receive_batch(
    node: Node, envelopes: Sequence[bytes], now: datetime
) -> list[Delivery | Refused]:
    """``receive`` for envelopes that arrived together, in order, in one transaction that
    signs one checkpoint for all of them (group commit, issue 14.1): each accepted one gets
    its own receipt and inclusion proof under that shared checkpoint.

    An envelope that fails a check is refused on its own (``Refused``, nothing of it
    written) and the others proceed; a failed self-audit refuses the whole batch, as it
    would each of its messages alone, since no receipt may be signed over a damaged log.
    """
    now = now.replace(microsecond=0)  # receipts carry whole seconds (RFC 3339 "Z" times)
    framed = [_framing(envelope) for envelope in envelopes]
    if all(refused is not None for refused in framed):
        return [refused for refused in framed if refused is not None]
    keys, signer = hpke_keys(node), log_signer(node)
    try:
        try:
            return _receive(node, envelopes, framed, now, keys, signer)
        except IntegrityError:  # a concurrent delivery of the same id won the unique key
            return _receive(node, envelopes, framed, now, keys, signer)
    except SelfAuditFailure as failed:
        refuse(node, failed)


@dataclass(frozen=True, slots=True)
class Refused:
    """An envelope of a batch refused before anything of it was written, and why."""

    problem: RepatriaError


def _framing(envelope: bytes) -> Refused | None:
    """Framing first: garbage is refused before any lookup."""
    try:
        read_header(envelope)
    except RepatriaError as problem:
        return Refused(problem)
    return None


@dataclass(frozen=True, slots=True)
class _Stored:
    opened: OpenedMessage
    event_id: int
    accepted_at: datetime
    duplicate: bool


def _receive(
    node: Node, envelopes: Sequence[bytes], framed: Sequence[Refused | None],
    now: datetime, keys: dict[str, X25519PrivateKey], signer: Signer,
) -> list[Delivery | Refused]:  # fmt: skip
    with node.transaction() as session:
        directory = held_directory(node, session)
        opened: list[OpenedMessage | Refused] = []
        for envelope, refused in zip(envelopes, framed, strict=True):
            try:  # checked before any write: nothing to undo
                opened.append(
                    refused or open_envelope(envelope, keys, node.config.node_id, directory, now)
                )
            except RepatriaError as problem:
                opened.append(Refused(problem))
        known = _known(session, [item for item in opened if isinstance(item, OpenedMessage)])
        stored = [
            item if isinstance(item, Refused)
            else _Stored(item, *_store(session, node, item, directory, now, known))
            for item in opened
        ]  # fmt: skip
        accepted = [item for item in stored if isinstance(item, _Stored)]
        if not accepted:
            return [item for item in stored if isinstance(item, Refused)]  # nothing written
        log_staged(session)
        sign_in(session, node)
        receipts = iter(_receipts(session, node, accepted, now, signer))
        return [next(receipts) if isinstance(item, _Stored) else item for item in stored]


def _receipts(
    session: Session, node: Node, stored: Sequence[_Stored], now: datetime, signer: Signer
) -> list[Delivery]:
    """The receipts of a batch under its one checkpoint: proofs, events and nonces are read
    once for the batch, not once for each message."""
    ids = [item.event_id for item in stored]
    proofs = prove_all_in(session, ids)
    events = {row.id: row for row in session.scalars(select(EventRow).where(EventRow.id.in_(ids)))}
    nonces = {
        row.event_id: row.nonce
        for row in session.scalars(select(LedgerNonceRow).where(LedgerNonceRow.event_id.in_(ids)))
    }
    return [
        _receipt(
            node, item, proof, events.get(item.event_id), nonces.get(item.event_id), now, signer
        )
        for item, proof in zip(stored, proofs, strict=True)
    ]


def _receipt(
    node: Node, stored: _Stored, proof: InclusionProof, event: EventRow | None,
    nonce: bytes | None, now: datetime, signer: Signer,
) -> Delivery:  # fmt: skip
    if event is None or nonce is None:  # written with the inbox row, so never apart
        raise VerificationFailed(
            f"event {stored.event_id} of the message just stored has no row or no nonce",
            where="ledger",
        )
    evidence = LogEvidence(
        leaf=proof.leaf,
        leaf_index=proof.leaf_index,
        proof=proof.proof,
        checkpoint=proof.checkpoint.note,
        event=canonical_event(event),
        nonce=nonce,
    )
    opened = stored.opened
    receipt = sign_receipt(
        message_id=opened.message_id,
        envelope_digest=opened.envelope_digest,
        sender=opened.sender,
        receiver=node.config.node_id,
        received_at=max(now, stored.accepted_at),
        accepted_at=stored.accepted_at,
        log=evidence,
        receiver_key=signer.key,
        duplicate=stored.duplicate,
    )
    return Delivery(opened.message_id, receipt, stored.duplicate)


def _known(session: Session, opened: Sequence[OpenedMessage]) -> dict[str, tuple[int, datetime]]:
    """The event and time of acceptance of each message of the batch already stored here,
    read at once; ``_store`` adds each message it stores, so a repeat within the batch is a
    duplicate too."""
    ids = {item.message_id for item in opened}
    if not ids:
        return {}
    rows = session.execute(
        select(InboxRow.message_id, InboxRow.event_id, InboxRow.received_at).where(
            InboxRow.message_id.in_(ids), InboxRow.event_id.is_not(None)
        )
    ).all()
    return {row.message_id: (row.event_id, row.received_at) for row in rows}


def _store(
    session: Session, node: Node, opened: OpenedMessage, directory: Directory, now: datetime,
    known: dict[str, tuple[int, datetime]],
) -> tuple[int, datetime, bool]:  # fmt: skip
    """Store and apply one opened message, or name its first acceptance when it is known.

    The inbox row is added after the message's effect, so it is written once, whole, with
    the outcome the effect gave it; a refused effect rolls back only its savepoint."""
    if opened.message_id in known:
        event_id, accepted_at = known[opened.message_id]
        return event_id, accepted_at, True
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
    row = InboxRow(
        message_id=opened.message_id,
        sender=opened.sender,
        message_type=message.type.value,
        case_ref=message.case,
        request_ref=reference if isinstance(reference, str) else None,
        received_at=now,
        envelope_digest=opened.envelope_digest,
        content=opened.signed.data,
        event_id=event.id,
        handling=message.handling.to_dict(),
        level=message.handling.level.value,
        outcome="",
    )
    apply_received(session, node, opened, row, directory, now)
    _insert_inbox(session, row)
    known[opened.message_id] = (event.id, now)
    return event.id, now, False


_INSERT_INBOX = insert(InboxRow.__table__)  # type: ignore[arg-type]
_INBOX_COLUMNS = tuple((a.key, a.columns[0].key) for a in inspect(InboxRow).column_attrs)


def _insert_inbox(session: Session, row: InboxRow) -> None:
    """Write the inbox row in one statement, with the values its effect gave it; the mapped
    object only carries them (a flush of one object a message costs more than the insert).
    A value left unset takes the column's default."""
    values = {
        column: value for attribute, column in _INBOX_COLUMNS
        if (value := getattr(row, attribute)) is not None
    }  # fmt: skip
    session.connection().execute(_INSERT_INBOX, values)


def refusal_evidence(
    node: Node, envelope: bytes, refused: RepatriaError, now: datetime
) -> bytes | None:
    """Signed negative evidence that this node refused ``envelope`` and why (AS4/e-CODEX
    style non-delivery evidence), for the sender to keep; None when the bytes are not even
    an envelope (there is no claimed sender to attest to)."""
    try:
        header = read_header(envelope)
    except RepatriaError:
        return None
    return sign_negative_receipt(
        issuer=node.config.node_id,
        envelope_digest=hashlib.sha256(envelope).hexdigest(),
        message_id=None,
        sender=header.sender,
        receiver=node.config.node_id,
        at=now.replace(microsecond=0),
        reason=reason_of(refused),
        detail=str(refused)[:2000],
        issuer_key=log_signer(node).key,
    )
