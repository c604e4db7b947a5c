"""The node's key store: private keys encrypted at rest, a keyring of public keys over time.

Layout of ``<data dir>/keys/`` (mode 0700):

- ``<purpose>-<fingerprint>.pem``: one private key, PKCS#8 PEM encrypted with pyca's
  ``BestAvailableEncryption`` under the node's passphrase, mode 0600;
- ``keyring.json``: for every key ever made, its purpose, fingerprint, raw public key,
  ``created_at`` and ``retired_at`` (ISO 8601 UTC; null while current). A key is valid in
  [created_at, retired_at).

Rotation makes a new key and retires the old one without deleting it: C2SP signed-note
verifiers ignore unknown keys, so checkpoints signed before the rotation keep verifying
under the retired key's vkey, and HPKE messages sealed to an old X25519 key can still be
opened (reliability.md R15). Every file is written to a temporary name, fsynced and renamed,
and the directory is fsynced, so a crash leaves either the old keyring or the new one.

Purposes are kept apart (NIST SP 800-57 Pt 1 §5.2: one key, one purpose): the ``signing``
key signs checkpoints (and, later, messages), the ``witness`` key only cosigns peers'
checkpoints (tlog-cosignature: a witness key serves one witness), ``hpke`` only decrypts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from repatria.errors import InvalidInput, NotFound, VerificationFailed

KEYRING_FILE = "keyring.json"
KEYRING_VERSION = 1


class KeyPurpose(StrEnum):
    SIGNING = "signing"
    WITNESS = "witness"
    HPKE = "hpke"


_ALGORITHMS = {
    KeyPurpose.SIGNING: "ed25519",
    KeyPurpose.WITNESS: "ed25519",
    KeyPurpose.HPKE: "x25519",
}


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One key's public facts: what it is for, its public key and when it was valid."""

    purpose: KeyPurpose
    public_key: bytes
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def algorithm(self) -> str:
        return _ALGORITHMS[self.purpose]

    @property
    def fingerprint(self) -> str:
        """First 16 hex digits of SHA-256(raw public key): names the key's file."""
        return hashlib.sha256(self.public_key).hexdigest()[:16]

    @property
    def file_name(self) -> str:
        return f"{self.purpose.value}-{self.fingerprint}.pem"

    def valid_at(self, moment: datetime) -> bool:
        return self.created_at <= moment and (self.retired_at is None or moment < self.retired_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose.value,
            "algorithm": self.algorithm,
            "fingerprint": self.fingerprint,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str) -> KeyRecord:
        try:
            purpose = KeyPurpose(data["purpose"])
            public = base64.b64decode(data["public_key"], validate=True)
            created = _parse_time(data["created_at"], where=f"{where}.created_at")
            retired_raw = data.get("retired_at")
            retired = _parse_time(retired_raw, where=f"{where}.retired_at") if retired_raw else None
        except KeyError as missing:
            raise InvalidInput(f"keyring entry lacks {missing}", where=where) from None
        except ValueError as exc:
            accepted = ", ".join(p.value for p in KeyPurpose)
            raise InvalidInput(
                f"keyring entry is malformed ({exc}); purposes: {accepted}", where=where
            ) from None
        if len(public) != 32:
            raise InvalidInput(f"public key has {len(public)} bytes, want 32", where=where)
        record = cls(purpose, public, created, retired)
        if data.get("fingerprint") not in (None, record.fingerprint):
            raise InvalidInput(
                f"fingerprint {data.get('fingerprint')} does not match the public key "
                f"({record.fingerprint})",
                where=where,
            )
        return record


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Every key the node ever had, oldest first; one current key per purpose."""

    records: tuple[KeyRecord, ...]

    def current(self, purpose: KeyPurpose) -> KeyRecord:
        for record in reversed(self.records):
            if record.purpose is purpose and record.retired_at is None:
                return record
        raise NotFound(f"no current {purpose.value} key in the keyring", where="keys")

    def of(self, purpose: KeyPurpose) -> list[KeyRecord]:
        """All keys of a purpose, current and retired, oldest first."""
        return [r for r in self.records if r.purpose is purpose]

    def to_dict(self) -> dict[str, Any]:
        return {"version": KEYRING_VERSION, "keys": [r.to_dict() for r in self.records]}


class KeyStore:
    """The ``keys/`` directory of one node, opened with its passphrase."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if not passphrase:
            raise InvalidInput("the key passphrase is empty", where="key_passphrase")
        self.directory = directory
        self._passphrase = passphrase

    def __repr__(self) -> str:  # never show the passphrase
        return f"KeyStore({str(self.directory)!r})"

    def exists(self) -> bool:
        return (self.directory / KEYRING_FILE).exists()

    def create(self, now: datetime) -> KeyRing:
        """Make one key per purpose; refuses if a keyring exists (no identity is lost)."""
        if self.exists():
            raise InvalidInput(
                f"{self.directory / KEYRING_FILE} exists; rotate keys instead", where="keys"
            )
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        records = tuple(self._new_key(purpose, now) for purpose in KeyPurpose)
        ring = KeyRing(records)
        self._write_keyring(ring)
        return ring

    def keyring(self) -> KeyRing:
        return read_keyring(self.directory)

    def signing_key(self, record: KeyRecord) -> Ed25519PrivateKey:
        """Decrypt an Ed25519 key (signing or witness) and check it matches its record."""
        key = self._load(record)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{record.file_name} is not an Ed25519 key", where="keys")
        _check_public(record, key.public_key().public_bytes_raw())
        return key

    def hpke_key(self, record: KeyRecord) -> X25519PrivateKey:
        key = self._load(record)
        if not isinstance(key, X25519PrivateKey):
            raise InvalidInput(f"{record.file_name} is not an X25519 key", where="keys")
        _check_public(record, key.public_key().public_bytes_raw())
        return key

    def hpke_public_key(self, record: KeyRecord) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(record.public_key)

    def rotate(self, purpose: KeyPurpose, now: datetime) -> KeyRing:
        """Retire the current key of ``purpose`` at ``now`` and make its successor."""
        ring = self.keyring()
        old = ring.current(purpose)
        if now <= old.created_at:
            raise InvalidInput(
                f"rotation time {now.isoformat()} is not after the current key's creation "
                f"{old.created_at.isoformat()}",
                where="now",
            )
        new = self._new_key(purpose, now)
        records = tuple(replace(r, retired_at=now) if r == old else r for r in ring.records)
        rotated = KeyRing((*records, new))
        self._write_keyring(rotated)
        return rotated

    def _new_key(self, purpose: KeyPurpose, now: datetime) -> KeyRecord:
        private: Ed25519PrivateKey | X25519PrivateKey
        if purpose is KeyPurpose.HPKE:
            private = X25519PrivateKey.generate()
        else:
            private = Ed25519PrivateKey.generate()
        record = KeyRecord(purpose, private.public_key().public_bytes_raw(), now.astimezone(UTC))
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        _write_atomic(self.directory / record.file_name, pem)
        return record

    def _load(self, record: KeyRecord) -> object:
        path = self.directory / record.file_name
        if not path.exists():
            raise NotFound(f"private key file {path} is missing", where="keys")
        try:
            return serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
        except (ValueError, TypeError):
            raise VerificationFailed(
                f"{path} does not decrypt with the configured passphrase "
                "(REPATRIA_KEY_PASSPHRASE or keys/passphrase)",
                where="keys",
            ) from None

    def _write_keyring(self, ring: KeyRing) -> None:
        text = json.dumps(ring.to_dict(), indent=2) + "\n"
        _write_atomic(self.directory / KEYRING_FILE, text.encode("utf-8"))


def read_keyring(directory: Path) -> KeyRing:
    """Read the public keyring; needs no passphrase."""
    path = directory / KEYRING_FILE
    if not path.exists():
        raise NotFound(f"no keyring in {directory}; run `repatria init`", where="keys")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc.msg}", where=str(path)) from None
    if not isinstance(data, dict) or data.get("version") != KEYRING_VERSION:
        raise InvalidInput(f"{path} is not a version {KEYRING_VERSION} keyring", where=str(path))
    entries = data.get("keys")
    if not isinstance(entries, list):
        raise InvalidInput(f"{path} has no list of keys", where=str(path))
    return KeyRing(
        tuple(KeyRecord.from_dict(e, where=f"{path}:keys[{i}]") for i, e in enumerate(entries))
    )


def _check_public(record: KeyRecord, public: bytes) -> None:
    if public != record.public_key:
        raise VerificationFailed(
            f"{record.file_name} holds a different key than the keyring says", where="keys"
        )


def _parse_time(value: str, *, where: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise InvalidInput(f"time {value!r} has no time zone; want UTC", where=where)
    return moment.astimezone(UTC)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
