"""The sealed envelope: a message signed by its sender, then encrypted for its recipient.

Sign-then-encrypt keeps the sender's Ed25519 signature (RFC 8032) *inside*, so the recipient
can prove the message's origin to a third party (a court) by showing the signed content
alone. The well-known flaw of naive sign-then-encrypt is surreptitious forwarding: B
decrypts A's signed message and re-encrypts it to C, who believes A wrote to C. It is closed
here because the signed content names both the sender and the recipient, and a recipient
refuses signed content addressed to anyone else (reliability.md §4.5, threat T2, R13).

Byte layout (all integers big-endian)::

    offset   size  field
    0        4     magic  b"RPX1"
    4        1     format version  0x01
    5        2     header length H
    7        H     header: RFC 8785 JSON {"chunk", "from", "hpke_key", "to", "v"}; routing only
    7+H      32    HPKE enc (the sender's ephemeral X25519 public key, RFC 9180 §4.1)
    39+H     48    HPKE ciphertext of the 32-byte content key (AES-256-GCM, 16-byte tag)
    87+H     32    key commitment: SHA-256(b"repatria exchange v1 key commitment" || key)
    119+H    ...   body: the signed content in chunks of ``chunk`` plaintext bytes, each
                   encrypted with AES-256-GCM under the content key plus a 16-byte tag

HPKE is RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, single
shot, with ``info`` = b"repatria exchange v1" || len || sender id || len || recipient id, so
the wrapped key opens only for the pair named in the header. Everything before the body (the
*preamble*) is authenticated: each chunk's AAD is SHA-256(preamble) || chunk index (8 bytes)
|| final flag (1 byte), and its 12-byte nonce is the index (11 bytes) || final flag, as in
age and C2SP chunked encryption; so chunks cannot be reordered, dropped, truncated at a
chunk boundary or spliced from another envelope, and a changed header fails every chunk.
The key commitment makes the body decrypt under exactly one key (AES-GCM alone is not
key-committing).

The signed content is RFC 8785 JSON ``{"signature": {"key", "value"}, "signed": {...}}``;
``signed`` holds the format version, sender, recipient, creation and expiry times, a random
nonce, the signer's key id, the sender's latest checkpoint and the message. The message id
is SHA-256 of the canonical bytes of ``signed``: a retry carries the same id, so receiving
exactly once is a unique constraint, and the nonce keeps two identical messages apart.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    StrictStr,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from repatria.crypto.hpke import SUITE
from repatria.errors import InvalidInput, VerificationFailed
from repatria.exchange.canonical import (
    NODE_ID,
    canonical_json,
    format_time,
    parse_canonical,
    whole_seconds,
)
from repatria.exchange.directory import Directory, KeyUse, NodeEntry
from repatria.exchange.messages import Message
from repatria.exchange.rejection import Reason, Rejected
from repatria.exchange.wire import (
    WIRE_CONFIG,
    Signature,
    WireTime,
    base64_bytes,
    base64_text,
    canonical_bytes,
    integer,
    on_the_wire,
    read_wire,
    refuse,
    text,
    to_wire,
)
from repatria.ledger.checkpoint import Checkpoint, verify_note
from repatria.ledger.note import Ed25519Verifier, SignedNote

MAGIC = b"RPX1"
FORMAT_VERSION = 1
PROTOCOL = "repatria exchange v1"
ENC_SIZE = 32
KEY_SIZE = 32
TAG_SIZE = 16
WRAPPED_SIZE = KEY_SIZE + TAG_SIZE
DEFAULT_CHUNK = 64 * 1024
MIN_CHUNK, MAX_CHUNK = 256, 1024 * 1024
MAX_ENVELOPE = 50 * 1000 * 1000
"""SIENA's cap per message (50 MB); larger evidence goes over its own transfer path (R12)."""

DEFAULT_LIFETIME = timedelta(days=1)
MAX_LIFETIME = timedelta(days=7)
"""Longest accepted expiry; the inbox must remember ids longer than this (R13)."""
DEFAULT_SKEW = timedelta(minutes=5)

SIGNING_CONTEXT = b"repatria message v1\n"
_COMMIT_LABEL = b"repatria exchange v1 key commitment"
_HEADER_FIELDS = ("chunk", "from", "hpke_key", "to", "v")
_SIGNED_FIELDS = ("created", "expires", "from", "message", "nonce", "signer_key", "to", "v")
_NodeId = Annotated[StrictStr, AfterValidator(text(64, NODE_ID))]


@dataclass(frozen=True, slots=True)
class SignedContent:
    """The sender's signed statement, verbatim: the evidence of origin a court can check."""

    data: bytes
    message_id: str
    sender: str
    recipient: str
    created_at: datetime
    expires_at: datetime
    signer_key: str
    checkpoint: str | None
    message: Message
    body: bytes = field(repr=False, default=b"")
    """The canonical bytes of the ``signed`` object: what the signature covers and what the
    message id hashes. Kept when read, so checking the signature re-parses nothing."""
    signature: bytes = field(repr=False, default=b"")
    """The raw Ed25519 signature over ``SIGNING_CONTEXT + body``."""


@dataclass(frozen=True, slots=True)
class OpenedMessage:
    """A message that passed every check of ``open_envelope``."""

    signed: SignedContent
    envelope_digest: str
    hpke_key: str
    sender_checkpoint: Checkpoint | None

    @property
    def message_id(self) -> str:
        return self.signed.message_id

    @property
    def sender(self) -> str:
        return self.signed.sender

    @property
    def message(self) -> Message:
        return self.signed.message


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Header:
    """The outer header: only what routing needs; authenticated through every chunk's AAD.

    On the wire ``{"chunk", "from", "hpke_key", "to", "v"}``, RFC 8785 canonical."""

    sender: Annotated[_NodeId, Field(alias="from")]
    recipient: Annotated[_NodeId, Field(alias="to")]
    hpke_key: Annotated[StrictStr, AfterValidator(text(64))]
    chunk: Annotated[StrictInt, AfterValidator(integer(MIN_CHUNK, MAX_CHUNK))]

    @model_validator(mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        return _version(value, _HEADER_FIELDS, (), "envelope.header.v", "header version {}")

    @model_serializer(mode="wrap")
    def _with_version(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        return body | {"v": FORMAT_VERSION}


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class SignedBody:
    """What the sender signs: who to whom, when, until when, a nonce, the signing key, the
    message (read by ``Message.from_dict``, whose ``type`` picks the payload) and, if the
    sender logs, its latest checkpoint. ``v`` on the wire names the format version."""

    sender: Annotated[_NodeId, Field(alias="from")]
    recipient: Annotated[_NodeId, Field(alias="to")]
    created: WireTime
    expires: WireTime
    nonce: Annotated[
        bytes, BeforeValidator(base64_bytes(16)), PlainSerializer(base64_text, return_type=str)
    ]
    signer_key: Annotated[StrictStr, AfterValidator(text(64))]
    message: dict[str, Any]
    checkpoint: Annotated[StrictStr, AfterValidator(text(100_000))] | None = None

    @model_validator(mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        return _version(value, _SIGNED_FIELDS, ("checkpoint",), "envelope.signed.v",
                        "signed content version {}, this node reads " + str(FORMAT_VERSION))  # fmt: skip

    @model_validator(mode="after")
    def _expires_after_created(self, info: ValidationInfo) -> SignedBody:
        if on_the_wire(info) and self.expires <= self.created:
            raise refuse("expires is not after created", at=".expires")
        return self

    @model_serializer(mode="wrap")
    def _with_version(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        return {k: v for k, v in body.items() if v is not None} | {"v": FORMAT_VERSION}


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _SignedEnvelope:
    """``{"signature": ..., "signed": ...}``: the plaintext of an envelope."""

    signed: dict[str, Any]
    signature: Signature


def _version(
    value: object, required: tuple[str, ...], optional: tuple[str, ...], where: str, message: str
) -> object:
    """Refuse another format version, once the fields are those of this one (so a document
    of unknown shape is malformed, and one of this shape but another version unsupported)."""
    if not isinstance(value, dict) or not set(required) <= set(value) <= {*required, *optional}:
        return value
    if value["v"] != FORMAT_VERSION:
        raise Rejected(Reason.UNSUPPORTED_VERSION, message.format(repr(value["v"])), where=where)
    return {k: v for k, v in value.items() if k != "v"}


def sign_message(
    message: Message,
    sender_key: Ed25519PrivateKey,
    signer_key_id: str,
    sender_id: str,
    recipient_id: str,
    now: datetime,
    *,
    lifetime: timedelta = DEFAULT_LIFETIME,
    checkpoint: str | None = None,
) -> SignedContent:
    """Sign ``message`` from ``sender_id`` to ``recipient_id``, created ``now``."""
    _check_id(sender_id, "sender_id")
    _check_id(recipient_id, "recipient_id")
    if not timedelta(seconds=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInput(
            f"lifetime {lifetime} is outside 1 s..{MAX_LIFETIME}", where="envelope.lifetime"
        )
    created = whole_seconds(now)
    expires = whole_seconds(created + lifetime)  # the wire carries whole seconds
    signed = to_wire(
        SignedBody(
            sender=sender_id,
            recipient=recipient_id,
            created=created,
            expires=expires,
            nonce=os.urandom(16),
            signer_key=signer_key_id,
            message=message.to_dict(),
            checkpoint=checkpoint,
        )
    )
    body = canonical_json(signed, where="envelope.signed")
    signature = sender_key.sign(SIGNING_CONTEXT + body)
    document = signed_document(signer_key_id, signature, body)
    return SignedContent(
        data=document,
        message_id=hashlib.sha256(body).hexdigest(),
        sender=sender_id,
        recipient=recipient_id,
        created_at=created,
        expires_at=expires,
        signer_key=signer_key_id,
        checkpoint=checkpoint,
        message=message,
        body=body,
        signature=signature,
    )


def signed_document(signer_key_id: str, signature: bytes, body: bytes) -> bytes:
    """The canonical bytes of ``{"signature": {"key", "value"}, "signed": <body>}`` from the
    already canonical ``body``, without serialising it a second time: under RFC 8785 (§3.2.3)
    an object is its members in sorted order, each the canonical name, a colon and the
    canonical value, so a canonical value can be placed as it is ("signature" sorts before
    "signed"). Equal to ``canonical_json`` of the whole; a property test holds it to that."""
    return _before_body(signer_key_id, signature) + body + b"}"


def _before_body(signer_key_id: str, signature: bytes) -> bytes:
    """What precedes the canonical body in a signed document: ``{"signature":{...},"signed":``."""
    value = base64.b64encode(signature).decode("ascii")
    head = canonical_json({"key": signer_key_id, "value": value})
    return b'{"signature":' + head + b',"signed":'


def encrypt(
    signed: SignedContent | bytes,
    sender_id: str,
    recipient_id: str,
    recipient_public_hpke_key: X25519PublicKey,
    recipient_hpke_key_id: str,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> bytes:
    """Encrypt signed content for one recipient; returns the envelope bytes."""
    _check_id(sender_id, "sender_id")
    _check_id(recipient_id, "recipient_id")
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise InvalidInput(
            f"chunk size {chunk_size} is outside {MIN_CHUNK}..{MAX_CHUNK}", where="chunk_size"
        )
    plaintext = signed.data if isinstance(signed, SignedContent) else signed
    header = canonical_bytes(Header(sender_id, recipient_id, recipient_hpke_key_id, chunk_size))
    content_key = AESGCM.generate_key(bit_length=256)
    wrapped = SUITE.encrypt(
        content_key, recipient_public_hpke_key, info=hpke_info(sender_id, recipient_id)
    )
    preamble = (
        MAGIC
        + bytes([FORMAT_VERSION])
        + struct.pack(">H", len(header))
        + header
        + wrapped
        + _commitment(content_key)
    )
    aead = AESGCM(content_key)
    digest = hashlib.sha256(preamble).digest()
    parts = [preamble]
    count = max(1, -(-len(plaintext) // chunk_size))
    for index in range(count):
        final = index == count - 1
        chunk = plaintext[index * chunk_size : (index + 1) * chunk_size]
        parts.append(aead.encrypt(_nonce(index, final), chunk, _aad(digest, index, final)))
    data = b"".join(parts)
    if len(data) > MAX_ENVELOPE:
        raise InvalidInput(
            f"envelope of {len(data)} bytes exceeds {MAX_ENVELOPE}; send large evidence "
            "through the evidence transfer",
            where="envelope",
        )
    return data


def seal(
    message: Message,
    sender_key: Ed25519PrivateKey,
    sender_id: str,
    recipient_id: str,
    recipient_public_hpke_key: X25519PublicKey,
    *,
    signer_key_id: str,
    recipient_hpke_key_id: str,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    checkpoint: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> bytes:
    """Sign ``message`` and encrypt it for ``recipient_id``; returns the envelope bytes.

    Use ``sign_message`` then ``encrypt`` when the message id is needed before sending (an
    outbox row is keyed by it).
    """
    signed = sign_message(
        message, sender_key, signer_key_id, sender_id, recipient_id, now,
        lifetime=lifetime, checkpoint=checkpoint,
    )  # fmt: skip
    return encrypt(
        signed, sender_id, recipient_id, recipient_public_hpke_key, recipient_hpke_key_id,
        chunk_size=chunk_size,
    )  # fmt: skip


def read_header(data: bytes) -> Header:
    """Parse the framing and the outer header, unauthenticated: for routing only."""
    return _split(data)[0]


def open_envelope(
    data: bytes,
    recipient_private_hpke_key: X25519PrivateKey | Mapping[str, X25519PrivateKey],
    recipient_id: str,
    directory: Directory,
    now: datetime,
    *,
    max_skew: timedelta = DEFAULT_SKEW,
    max_lifetime: timedelta = MAX_LIFETIME,
) -> OpenedMessage:
    """Decrypt and verify an envelope, or raise ``Rejected`` with the reason.

    ``recipient_private_hpke_key`` is one key or the node's keys by key id (so messages
    sealed to a retired key still open). Checks, in order: framing and header (malformed,
    unsupported version); addressed to ``recipient_id`` (misaddressed); sender known and
    unexpired in ``directory`` (unknown sender); the HPKE key named is ours; the content key,
    its commitment and every chunk open (tampered); the *signed* recipient is us (forwarded)
    and the signed sender is the header's (sender mismatch); the signer's key was active
    when the message was created and is not revoked now (unknown, inactive, revoked key);
    the signature (bad signature); creation no later than ``now`` + ``max_skew`` (not yet
    valid), expiry no earlier than ``now`` - ``max_skew`` (expired), lifetime at most
    ``max_lifetime``; the HPKE key was ours when the message was created; and the sender's
    checkpoint, if any, is signed by the sender's key for its log.
    """
    header, preamble, body = _split(data)
    if header.recipient != recipient_id:
        raise Rejected(
            Reason.MISADDRESSED,
            f"envelope is addressed to {header.recipient!r}, this node is {recipient_id!r}",
            where="envelope.header.to",
        )
    sender_entry = directory.node(header.sender, now)
    private = _private_key(recipient_private_hpke_key, header.hpke_key)
    directory.node(recipient_id, now).key(header.hpke_key)
    plaintext = _decrypt(header, preamble, body, private)
    signed = _read_signed(plaintext)
    if signed.recipient != recipient_id:
        raise Rejected(
            Reason.FORWARDED,
            f"the signed recipient is {signed.recipient!r}, not this node ({recipient_id!r}): "
            f"the message {signed.sender} signed was re-encrypted by someone else",
            where="envelope.signed.to",
        )
    if signed.sender != header.sender:
        raise Rejected(
            Reason.SENDER_MISMATCH,
            f"the header says {header.sender!r} sent it, the signature is by {signed.sender!r}",
            where="envelope.signed.from",
        )
    key = directory.signing_key(signed.sender, signed.signer_key, signed.created_at, now)
    verify_origin_signature(signed, Ed25519PublicKey.from_public_bytes(key.public_key))
    _check_times(signed, now, max_skew, max_lifetime)
    directory.hpke_key(recipient_id, header.hpke_key, signed.created_at, now)
    checkpoint = _sender_checkpoint(signed, sender_entry)
    return OpenedMessage(
        signed=signed,
        envelope_digest=hashlib.sha256(data).hexdigest(),
        hpke_key=header.hpke_key,
        sender_checkpoint=checkpoint,
    )


def verify_origin(signed_data: bytes, directory: Directory) -> SignedContent:
    """Check stored signed content against the directory, as a third party would.

    The signer's key must have been active and unrevoked when the message was created;
    rotation or revocation *later* does not undo it (R15). Raises ``Rejected``.
    """
    signed = _read_signed(signed_data)
    key = directory.key_at(signed.sender, signed.signer_key, KeyUse.SIGNING, signed.created_at)
    verify_origin_signature(signed, Ed25519PublicKey.from_public_bytes(key.public_key))
    return signed


def verify_origin_signature(signed: SignedContent, public_key: Ed25519PublicKey) -> None:
    """The signature over the content as read: ``body`` and ``signature`` are kept when it
    is read or made, and must be the ones ``data`` (what is stored and shown) carries, else
    ``data`` is read again, as a verifier with only the bytes would."""
    if signed_document(signed.signer_key, signed.signature, signed.body) != signed.data:
        signed = _read_signed(signed.data)
    try:
        public_key.verify(signed.signature, SIGNING_CONTEXT + signed.body)
    except InvalidSignature:
        raise Rejected(
            Reason.BAD_SIGNATURE,
            f"signature by {signed.sender} (key {signed.signer_key}) does not verify",
            where="envelope.signature",
        ) from None


def hpke_info(sender_id: str, recipient_id: str) -> bytes:
    """RFC 9180 ``info``: protocol version, sender and recipient, each length-prefixed."""
    out = PROTOCOL.encode("ascii")
    for value in (sender_id, recipient_id):
        raw = value.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out


def message_id_of(signed_data: bytes) -> str:
    """The id of signed content: SHA-256 of the canonical bytes of its ``signed`` object."""
    outer = parse_canonical(signed_data, where="envelope.signed")
    return hashlib.sha256(canonical_json(outer.get("signed"))).hexdigest()


def _read_signed(data: bytes) -> SignedContent:
    outer = read_wire(_SignedEnvelope, parse_canonical(data, where="envelope.signed"), "envelope")
    inner = read_wire(SignedBody, outer.signed, "envelope.signed")
    if outer.signature.key != inner.signer_key:
        raise InvalidInput(
            f"signature key {outer.signature.key!r} differs from the signed signer_key "
            f"{inner.signer_key!r}",
            where="envelope.signature.key",
        )
    body = _body_of(data, outer)
    return SignedContent(
        data=bytes(data),
        message_id=hashlib.sha256(body).hexdigest(),
        sender=inner.sender,
        recipient=inner.recipient,
        created_at=inner.created,
        expires_at=inner.expires,
        signer_key=inner.signer_key,
        checkpoint=inner.checkpoint,
        message=Message.from_dict(inner.message, where="envelope.signed.message"),
        body=body,
        signature=outer.signature.value,
    )


def _body_of(data: bytes, outer: _SignedEnvelope) -> bytes:
    """The canonical bytes of ``signed``, cut from ``data`` (already checked canonical, with
    exactly the members ``signature`` and ``signed``): it is what ``signed_document`` put
    after the signature. Serialising it again would give the same bytes at twice the cost."""
    prefix = _before_body(outer.signature.key, outer.signature.value)
    if not data.startswith(prefix):  # impossible for canonical input: RFC 8785 fixes the order
        raise InvalidInput("signed content is not laid out canonically", where="envelope.signed")
    return bytes(data[len(prefix) : -1])


def _split(data: bytes) -> tuple[Header, bytes, bytes]:
    if len(data) > MAX_ENVELOPE:
        raise InvalidInput(
            f"envelope of {len(data)} bytes exceeds {MAX_ENVELOPE}", where="envelope"
        )
    if len(data) < 7 or data[:4] != MAGIC:
        raise InvalidInput("not a repatria envelope (magic RPX1 missing)", where="envelope.magic")
    if data[4] != FORMAT_VERSION:
        raise Rejected(
            Reason.UNSUPPORTED_VERSION,
            f"envelope format {data[4]}, this node reads {FORMAT_VERSION}",
            where="envelope.version",
        )
    (length,) = struct.unpack(">H", data[5:7])
    end = 7 + length + ENC_SIZE + WRAPPED_SIZE + KEY_SIZE
    if len(data) < end + TAG_SIZE:
        raise InvalidInput(
            f"envelope has {len(data)} bytes, at least {end + TAG_SIZE} needed for its header "
            f"of {length} bytes, the wrapped key and one chunk",
            where="envelope",
        )
    header = read_wire(
        Header, parse_canonical(data[7 : 7 + length], where="envelope.header"), "envelope.header"
    )
    return header, data[:end], data[end:]


def _decrypt(header: Header, preamble: bytes, body: bytes, private: X25519PrivateKey) -> bytes:
    start = len(preamble) - ENC_SIZE - WRAPPED_SIZE - KEY_SIZE
    wrapped = preamble[start : start + ENC_SIZE + WRAPPED_SIZE]
    try:
        content_key = SUITE.decrypt(
            wrapped, private, info=hpke_info(header.sender, header.recipient)
        )
    except (InvalidTag, ValueError):
        raise Rejected(
            Reason.TAMPERED,
            "the content key does not open with this node's HPKE key for this sender and "
            "recipient (changed enc, wrapped key or header, or not sealed to this key)",
            where="envelope.hpke",
        ) from None
    if _commitment(content_key) != preamble[-KEY_SIZE:]:
        raise Rejected(Reason.TAMPERED, "key commitment does not match the content key",
                       where="envelope.commitment")  # fmt: skip
    aead = AESGCM(content_key)
    digest = hashlib.sha256(preamble).digest()
    out = []
    for index, final, chunk in _chunks(body, header.chunk + TAG_SIZE):
        try:
            out.append(aead.decrypt(_nonce(index, final), chunk, _aad(digest, index, final)))
        except InvalidTag:
            raise Rejected(
                Reason.TAMPERED,
                f"chunk {index} does not authenticate (changed, reordered, truncated or spliced)",
                where="envelope.body",
            ) from None
    return b"".join(out)


def _chunks(body: bytes, block: int) -> Iterator[tuple[int, bool, bytes]]:
    count = -(-len(body) // block)
    for index in range(count):
        chunk = body[index * block : (index + 1) * block]
        if len(chunk) < TAG_SIZE:
            raise Rejected(Reason.TAMPERED, f"chunk {index} is shorter than its tag",
                           where="envelope.body")  # fmt: skip
        yield index, index == count - 1, chunk


def _check_times(
    signed: SignedContent, now: datetime, max_skew: timedelta, max_lifetime: timedelta
) -> None:
    if signed.created_at > now + max_skew:
        raise Rejected(
            Reason.NOT_YET_VALID,
            f"created {format_time(signed.created_at)}, later than now ({format_time(now)}) "
            f"plus the tolerated clock skew of {max_skew}",
            where="envelope.signed.created",
        )
    if signed.expires_at < now - max_skew:
        raise Rejected(
            Reason.EXPIRED,
            f"expired at {format_time(signed.expires_at)}; now is {format_time(now)}",
            where="envelope.signed.expires",
        )
    if signed.expires_at - signed.created_at > max_lifetime:
        raise Rejected(
            Reason.EXPIRED,
            f"lifetime {signed.expires_at - signed.created_at} exceeds {max_lifetime}, longer "
            "than message ids are remembered",
            where="envelope.signed.expires",
        )


def _sender_checkpoint(signed: SignedContent, entry: NodeEntry) -> Checkpoint | None:
    if signed.checkpoint is None:
        return None
    try:
        text = SignedNote.from_text(signed.checkpoint).text
        origin = Checkpoint.from_text(text).origin
    except InvalidInput as exc:
        raise InvalidInput(
            f"sender checkpoint: {exc.message}", where="envelope.checkpoint"
        ) from None
    if origin != entry.log_origin:
        raise Rejected(
            Reason.SENDER_MISMATCH,
            f"checkpoint of log {origin!r}, the sender's log is {entry.log_origin!r}",
            where="envelope.checkpoint",
        )
    verifiers = [
        Ed25519Verifier(origin, k.public_key) for k in entry.keys if k.use is KeyUse.SIGNING
    ]
    try:
        return verify_note(signed.checkpoint, verifiers)
    except (VerificationFailed, InvalidInput) as exc:
        raise Rejected(Reason.BAD_SIGNATURE, f"sender checkpoint: {exc}",
                       where="envelope.checkpoint") from None  # fmt: skip


def _private_key(
    keys: X25519PrivateKey | Mapping[str, X25519PrivateKey], key_id: str
) -> X25519PrivateKey:
    if isinstance(keys, X25519PrivateKey):
        return keys
    if key_id not in keys:
        raise Rejected(
            Reason.UNKNOWN_KEY,
            f"this node holds no HPKE private key {key_id!r}; it holds {', '.join(sorted(keys))}",
            where="envelope.header.hpke_key",
        )
    return keys[key_id]


def _commitment(content_key: bytes) -> bytes:
    return hashlib.sha256(_COMMIT_LABEL + content_key).digest()


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _aad(digest: bytes, index: int, final: bool) -> bytes:
    return digest + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _check_id(value: str, where: str) -> None:
    if not NODE_ID.match(value):
        raise InvalidInput(f"{value!r} is not a node id", where=where)
