"""The node's keys: an Ed25519 key that signs the ledger's checkpoints, an Ed25519 key that
cosigns peers' checkpoints as a witness, and an X25519 key for HPKE (RFC 9180).

Private keys live encrypted at rest in the node's ``keys/`` directory (``keystore``); the
passphrase comes from ``REPATRIA_KEY_PASSPHRASE`` or a generated file (``passphrase``).
Retired keys are kept with their validity periods so old checkpoints still verify and old
messages can still be opened. See docs/keys.md.
"""

from repatria.crypto.hpke import open_sealed, seal
from repatria.crypto.keystore import KeyPurpose, KeyRecord, KeyRing, KeyStore
from repatria.crypto.passphrase import resolve_passphrase

__all__ = [
    "KeyPurpose",
    "KeyRecord",
    "KeyRing",
    "KeyStore",
    "open_sealed",
    "resolve_passphrase",
    "seal",
]
