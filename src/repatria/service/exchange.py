"""The exchange's inbox as use cases: accept the network directory, receive an envelope.

``receive`` is the receiver's half of docs/exchange.md: it opens the envelope with the node's
HPKE keys against the directory this node accepted, stores the message once per message id
(the inbox's UNIQUE key, so a retry is never stored twice; R13), logs it in the ledger as a
``message.received`` event, and answers with a receipt signed by the node's log key that
carries the event's inclusion proof, so the sender can prove delivery to a third party
(UNCAC art. 46(13): requests go to the central authority, and the sender needs evidence
that they arrived). A second delivery of an id already stored gets a receipt marked
duplicate that names the first acceptance time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import NotFound
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory, KeyUse, make_key_id, verify_directory
from repatria.exchange.envelope import OpenedMessage, open_envelope
from repatria.exchange.receipt import (
    RECEIVED_KIND,
    LogEvidence,
    received_details,
    sign_receipt,
)
from repatria.service.events import record_event
from repatria.service.keys import key_store, log_signer
from repatria.service.ledger import canonical_event, prove_inclusion
from repatria.service.node import Node
from repatria.store.exchange_tables import DirectoryRow, InboxRow
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
    receipt = sign_receipt(
        message_id=opened.message_id,
        envelope_digest=opened.envelope_digest,
        sender=opened.sender,
        receiver=node.config.node_id,
        received_at=now,
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
