"""Witness cosignatures on checkpoints (C2SP tlog-cosignature, Ed25519 ``cosignature/v1``).

A cosignature is a witness's statement that, as of its timestamp, the checkpoint is the
largest consistent tree head it has seen for that origin. Between MLA nodes, each node
witnesses its peers' ledgers: a quorum of peer cosignatures on a checkpoint lets a court
or an auditor in either country rely on it without trusting the log's operator alone.

The wire form is an ordinary signed-note signature line whose key ID uses type byte 0x04,

    key ID = SHA-256(<name> || 0x0A || 0x04 || 32-byte public key)[:4]

and whose signature bytes are a ``timestamped_signature``: the timestamp as an 8-byte
big-endian unsigned integer (at most 2^63 - 1), then the 64-byte Ed25519 signature over

    cosignature/v1\\n
    time <timestamp in ASCII decimal>\\n
    <the checkpoint's whole note text, extension lines included>

The v1 message does not commit to the witness's name, so one key must serve one witness.
``CosignatureVerifier`` is a ``NoteVerifier``, so ``open_note`` checks cosignatures on a
checkpoint note the same way it checks the log's own signature. Clocks stay outside:
callers pass the timestamp in.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import Checkpoint
from repatria.ledger.note import (
    ED25519_SIZE,
    NoteSignature,
    VerifierKey,
    check_key_name,
    ed25519_verify,
    key_id,
    raw_public_key,
)

COSIGNATURE_TYPE = 0x04
"""Signature type byte of timestamped Ed25519 cosignatures (c2sp.org/signed-note)."""

MAX_TIMESTAMP = (1 << 63) - 1
"""tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1."""

_HEADER = b"cosignature/v1\n"


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A witness's timestamped signature over one checkpoint."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, where="cosignature.name")
        _check_timestamp(self.timestamp)
        if len(self.signature) != ED25519_SIZE:
            raise InvalidInput(
                f"cosignature has {len(self.signature)} signature bytes, want {ED25519_SIZE}",
                where="cosignature.signature",
            )

    def to_note_signature(self) -> NoteSignature:
        """Return the signature line: key ID, then timestamp || Ed25519 signature."""
        return NoteSignature(
            self.name, self.key_id, self.timestamp.to_bytes(8, "big") + self.signature
        )

    @classmethod
    def from_note_signature(cls, signature: NoteSignature) -> Cosignature:
        """Read a signature line as a cosignature; its length must be 8 + 64 bytes."""
        raw = signature.signature
        if len(raw) != 8 + ED25519_SIZE:
            raise InvalidInput(
                f"signature by {signature.name} has {len(raw)} bytes after the key ID, "
                f"want {8 + ED25519_SIZE} (timestamp and Ed25519 signature)",
                where="cosignature",
            )
        return cls(signature.name, signature.key_id, int.from_bytes(raw[:8], "big"), raw[8:])


@dataclass(frozen=True, slots=True)
class CosignatureVerifier:
    """A witness's public key (type 0x04); checks cosignatures as a ``NoteVerifier``."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, where="verifier.name")
        if len(self.public_key) != 32:
            raise InvalidInput(
                f"Ed25519 public key has {len(self.public_key)} bytes, want 32",
                where="verifier.public_key",
            )

    @property
    def key_id(self) -> int:
        return key_id(self.name, COSIGNATURE_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Check ``timestamp || signature`` over the cosigned message for note ``text``."""
        if len(signature) != 8 + ED25519_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return ed25519_verify(self.public_key, cosigned_message(text, timestamp), signature[8:])

    def to_vkey(self) -> str:
        return VerifierKey(self.name, COSIGNATURE_TYPE, self.public_key).to_text()

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        key = VerifierKey.from_text(vkey)
        if key.signature_type != COSIGNATURE_TYPE:
            raise InvalidInput(
                f"verifier key has signature type 0x{key.signature_type:02x}, "
                f"want 0x{COSIGNATURE_TYPE:02x} (timestamped Ed25519 cosignature)",
                where="vkey.type",
            )
        return cls(key.name, key.public_key)

    @classmethod
    def from_private_key(cls, name: str, private_key: Ed25519PrivateKey) -> CosignatureVerifier:
        return cls(name, raw_public_key(private_key))


def cosigned_message(note_text: bytes, timestamp: int) -> bytes:
    """Return the bytes a v1 cosignature signs: header, time line, checkpoint note text."""
    _check_timestamp(timestamp)
    return _HEADER + b"time %d\n" % timestamp + note_text


def create_cosignature(
    checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> Cosignature:
    """Cosign ``checkpoint`` as witness ``name`` at POSIX time ``timestamp`` (seconds).

    The caller must already have checked that the checkpoint is consistent with everything
    this witness cosigned for its origin (``repatria.ledger.witness``): the cosignature
    asserts exactly that.
    """
    check_key_name(name, where="name")
    message = cosigned_message(checkpoint.to_text().encode("utf-8"), timestamp)
    ident = key_id(name, COSIGNATURE_TYPE, raw_public_key(private_key))
    return Cosignature(name, ident, timestamp, private_key.sign(message))


def verify_cosignature(
    checkpoint: Checkpoint,
    cosignature: Cosignature,
    verifier: CosignatureVerifier,
    *,
    not_after: int | None = None,
) -> None:
    """Check that ``verifier``'s witness cosigned ``checkpoint``; raise ``VerificationFailed``.

    ``not_after`` (POSIX seconds) rejects timestamps beyond it: tlog-cosignature lets
    verifiers refuse cosignatures from the future.
    """
    who = f"{cosignature.name} (key ID {cosignature.key_id:08x})"
    if (cosignature.name, cosignature.key_id) != (verifier.name, verifier.key_id):
        raise VerificationFailed(
            f"cosignature by {who} is not from witness {verifier.name} "
            f"(key ID {verifier.key_id:08x})",
            where="cosignature",
        )
    if not_after is not None and cosignature.timestamp > not_after:
        raise VerificationFailed(
            f"cosignature by {who} is dated {cosignature.timestamp}, after {not_after}",
            where="cosignature.timestamp",
        )
    text = checkpoint.to_text().encode("utf-8")
    if not verifier.verify(text, cosignature.to_note_signature().signature):
        raise VerificationFailed(
            f"cosignature by {who} at time {cosignature.timestamp} does not verify for "
            f"{checkpoint.origin} at size {checkpoint.size}",
            where="cosignature",
        )


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidInput(
            f"timestamp {timestamp} is outside 0..2^63-1", where="cosignature.timestamp"
        )
