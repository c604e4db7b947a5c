"""HPKE (RFC 9180) base mode with the node's X25519 key, for the exchange of messages.

One suite only: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (RFC 9180 §7, the
mandatory-to-implement suite), from pyca/cryptography. ``info`` must bind who sends to whom
and the protocol version (reliability.md §4.5); the exchange issue builds it. Here only the
two calls, so the key store's X25519 keys are exercised end to end now.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from repatria.errors import VerificationFailed

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)


def seal(plaintext: bytes, recipient: X25519PublicKey, info: bytes) -> bytes:
    """Encrypt to ``recipient`` (RFC 9180 §6.1 single-shot, base mode); returns enc || ct."""
    return SUITE.encrypt(plaintext, recipient, info=info)


def open_sealed(sealed: bytes, private_key: X25519PrivateKey, info: bytes) -> bytes:
    """Decrypt what ``seal`` produced; raises ``VerificationFailed`` if it does not open."""
    try:
        return SUITE.decrypt(sealed, private_key, info=info)
    except (InvalidTag, ValueError):
        raise VerificationFailed(
            "HPKE ciphertext does not open with this key and info", where="hpke"
        ) from None
