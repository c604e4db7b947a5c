"""The node's key material as kept on disk: where, created at init, and the names it signs as.

Separate from ``keys`` (signers and verifiers of an opened node, rotation) because creating a
node needs the keys before there is a node to open: this module depends on the settings only.
Names follow C2SP: the checkpoint-signing key is named like the log's origin
(tlog-checkpoint: the key name SHOULD be the origin), the witness key ``<origin>/witness``.
"""

from __future__ import annotations

from repatria.crypto.keystore import KeyPurpose, KeyRing, KeyStore
from repatria.crypto.passphrase import resolve_passphrase
from repatria.settings import Settings
from repatria.store.base import utcnow

KEYS_DIR = "keys"


def origin_of(node_id: str) -> str:
    """The log's origin (C2SP tlog-checkpoint): unique, no spaces, no '+'."""
    return f"repatria/{node_id}"


def witness_name_of(node_id: str) -> str:
    return f"{origin_of(node_id)}/witness"


def key_store(settings: Settings) -> KeyStore:
    directory = settings.data_dir / KEYS_DIR
    configured = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    return KeyStore(directory, resolve_passphrase(configured, directory))


def create_node_keys(settings: Settings) -> KeyRing:
    """Make the node's signing, witness and HPKE keys (``repatria init``)."""
    return key_store(settings).create(utcnow())


def check_node_keys(settings: Settings) -> None:
    """Decrypt each current private key once, so that a node whose passphrase is wrong stops
    when it starts, with the reason, not at its first signature or delivery (R19: the message
    names the keys directory and the variable, never the passphrase)."""
    store = key_store(settings)
    ring = store.keyring()
    for purpose in (KeyPurpose.SIGNING, KeyPurpose.WITNESS):
        store.signing_key(ring.current(purpose))
    store.hpke_key(ring.current(KeyPurpose.HPKE))
