"""Signed notes (C2SP signed-note v1) with Ed25519 signatures, and verifier keys.

A note is UTF-8 text, each line ending in a newline, followed by a blank line and one or
more signature lines ``— <key name> base64(key ID || signature)``. Checkpoints
(``repatria.ledger.checkpoint``) and witness cosignatures (``repatria.ledger.cosignature``)
are notes, which is what lets our nodes' logs interoperate with the transparency-dev and
Sigsum witness ecosystem.

Rules of c2sp.org/signed-note kept here:
- no ASCII control character other than newline; the text is everything up to and
  including the newline before the last blank line;
- key names are non-empty and contain no Unicode space and no ``+``;
- key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian;
- a verifier ignores signatures from keys it does not know (name *and* ID must match),
  rejects the whole note if a known key's signature fails, and rejects a note that no
  known key verifies. We also reject a known key signing twice, and more than
  ``MAX_SIGNATURES`` lines (the spec asks for at least 16; Go's sumdb/note allows 100).

Verifier keys use the vkey text format of golang.org/x/mod/sumdb/note:
``<name>+<key ID as 8 hex digits>+base64(signature type || public key)``.
Only pyca/cryptography's Ed25519 is used; no primitive is implemented here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from repatria.errors import InvalidInput, VerificationFailed

SIGNATURE_PREFIX = "\u2014 "
"""Em dash (U+2014) and space: how every signature line starts."""

ED25519_TYPE = 0x01
"""Signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note)."""

ED25519_SIZE = 64
"""Bytes in an Ed25519 signature (RFC 8032 §5.1.6)."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note."""


class NoteVerifier(Protocol):
    """A key that can check note signatures: identified by (name, key ID).

    ``verify`` gets the note text as UTF-8 bytes and the signature bytes after the 4-byte
    key ID; it returns whether the signature is good and never raises for a bad one.
    """

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: who signed (name, key ID) and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, where="signature.name")
        if not 0 <= self.key_id < 1 << 32:
            raise InvalidInput(
                f"key ID {self.key_id} does not fit in 32 bits", where="signature.key_id"
            )
        if not self.signature:
            raise InvalidInput("signature is empty", where="signature.signature")

    def to_line(self) -> str:
        """Return ``— <name> base64(key ID || signature)`` with its newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A note text and its signature lines, as parsed; nothing here is verified yet."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if not self.signatures:
            raise InvalidInput("a signed note needs at least one signature", where="note")

    def to_text(self) -> str:
        """Return the note: text, blank line, signature lines."""
        return self.text + "\n" + "".join(sig.to_line() for sig in self.signatures)

    def with_signatures(self, *signatures: NoteSignature) -> SignedNote:
        """Return this note with more signatures (e.g. cosignatures), skipping duplicates."""
        merged = list(self.signatures)
        merged.extend(sig for sig in signatures if sig not in merged)
        return SignedNote(self.text, tuple(merged))

    @classmethod
    def from_text(cls, note: str | bytes) -> SignedNote:
        """Parse a note strictly; each malformed part raises ``InvalidInput`` naming it."""
        if isinstance(note, bytes):
            try:
                note = note.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"note is not valid UTF-8 at byte {exc.start}", where="note"
                ) from None
        _check_no_controls(note, "note")
        if not note.endswith("\n"):
            raise InvalidInput("note does not end in a newline", where="note")
        split = note.rfind("\n\n")
        if split < 0:
            raise InvalidInput(
                "note has no blank line between its text and its signatures", where="note"
            )
        text, block = note[: split + 1], note[split + 2 :]
        lines = block.split("\n")[:-1]
        if not lines:
            raise InvalidInput("note has no signature lines after the blank line", where="note")
        if len(lines) > MAX_SIGNATURES:
            raise InvalidInput(
                f"note has {len(lines)} signature lines, at most {MAX_SIGNATURES} accepted",
                where="note",
            )
        return cls(text, tuple(_parse_line(line, n) for n, line in enumerate(lines, 1)))


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked: which known keys verified it, which were unknown."""

    note: SignedNote
    verified: tuple[NoteSignature, ...]
    unknown: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key in vkey form: name, signature type byte and key material."""

    name: str
    signature_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, where="vkey.name")
        if not 0 <= self.signature_type <= 0xFF:
            raise InvalidInput(
                f"signature type {self.signature_type} is not one byte", where="vkey.type"
            )

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.signature_type, self.public_key)

    def to_text(self) -> str:
        """Return ``<name>+<key ID hex>+base64(type || public key)``."""
        material = base64.b64encode(bytes([self.signature_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def from_text(cls, vkey: str) -> VerifierKey:
        """Parse a vkey; the key ID must match the one computed from name and key."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InvalidInput(
                f"verifier key {vkey!r} is not '<name>+<key ID>+<base64 key>'", where="vkey"
            )
        name, id_hex, material = parts
        if len(id_hex) != 8 or any(c not in "0123456789abcdef" for c in id_hex):
            raise InvalidInput(
                f"key ID {id_hex!r} of verifier key is not 8 lower-case hex digits",
                where="vkey.key_id",
            )
        raw = decode_base64(material, where="vkey.key")
        if len(raw) < 2:
            raise InvalidInput(
                f"verifier key material has {len(raw)} bytes, want a type byte and a key",
                where="vkey.key",
            )
        key = cls(name, raw[0], raw[1:])
        if key.key_id != int(id_hex, 16):
            raise InvalidInput(
                f"key ID {id_hex} does not match the key, which has ID {key.key_id:08x}",
                where="vkey.key_id",
            )
        return key


@dataclass(frozen=True, slots=True)
class Ed25519Verifier:
    """An Ed25519 note key (signature type 0x01): verifies signatures over the note text."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, where="verifier.name")
        _ed25519_public_key(self.public_key)

    @property
    def key_id(self) -> int:
        return key_id(self.name, ED25519_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        return ed25519_verify(self.public_key, text, signature)

    def to_vkey(self) -> str:
        return VerifierKey(self.name, ED25519_TYPE, self.public_key).to_text()

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        key = VerifierKey.from_text(vkey)
        if key.signature_type != ED25519_TYPE:
            raise InvalidInput(
                f"verifier key has signature type 0x{key.signature_type:02x}, "
                f"want 0x{ED25519_TYPE:02x} (Ed25519 note signature)",
                where="vkey.type",
            )
        return cls(key.name, key.public_key)

    @classmethod
    def from_private_key(cls, name: str, private_key: Ed25519PrivateKey) -> Ed25519Verifier:
        return cls(name, raw_public_key(private_key))


def key_id(name: str, signature_type: int, public_key: bytes) -> int:
    """Return SHA-256(name || 0x0A || type || public key)[:4] as a big-endian integer."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key
    ).digest()
    return int.from_bytes(digest[:4], "big")


def sign_note_text(text: str, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    """Sign ``text`` with Ed25519 (RFC 8032) as the key named ``name`` (type 0x01)."""
    check_note_text(text)
    check_key_name(name, where="name")
    public = raw_public_key(private_key)
    signature = private_key.sign(text.encode("utf-8"))
    return NoteSignature(name, key_id(name, ED25519_TYPE, public), signature)


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Parse ``note`` and check its signatures against ``verifiers``.

    Raises ``VerificationFailed`` when the note is malformed, when a known key signed twice
    or its signature fails, and when no known key verified it. Unknown signatures are
    returned, not checked.
    """
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        ident = (verifier.name, verifier.key_id)
        if ident in known:
            raise InvalidInput(
                f"two verifiers share key name {verifier.name} and ID {verifier.key_id:08x}",
                where="verifiers",
            )
        known[ident] = verifier
    try:
        parsed = SignedNote.from_text(note)
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, where=exc.where) from None
    text = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unknown: list[NoteSignature] = []
    for sig in parsed.signatures:
        match = known.get((sig.name, sig.key_id))
        if match is None:
            unknown.append(sig)
            continue
        if any(seen.name == sig.name and seen.key_id == sig.key_id for seen in verified):
            raise VerificationFailed(
                f"key {sig.name} (ID {sig.key_id:08x}) signed the note more than once",
                where="note",
            )
        if not match.verify(text, sig.signature):
            raise VerificationFailed(
                f"signature by {sig.name} (key ID {sig.key_id:08x}) does not verify",
                where="note",
            )
        verified.append(sig)
    if not verified:
        signers = ", ".join(f"{s.name} ({s.key_id:08x})" for s in parsed.signatures)
        wanted = ", ".join(f"{name} ({ident:08x})" for name, ident in known) or "none"
        raise VerificationFailed(
            f"no signature from a known key: signed by {signers}; known keys: {wanted}",
            where="note",
        )
    return OpenedNote(parsed, tuple(verified), tuple(unknown))


def check_key_name(name: str, *, where: str) -> None:
    """Key names are non-empty, with no Unicode space, no ``+`` and no control character."""
    if not name:
        raise InvalidInput("key name is empty", where=where)
    for char in name:
        if char.isspace() or char == "+" or ord(char) < 0x20:
            raise InvalidInput(
                f"key name {name!r} contains {char!r}; spaces, '+' and control characters "
                "are not allowed",
                where=where,
            )


def check_note_text(text: str) -> None:
    """A note text is non-empty, ends in a newline and has no control character but newline."""
    if not text.endswith("\n"):
        raise InvalidInput("note text does not end in a newline", where="note.text")
    _check_no_controls(text, "note.text")


def decode_base64(value: str, *, where: str) -> bytes:
    """Decode standard base64 (RFC 4648 §4) strictly: canonical padding and bits only."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != value:
        raise InvalidInput(f"{value!r} is not canonical standard base64", where=where)
    return raw


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Return whether ``signature`` is a valid Ed25519 signature of ``message``."""
    if len(signature) != ED25519_SIZE:
        return False
    try:
        _ed25519_public_key(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """Return the 32-byte RFC 8032 encoding of the private key's public key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _ed25519_public_key(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != 32:
        raise InvalidInput(f"Ed25519 public key has {len(raw)} bytes, want 32", where="public_key")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("bytes are not an Ed25519 public key", where="public_key") from None


def _parse_line(line: str, number: int) -> NoteSignature:
    where = f"note.signature[{number}]"
    if not line.startswith(SIGNATURE_PREFIX):
        raise InvalidInput(
            f"signature line {number} does not start with an em dash and a space: {line[:40]!r}",
            where=where,
        )
    fields = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(fields) != 2:
        raise InvalidInput(
            f"signature line {number} has {len(fields)} space-separated fields after the dash, "
            "want 2 (key name, base64 signature)",
            where=where,
        )
    name, blob = fields
    check_key_name(name, where=where)
    raw = decode_base64(blob, where=where)
    if len(raw) < 5:
        raise InvalidInput(
            f"signature line {number} decodes to {len(raw)} bytes, want a 4-byte key ID "
            "and a signature",
            where=where,
        )
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")
"""A control character other than newline (C0 controls, U+0000-U+001F)."""


def _check_no_controls(text: str, where: str) -> None:
    found = _CONTROL.search(text)  # one pass in C: a receipt's note is read for every receipt
    if found is not None:
        raise InvalidInput(
            f"control character U+{ord(found.group()):04X} at offset {found.start()}; only "
            "newline is allowed",
            where=where,
        )
