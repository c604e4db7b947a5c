"""Checkpoints: the signed tree heads of a node's ledger (C2SP tlog-checkpoint v1).

A checkpoint commits to the whole log at one size. Its note text is exactly:

    <origin>\\n            a unique name for the log, e.g. ``repatria.example/ng-moj``
    <tree size>\\n         ASCII decimal, no leading zeroes (``0`` for the empty tree)
    <root hash>\\n         standard base64 of the RFC 6962 / RFC 9162 §2.1.1 Merkle root
    [extension lines]\\n   optional, each non-empty (we write none: monitors cannot audit them)

It is published as a signed note (``repatria.ledger.note``), signed by the node's Ed25519
key named like the origin, and cosigned by witnesses (``repatria.ledger.cosignature``).
``Checkpoint.from_text`` parses strictly, so any two parties that accept a checkpoint read
the same size and root from it. tlog-checkpoint also forbids the log to sign a checkpoint
inconsistent with one it signed before; the log module enforces that by recomputing the
root from stored leaves before signing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.merkle import HASH_SIZE
from repatria.ledger.note import (
    Ed25519Verifier,
    NoteVerifier,
    SignedNote,
    VerifierKey,
    check_note_text,
    decode_base64,
    open_note,
    sign_note_text,
)

__all__ = [
    "Checkpoint",
    "Ed25519Verifier",
    "SignedCheckpoint",
    "SignedNote",
    "VerifierKey",
    "sign_checkpoint",
    "verify_note",
]

MAX_TREE_SIZE = (1 << 64) - 1
"""Tree sizes are unsigned 64-bit integers, as in RFC 9162 and every C2SP implementation."""

_DECIMAL = re.compile(r"(?:0|[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash and (rarely) extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise InvalidInput("origin is empty", where="checkpoint.origin")
        _check_line(self.origin, "checkpoint.origin")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise InvalidInput(
                f"tree size {self.size} is outside 0..2^64-1", where="checkpoint.size"
            )
        if len(self.root_hash) != HASH_SIZE:
            raise InvalidInput(
                f"root hash has {len(self.root_hash)} bytes, want {HASH_SIZE}",
                where="checkpoint.root_hash",
            )
        for i, line in enumerate(self.extensions):
            where = f"checkpoint.extensions[{i}]"
            if not line:
                raise InvalidInput("extension line is empty", where=where)
            _check_line(line, where)

    def to_text(self) -> str:
        """Return the note text: origin, size, base64 root, extensions, each ending in \\n."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly; each bad line raises ``InvalidInput``."""
        check_note_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidInput(
                f"checkpoint has {len(lines)} lines, want at least 3 (origin, size, root hash)",
                where="checkpoint",
            )
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise InvalidInput(
                f"tree size {size!r} is not an ASCII decimal without leading zeroes",
                where="checkpoint.size",
            )
        raw = decode_base64(root, where="checkpoint.root_hash")
        return cls(origin, int(size), raw, tuple(extensions))


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint together with the signed note it came in, kept verbatim as evidence."""

    checkpoint: Checkpoint
    note: str

    @classmethod
    def open(cls, note: str | bytes, verifiers: Iterable[NoteVerifier]) -> SignedCheckpoint:
        """Verify ``note`` like ``verify_note`` and keep its text alongside the checkpoint."""
        checkpoint = verify_note(note, verifiers)
        # verify_note has checked that bytes are valid UTF-8.
        return cls(checkpoint, note.decode("utf-8") if isinstance(note, bytes) else note)


def sign_checkpoint(
    checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey
) -> SignedNote:
    """Sign ``checkpoint`` as a C2SP signed note with the Ed25519 key called ``name``.

    tlog-checkpoint: the key name SHOULD be the origin; it is the caller's choice here so
    that a node can rotate keys under new names.
    """
    text = checkpoint.to_text()
    return SignedNote(text, (sign_note_text(text, name, private_key),))


def verify_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> Checkpoint:
    """Verify a signed checkpoint against trusted keys and return the checkpoint it holds.

    Signatures from keys not among ``verifiers`` are ignored (signed-note), so a note may
    carry witness cosignatures alongside the log's signature. Raises ``VerificationFailed``
    when the note is malformed, a known signature fails, no known key signed, or the text
    is not a well-formed checkpoint; the message names the part that was wrong.
    """
    opened = open_note(note, verifiers)
    try:
        return Checkpoint.from_text(opened.note.text)
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, where=exc.where) from None


_CONTROL = re.compile("[\x00-\x1f]")
"""A C0 control character: none may appear inside a line of a checkpoint."""


def _check_line(line: str, where: str) -> None:
    found = _CONTROL.search(line)
    if found is not None:
        raise InvalidInput(
            f"line contains control character U+{ord(found.group()):04X}", where=where
        )
