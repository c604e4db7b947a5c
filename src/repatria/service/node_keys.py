"""The node's key material as kept on disk: where, created at init, and the names it signs as.

Separate from ``keys`` (signers and verifiers of an opened node, rotation) because creating a
node needs the keys before there is a node to open: this module depends on the settings only.
Names follow C2SP: the checkpoint-signing key is named like the log's origin
(tlog-checkpoint: the key name SHOULD be the origin), the witness key ``<origin>/witness``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar, cast

from repatria.crypto.keystore import KEYRING_FILE, KeyPurpose, KeyRing, KeyStore
from repatria.crypto.passphrase import resolve_passphrase
from repatria.settings import Settings
from repatria.store.base import utcnow

KEYS_DIR = "keys"

T = TypeVar("T")


def keyring_stamp(settings: Settings) -> tuple[int, int, int]:
    """The keyring file's identity (inode, change time, size). A rotation rewrites the file
    through a rename (``KeyStore``), so any change of the keys changes the stamp."""
    found = os.stat(settings.data_dir / KEYS_DIR / KEYRING_FILE)
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def held_keys(
    held: dict[str, tuple[object, object]], name: str, settings: Settings, load: Callable[[], T]
) -> T:
    """``load()`` once per keyring: decrypting a private key costs a scrypt-protected file
    read and a PEM parse, on every receipt and checkpoint (issue 14.2), so the opened node
    keeps the keys it loaded until the keyring changes (a rotation, another process's).
    Held in this process's memory only, as they are while in use; never written anywhere."""
    stamp = keyring_stamp(settings)
    kept = held.get(name)
    if kept is not None and kept[0] == stamp:
        return cast(T, kept[1])
    value = load()
    held[name] = (stamp, value)
    return value


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
