"""HPKE conformance (reliability.md R14) for the suite the envelope uses.

The suite is RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. RFC
9180's Appendix A has no vector for exactly this suite (A.1 is the same KEM and KDF with
AES-128-GCM), and ``cryptography_vectors``, which carries the full CFRG vector set, is not
installed. So:

1. A reference implementation of RFC 9180 §4-§5.2 written here from the RFC text, on pyca's
   X25519, HMAC, HKDF-Expand and AES-GCM, is checked against the Appendix A.1.1 vector
   (deterministic encryption from the given ephemeral key must give the RFC's ciphertext).
2. pyca's HPKE opens the A.1.1 ciphertext (through its test-only entry point that takes an
   AAD, since the vector's first encryption uses aad "Count-0").
3. For AES-256-GCM, pyca and the reference must open each other's ciphertexts, for any
   plaintext and info, and refuse them under another info.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.exchange.envelope import SUITE, hpke_info

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "exchange_hpke_rfc9180.json").read_text()
)
KEM_ID, KDF_ID = 0x0020, 0x0001
AEADS = {0x0001: 16, 0x0002: 32}  # AES-128-GCM, AES-256-GCM: key sizes (RFC 9180 §7.3)


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(hashes.SHA256(), length, info).derive(prk)


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, n: int) -> bytes:
    return _expand(prk, n.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info, n)


def _raw(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    """DHKEM ExtractAndExpand (RFC 9180 §4.1)."""
    kem = b"KEM" + KEM_ID.to_bytes(2, "big")
    eae_prk = _labeled_extract(kem, b"", b"eae_prk", dh)
    return _labeled_expand(kem, eae_prk, b"shared_secret", enc + pk_r, 32)


def _key_schedule(aead_id: int, shared: bytes, info: bytes) -> tuple[bytes, bytes]:
    """KeySchedule for mode_base (RFC 9180 §5.1); returns (key, base_nonce)."""
    suite = b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big")
    suite += aead_id.to_bytes(2, "big")
    psk_id_hash = _labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(suite, shared, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", context, AEADS[aead_id])
    return key, _labeled_expand(suite, secret, b"base_nonce", context, 12)


def reference_seal(
    aead_id: int, pk_r: X25519PublicKey, info: bytes, aad: bytes, pt: bytes,
    sk_e: X25519PrivateKey,
) -> bytes:  # fmt: skip
    enc = _raw(sk_e)
    shared = _shared_secret(sk_e.exchange(pk_r), enc, _raw(pk_r))
    key, nonce = _key_schedule(aead_id, shared, info)
    return enc + AESGCM(key).encrypt(nonce, pt, aad)  # sequence number 0: nonce = base_nonce


def reference_open(
    aead_id: int, sk_r: X25519PrivateKey, info: bytes, aad: bytes, data: bytes
) -> bytes:
    enc, ct = data[:32], data[32:]
    shared = _shared_secret(sk_r.exchange(X25519PublicKey.from_public_bytes(enc)), enc, _raw(sk_r))
    key, nonce = _key_schedule(aead_id, shared, info)
    return AESGCM(key).decrypt(nonce, ct, aad)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["name"])
def test_reference_reproduces_rfc9180_vector(vector: dict[str, str]) -> None:
    h = bytes.fromhex
    sk_r = X25519PrivateKey.from_private_bytes(h(vector["skRm"]))
    sk_e = X25519PrivateKey.from_private_bytes(h(vector["skEm"]))
    assert _raw(sk_r).hex() == vector["pkRm"]
    assert _raw(sk_e).hex() == vector["enc"]
    sealed = reference_seal(int(vector["aead_id"]), sk_r.public_key(), h(vector["info"]),
                            h(vector["aad"]), h(vector["pt"]), sk_e)  # fmt: skip
    assert sealed == h(vector["enc"]) + h(vector["ct"])


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["name"])
def test_pyca_opens_rfc9180_vector(vector: dict[str, str]) -> None:
    from cryptography.hazmat.primitives import hpke

    h = bytes.fromhex
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
    sk_r = X25519PrivateKey.from_private_bytes(h(vector["skRm"]))
    data = h(vector["enc"]) + h(vector["ct"])
    opened = rust_openssl.hpke._decrypt_with_aad(
        suite, data, sk_r, h(vector["info"]), h(vector["aad"])
    )
    assert opened == h(vector["pt"])
    with pytest.raises(InvalidTag):
        rust_openssl.hpke._decrypt_with_aad(suite, data, sk_r, h(vector["info"]), b"Count-1")


RECIPIENT = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"hpke recipient").digest())


@given(pt=st.binary(max_size=200), sender=st.sampled_from(["ng-moj", "gb-uka", "a"]))
@settings(max_examples=40, deadline=None)
def test_our_suite_agrees_with_the_reference(pt: bytes, sender: str) -> None:
    info = hpke_info(sender, "ch-fojo")
    ours = SUITE.encrypt(pt, RECIPIENT.public_key(), info=info)
    assert reference_open(0x0002, RECIPIENT, info, b"", ours) == pt
    theirs = reference_seal(0x0002, RECIPIENT.public_key(), info, b"", pt,
                            X25519PrivateKey.generate())  # fmt: skip
    assert SUITE.decrypt(theirs, RECIPIENT, info=info) == pt
    with pytest.raises(InvalidTag):
        SUITE.decrypt(theirs, RECIPIENT, info=hpke_info(sender, "gb-ukb"))
    with pytest.raises(InvalidTag):
        reference_open(0x0002, RECIPIENT, hpke_info(sender + "x", "ch-fojo"), b"", ours)


def test_info_is_length_prefixed() -> None:
    """No two (sender, recipient) pairs share an info (else a key for one pair opens another)."""
    assert hpke_info("ab", "c") != hpke_info("a", "bc")
    assert hpke_info("ng-moj", "gb-uka").startswith(b"repatria exchange v1\x06ng-moj\x06")
