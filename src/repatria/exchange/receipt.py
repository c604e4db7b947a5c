"""Signed receipts: proof that a node received and logged a message, or refused it.

A receipt is the receiver's non-repudiation of receipt (AS4 NRR; reliability.md R10, R11,
threat T1). It names the message id, the envelope digest, the sender, the receiver, when
this delivery arrived, and whether it was the first delivery (``accepted``) or a duplicate
of a message already accepted (``duplicate``, naming the original acceptance time, so every
retry gets an answer and nothing is stored twice). It carries the receiver's signed
checkpoint and the inclusion proof (RFC 9162 §2.1.3) of the ledger leaf that logged the
message, together with the opening of that leaf's commitment (the event and its nonce), so
the sender can later prove receipt to anyone *without the receiver's help*: the leaf is in
the log the receiver signed, and the leaf commits to an event naming this message.

The logged event is the inbox's ``message.received`` event; its ``details`` hold
``message_id``, ``sender`` and ``envelope`` (see ``received_details``), and its canonical
form and commitment are those of ``repatria.ledger.entry``.

A negative receipt is signed evidence of a refusal or a failure (R10's "signed negative
evidence"): the receiver refusing an envelope with a reason code (``Reason``), or the sender
recording that delivery failed after its retries.

Both are RFC 8785 JSON ``{"<kind>": {...}, "signature": {"key", "value"}}``, signed with
Ed25519 over a context string and the canonical body.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import (
    AfterValidator,
    Field,
    StrictInt,
    StrictStr,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, VerificationFailed
from repatria.exchange.canonical import (
    MAX_DOCUMENT,
    MESSAGE_ID,
    NODE_ID,
    canonical_json,
    format_time,
    parse_canonical,
)
from repatria.exchange.directory import KeyUse, make_key_id
from repatria.exchange.rejection import Reason, Rejected
from repatria.exchange.wire import (
    WIRE_CONFIG,
    Base64,
    Key32,
    Signature,
    WireTime,
    fixed_format,
    integer,
    items,
    on_the_wire,
    read_wire,
    refuse,
    text,
    to_wire,
)
from repatria.ledger.checkpoint import Checkpoint, verify_note
from repatria.ledger.entry import commitment, parse_leaf
from repatria.ledger.merkle import verify_inclusion
from repatria.ledger.note import Ed25519Verifier, SignedNote

RECEIPT_FORMAT = "repatria-receipt/v1"
NEGATIVE_FORMAT = "repatria-negative-receipt/v1"
RECEIPT_CONTEXT = b"repatria receipt v1\n"
NEGATIVE_CONTEXT = b"repatria negative receipt v1\n"
RECEIVED_KIND = EventKind.MESSAGE_RECEIVED
"""The event action (and leaf kind) under which an inbox logs an accepted message."""


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


_NodeId = Annotated[StrictStr, AfterValidator(text(64, NODE_ID))]
_Digest = Annotated[StrictStr, AfterValidator(text(pattern=MESSAGE_ID))]
_KeyId = Annotated[StrictStr, AfterValidator(text(64))]


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class LogEvidence:
    """Where the message sits in the receiver's log, and what the leaf commits to."""

    leaf: Base64
    leaf_index: Annotated[StrictInt, AfterValidator(integer()), Field(alias="index")]
    proof: Annotated[tuple[Key32, ...], AfterValidator(items(64))]
    checkpoint: Annotated[StrictStr, AfterValidator(text(100_000))]
    event: Base64
    nonce: Key32

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> LogEvidence:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class ReceiptBody:
    """The signed part of a receipt (``{"receipt": <this>, "signature": ...}``)."""

    message_id: Annotated[_Digest, Field(alias="message")]
    envelope_digest: Annotated[_Digest, Field(alias="envelope")]
    sender: _NodeId
    receiver: _NodeId
    received_at: WireTime
    status: ReceiptStatus
    accepted_at: WireTime
    signer_key: _KeyId
    log: LogEvidence

    @model_validator(mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        return fixed_format(value, RECEIPT_FORMAT)

    @model_validator(mode="after")
    def _status_fits_the_times(self, info: ValidationInfo) -> ReceiptBody:
        """Equal times for a first acceptance, an earlier acceptance for a duplicate."""
        accepted, received = self.accepted_at, self.received_at
        if on_the_wire(info) and (
            (self.status is ReceiptStatus.ACCEPTED and accepted != received) or accepted > received
        ):
            raise refuse(
                f"status {self.status.value} does not fit accepted_at {format_time(accepted)} "
                f"and received_at {format_time(received)} (equal for a first acceptance, not "
                "later for a duplicate)",
                at=".status",
            )
        return self

    @model_serializer(mode="wrap")
    def _with_format(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        return {"format": RECEIPT_FORMAT} | body


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class NegativeReceiptBody:
    """The signed part of a negative receipt; ``message`` is left out when unknown."""

    issuer: _NodeId
    envelope_digest: Annotated[_Digest, Field(alias="envelope")]
    sender: _NodeId
    receiver: _NodeId
    at: WireTime
    reason: Reason
    detail: Annotated[StrictStr, AfterValidator(text(2000))]
    signer_key: _KeyId
    message_id: Annotated[_Digest | None, Field(alias="message")] = None

    @model_validator(mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        return fixed_format(value, NEGATIVE_FORMAT)

    @model_serializer(mode="wrap")
    def _with_format(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        return {"format": NEGATIVE_FORMAT} | {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified receipt; ``data`` is the signed document, kept verbatim as evidence."""

    message_id: str
    envelope_digest: str
    sender: str
    receiver: str
    received_at: datetime
    status: ReceiptStatus
    accepted_at: datetime
    signer_key: str
    log: LogEvidence
    checkpoint: Checkpoint
    data: bytes


@dataclass(frozen=True, slots=True)
class NegativeReceipt:
    """Signed evidence that a message was refused or could not be delivered."""

    issuer: str
    envelope_digest: str
    message_id: str | None
    sender: str
    receiver: str
    at: datetime
    reason: Reason
    detail: str
    signer_key: str
    data: bytes


def received_details(message_id: str, sender: str, envelope_digest: str) -> dict[str, str]:
    """The ``details`` of the ``message.received`` event an inbox logs for a message."""
    return {"envelope": envelope_digest, "message_id": message_id, "sender": sender}


def sign_receipt(
    *,
    message_id: str,
    envelope_digest: str,
    sender: str,
    receiver: str,
    received_at: datetime,
    accepted_at: datetime,
    log: LogEvidence,
    receiver_key: Ed25519PrivateKey,
    duplicate: bool = False,
) -> bytes:
    """The receiver's signed receipt: for the first acceptance (``accepted_at`` equals
    ``received_at``) or, with ``duplicate``, for a later delivery of a message accepted at
    ``accepted_at`` (AS4 duplicate elimination: the original is named, nothing stored again).
    The status is stated, not inferred from the times, so a retry within the same second as
    the first acceptance is still marked a duplicate."""
    status = ReceiptStatus.DUPLICATE if duplicate else ReceiptStatus.ACCEPTED
    body = to_wire(
        ReceiptBody(
            message_id=message_id,
            envelope_digest=envelope_digest,
            sender=sender,
            receiver=receiver,
            received_at=received_at,
            status=status,
            accepted_at=accepted_at,
            signer_key=make_key_id(KeyUse.SIGNING, _raw(receiver_key.public_key())),
            log=log,
        )
    )
    data = _sign("receipt", body, RECEIPT_CONTEXT, receiver_key)
    # what we sign must read as a receipt: never hand out one a sender would refuse. The
    # fields are read back from the body; the bytes are RFC 8785 of that very body, so of
    # what ``parse_canonical`` checks only the size is left to check.
    if len(data) > MAX_DOCUMENT:
        raise InvalidInput(f"receipt of {len(data)} bytes exceeds {MAX_DOCUMENT}", where="receipt")
    _read_receipt(data, body)
    return data


def verify_receipt(
    data: bytes, receiver_public_key: Ed25519PublicKey, expected_message_id: str
) -> Receipt:
    """Check a receipt completely, with nothing but the receiver's public key.

    Checks: strict parsing; the signature and signer key id; the message id; the status
    against the two times; the checkpoint signed by the same key (as a C2SP note under the
    log's origin); the leaf at the stated index, of kind ``message.received``, committing to
    an event that names this message and sender; and the inclusion proof of that leaf under
    the checkpoint's root (RFC 9162 §2.1.3.2). Raises ``Rejected`` or ``InvalidInput``.
    """
    body = _verified_body(data, "receipt", RECEIPT_CONTEXT, receiver_public_key)
    receipt = _read_receipt(data, body)
    if receipt.message_id != expected_message_id:
        raise Rejected(
            Reason.WRONG_MESSAGE,
            f"receipt is for message {receipt.message_id}, expected {expected_message_id}",
            where="receipt.message",
        )
    _check_log(receipt, receiver_public_key)
    return receipt


def sign_negative_receipt(
    *,
    issuer: str,
    envelope_digest: str,
    message_id: str | None,
    sender: str,
    receiver: str,
    at: datetime,
    reason: Reason,
    detail: str,
    issuer_key: Ed25519PrivateKey,
) -> bytes:
    """Signed negative evidence by ``issuer``: the receiver refusing an envelope, or the sender
    recording that delivery failed (``Reason.NOT_DELIVERED``)."""
    body = to_wire(
        NegativeReceiptBody(
            issuer=issuer,
            envelope_digest=envelope_digest,
            message_id=message_id,
            sender=sender,
            receiver=receiver,
            at=at,
            reason=reason,
            detail=detail,
            signer_key=make_key_id(KeyUse.SIGNING, _raw(issuer_key.public_key())),
        )
    )
    data = _sign("negative_receipt", body, NEGATIVE_CONTEXT, issuer_key)
    _read_negative(data, body)
    return data


def verify_negative_receipt(
    data: bytes, issuer_public_key: Ed25519PublicKey, expected_envelope_digest: str
) -> NegativeReceipt:
    """Check a negative receipt's signature and that it concerns the expected envelope."""
    body = _verified_body(data, "negative_receipt", NEGATIVE_CONTEXT, issuer_public_key)
    negative = _read_negative(data, body)
    if negative.envelope_digest != expected_envelope_digest:
        raise Rejected(
            Reason.WRONG_MESSAGE,
            f"negative receipt concerns envelope {negative.envelope_digest}, expected "
            f"{expected_envelope_digest}",
            where="negative_receipt.envelope",
        )
    return negative


@lru_cache(maxsize=64)
def _checkpoint_in(note: str) -> Checkpoint:
    """The checkpoint a receipt's note holds, read once per note text: the receipts of a
    batch carry the same one (its signature is still checked for each, in ``_check_log``)."""
    return Checkpoint.from_text(SignedNote.from_text(note).text)


def _read_receipt(data: bytes, body: dict[str, Any] | None = None) -> Receipt:
    if body is None:
        body = parse_canonical(data, where="receipt")["receipt"]
    read = read_wire(ReceiptBody, body, "receipt")
    try:
        checkpoint = _checkpoint_in(read.log.checkpoint)
    except InvalidInput as exc:
        raise InvalidInput(f"checkpoint: {exc.message}", where="receipt.log.checkpoint") from None
    return Receipt(
        message_id=read.message_id,
        envelope_digest=read.envelope_digest,
        sender=read.sender,
        receiver=read.receiver,
        received_at=read.received_at,
        status=read.status,
        accepted_at=read.accepted_at,
        signer_key=read.signer_key,
        log=read.log,
        checkpoint=checkpoint,
        data=bytes(data),
    )


def _read_negative(data: bytes, body: dict[str, Any]) -> NegativeReceipt:
    read = read_wire(NegativeReceiptBody, body, "negative_receipt")
    return NegativeReceipt(
        issuer=read.issuer,
        envelope_digest=read.envelope_digest,
        message_id=read.message_id,
        sender=read.sender,
        receiver=read.receiver,
        at=read.at,
        reason=read.reason,
        detail=read.detail,
        signer_key=read.signer_key,
        data=bytes(data),
    )


def _check_log(receipt: Receipt, public_key: Ed25519PublicKey) -> None:
    log, checkpoint = receipt.log, receipt.checkpoint
    try:
        verify_note(log.checkpoint, [Ed25519Verifier(checkpoint.origin, _raw(public_key))])
    except VerificationFailed as exc:
        raise Rejected(Reason.BAD_SIGNATURE, f"receiver checkpoint: {exc.message}",
                       where="receipt.log.checkpoint") from None  # fmt: skip
    try:
        seq, record = parse_leaf(log.leaf)
    except InvalidInput as exc:
        raise InvalidInput(f"leaf: {exc.message}", where="receipt.log.leaf") from None
    if seq != log.leaf_index:
        raise Rejected(Reason.BAD_PROOF, f"leaf says it is entry {seq}, the receipt says "
                       f"{log.leaf_index}", where="receipt.log.index")  # fmt: skip
    if record.kind != RECEIVED_KIND:
        raise Rejected(Reason.BAD_PROOF, f"leaf logs a {record.kind!r} event, not "
                       f"{RECEIVED_KIND!r}", where="receipt.log.leaf")  # fmt: skip
    if commitment(log.nonce, log.event) != record.commitment:
        raise Rejected(Reason.BAD_PROOF, "the event and nonce do not open the leaf's commitment",
                       where="receipt.log.event")  # fmt: skip
    event = parse_canonical(log.event, where="receipt.log.event")
    details = event.get("details")
    want = received_details(receipt.message_id, receipt.sender, receipt.envelope_digest)
    if (
        event.get("action") != RECEIVED_KIND
        or not isinstance(details, dict)
        or any(details.get(k) != v for k, v in want.items())
    ):
        raise Rejected(
            Reason.BAD_PROOF,
            f"the logged event does not record message {receipt.message_id} from "
            f"{receipt.sender} in envelope {receipt.envelope_digest}",
            where="receipt.log.event",
        )
    try:
        verify_inclusion(log.leaf, log.leaf_index, checkpoint.size, log.proof,
                         checkpoint.root_hash)  # fmt: skip
    except VerificationFailed as exc:
        raise Rejected(Reason.BAD_PROOF, exc.message, where="receipt.log.proof") from None


def _sign(kind: str, body: dict[str, Any], context: bytes, key: Ed25519PrivateKey) -> bytes:
    signature = key.sign(context + canonical_json(body))
    return canonical_json(
        {
            kind: body,
            "signature": {
                "key": body["signer_key"],
                "value": _b64(signature),
            },
        }
    )


def _verified_body(
    data: bytes, kind: str, context: bytes, public_key: Ed25519PublicKey
) -> dict[str, Any]:
    value = parse_canonical(data, where=kind)
    outer: _SignedReceipt | _SignedNegativeReceipt = (
        read_wire(_SignedReceipt, value, kind)
        if kind == "receipt"
        else read_wire(_SignedNegativeReceipt, value, kind)
    )
    body, signature = outer.body, outer.signature
    if "signer_key" not in body:
        raise InvalidInput("missing field(s): signer_key", where=kind)
    unknown = sorted(set(body) - {"signer_key", *_ALL_FIELDS})
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", where=kind)
    want = make_key_id(KeyUse.SIGNING, _raw(public_key))
    if signature.key != want or body["signer_key"] != want:
        raise Rejected(
            Reason.UNKNOWN_KEY,
            f"signed by key {signature.key!r}, the key given is {want}",
            where=f"{kind}.signature.key",
        )
    try:
        public_key.verify(signature.value, context + canonical_json(body))
    except InvalidSignature:
        raise Rejected(
            Reason.BAD_SIGNATURE,
            f"the {kind.replace('_', ' ')} signature does not verify",
            where=f"{kind}.signature",
        ) from None
    return body


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _SignedReceipt:
    """``{"receipt": ..., "signature": ...}``; the body is read once the signature verifies."""

    body: Annotated[dict[str, Any], Field(alias="receipt")]
    signature: Signature


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _SignedNegativeReceipt:
    """``{"negative_receipt": ..., "signature": ...}``."""

    body: Annotated[dict[str, Any], Field(alias="negative_receipt")]
    signature: Signature


_ALL_FIELDS: Sequence[str] = (
    "format", "message", "envelope", "sender", "receiver", "received_at", "status",
    "accepted_at", "log", "issuer", "at", "reason", "detail",
)  # fmt: skip


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def envelope_digest(data: bytes) -> str:
    """SHA-256 of the envelope bytes, as receipts and negative receipts name them."""
    return hashlib.sha256(data).hexdigest()
