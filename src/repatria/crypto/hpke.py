"""HPKE (RFC 9180) base mode with the node's X25519 key: the one suite the network uses.

DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (RFC 9180 §7.1-7.3), from
pyca/cryptography. The exchange's envelope (``exchange.envelope``) wraps each message's
content key with this suite, with an ``info`` that binds sender, recipient and protocol
version (reliability.md §4.5); ``seal``/``open_sealed`` are the same calls for other uses of
the node's HPKE keys. AES-256 rather than the mandatory AES-128: the material is kept for
decades (evidence), so the larger key margin is worth its negligible cost.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from repatria.errors import VerificationFailed

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


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
