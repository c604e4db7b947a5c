"""The node's keys at rest: encrypted, mode 0600, rotated without losing old ones (R14, R15)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from repatria.crypto import KeyPurpose, KeyStore, open_sealed, resolve_passphrase, seal
from repatria.errors import InvalidInput, NotFound, VerificationFailed

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PASS = b"a passphrase of decent length"


def raw_private(store: KeyStore, purpose: KeyPurpose) -> bytes:
    record = store.keyring().current(purpose)
    key = store.hpke_key(record) if purpose is KeyPurpose.HPKE else store.signing_key(record)
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_create_makes_one_encrypted_key_per_purpose(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASS)
    ring = store.create(T0)
    assert {r.purpose for r in ring.records} == set(KeyPurpose)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    secrets_ = [raw_private(store, p) for p in KeyPurpose]
    for path in (tmp_path / "keys").iterdir():
        data = path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for secret in secrets_:  # no raw private key bytes anywhere on disk
            assert secret not in data, path
        if path.suffix == ".pem":
            assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_wrong_passphrase_does_not_open_a_key(tmp_path: Path) -> None:
    KeyStore(tmp_path, PASS).create(T0)
    other = KeyStore(tmp_path, b"not the passphrase at all")
    with pytest.raises(VerificationFailed, match="does not decrypt"):
        other.signing_key(other.keyring().current(KeyPurpose.SIGNING))


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    KeyStore(tmp_path, PASS).create(T0)
    with pytest.raises(InvalidInput, match="rotate keys instead"):
        KeyStore(tmp_path, PASS).create(T0)


def test_rotation_keeps_the_old_key_with_its_validity(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.create(T0)
    old = store.keyring().current(KeyPurpose.HPKE)
    sealed = seal(b"evidence", store.hpke_public_key(old), b"ng->gb v1")
    ring = store.rotate(KeyPurpose.HPKE, T0 + timedelta(days=30))
    new = ring.current(KeyPurpose.HPKE)
    assert new != old and len(ring.of(KeyPurpose.HPKE)) == 2
    retired = ring.of(KeyPurpose.HPKE)[0]
    assert retired.retired_at == T0 + timedelta(days=30)
    assert retired.valid_at(T0 + timedelta(days=1)) and not retired.valid_at(
        T0 + timedelta(days=31)
    )
    assert new.valid_at(T0 + timedelta(days=31))
    # A message sealed to the retired key still opens after the rotation.
    assert open_sealed(sealed, store.hpke_key(retired), b"ng->gb v1") == b"evidence"
    with pytest.raises(VerificationFailed):
        open_sealed(sealed, store.hpke_key(new), b"ng->gb v1")
    with pytest.raises(VerificationFailed):
        open_sealed(sealed, store.hpke_key(retired), b"ng->fr v1")  # info is bound
    # The other purposes are untouched.
    assert store.keyring().current(KeyPurpose.SIGNING) == ring.of(KeyPurpose.SIGNING)[0]


def test_rotation_must_move_forward_in_time(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.create(T0)
    with pytest.raises(InvalidInput, match="not after"):
        store.rotate(KeyPurpose.SIGNING, T0)


def test_keyring_entry_must_match_its_fingerprint(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.create(T0)
    path = tmp_path / "keyring.json"
    text = path.read_text()
    fingerprint = store.keyring().records[0].fingerprint
    path.write_text(text.replace(fingerprint, "0" * 16, 1))
    with pytest.raises(InvalidInput, match="does not match the public key"):
        store.keyring()


def test_missing_keyring_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no keyring"):
        KeyStore(tmp_path, PASS).keyring()


def test_generated_passphrase_file_is_private_and_stable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "keys"
    first = resolve_passphrase(None, keys)
    assert stat.S_IMODE((keys / "passphrase").stat().st_mode) == 0o600
    assert resolve_passphrase(None, keys) == first and len(first) >= 32
    assert "REPATRIA_KEY_PASSPHRASE" in caplog.text
    assert first.decode() not in caplog.text  # warned about, never logged
    os.chmod(keys / "passphrase", 0o644)
    with pytest.raises(InvalidInput, match="want 0600"):
        resolve_passphrase(None, keys)


def test_configured_passphrase_wins_and_must_be_long(tmp_path: Path) -> None:
    assert resolve_passphrase("x" * 16, tmp_path) == b"x" * 16
    assert not (tmp_path / "passphrase").exists()
    with pytest.raises(InvalidInput, match="at least 16"):
        resolve_passphrase("short", tmp_path)
