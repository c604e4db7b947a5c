"""The node's keys as use cases: sign with the current key, verify with every key, rotate.

Key material, its names and its creation at init are in ``node_keys``. Verifiers are built from every key of a purpose, current and
retired, so a checkpoint signed before a rotation still verifies (signed-note verifiers
ignore keys they do not know, which is what makes rotation possible; reliability.md R15).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.crypto.keystore import KeyPurpose, KeyRecord, read_keyring
from repatria.domain.access import Action
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput
from repatria.exchange.directory import KeyUse, NodeKey
from repatria.exchange.key_succession import endorse
from repatria.exchange.wire import to_wire
from repatria.ledger.cosignature import CosignatureVerifier
from repatria.ledger.note import Ed25519Verifier
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.node_keys import (
    KEYS_DIR,
    held_keys,
    key_store,
    origin_of,
    witness_name_of,
)
from repatria.store.base import utcnow


@dataclass(frozen=True, slots=True)
class Signer:
    """A key name and its private key, ready to sign notes."""

    name: str
    key: Ed25519PrivateKey
    record: KeyRecord


def log_signer(node: Node) -> Signer:
    """The current checkpoint-signing key, held while the keyring is unchanged."""

    def load() -> Signer:
        store = key_store(node.settings)
        record = store.keyring().current(KeyPurpose.SIGNING)
        return Signer(origin_of(node.config.node_id), store.signing_key(record), record)

    return held_keys(node.held, "log-signer", node.settings, load)


def witness_signer(node: Node) -> Signer:
    def load() -> Signer:
        store = key_store(node.settings)
        record = store.keyring().current(KeyPurpose.WITNESS)
        return Signer(witness_name_of(node.config.node_id), store.signing_key(record), record)

    return held_keys(node.held, "witness-signer", node.settings, load)


def log_verifiers(node: Node) -> list[Ed25519Verifier]:
    """Every signing key this node ever had, as note verifiers."""

    def load() -> list[Ed25519Verifier]:
        ring = read_keyring(node.settings.data_dir / KEYS_DIR)
        name = origin_of(node.config.node_id)
        return [Ed25519Verifier(name, r.public_key) for r in ring.of(KeyPurpose.SIGNING)]

    return list(held_keys(node.held, "log-verifiers", node.settings, load))


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One key the node ever had, with its vkey for the log and witness purposes (C2SP signed-note)."""

    record: KeyRecord
    vkey: str | None = None

    def to_dict(self) -> dict[str, Any]:
        entry = self.record.to_dict()
        if self.vkey is not None:
            entry["vkey"] = self.vkey
        return entry


@dataclass(frozen=True, slots=True)
class PublicKeys:
    """The node's log origin, witness name and every public key, current and retired."""

    origin: str
    witness: str
    keys: tuple[PublicKey, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "witness": self.witness,
            "keys": [k.to_dict() for k in self.keys],
        }

    def current_vkey(self, purpose: KeyPurpose) -> str:
        """The vkey of the current (unretired) key of a log or witness purpose."""
        for key in self.keys:
            if key.record.purpose is purpose and key.record.retired_at is None and key.vkey:
                return key.vkey
        raise InvalidInput(f"no current {purpose.value} key with a vkey", where="purpose")


def public_keys(node: Node) -> PublicKeys:
    """The node's public keys with validity periods; vkeys for the log and witness keys."""
    ring = read_keyring(node.settings.data_dir / KEYS_DIR)
    origin = origin_of(node.config.node_id)
    witness = witness_name_of(node.config.node_id)
    keys = []
    for record in ring.records:
        vkey = None
        if record.purpose is KeyPurpose.SIGNING:
            vkey = Ed25519Verifier(origin, record.public_key).to_vkey()
        elif record.purpose is KeyPurpose.WITNESS:
            vkey = CosignatureVerifier(witness, record.public_key).to_vkey()
        keys.append(PublicKey(record, vkey))
    return PublicKeys(origin, witness, tuple(keys))


def rotate_key(node: Node, actor: Actor, purpose: str, why: str) -> KeyRecord:
    """Retire the current key of ``purpose`` and make its successor; a node admin's act.
    A key the directory lists is cross-signed by the signing key held before the rotation,
    recorded in the ``keys.rotated`` event, and carried by ``node_entry`` (issue 14.5)."""
    authorize(
        node, actor, Action.KEYS_ROTATE, refusal="only a node-admin may rotate the node's keys"
    )
    try:
        chosen = KeyPurpose(purpose)
    except ValueError:
        accepted = ", ".join(p.value for p in KeyPurpose)
        raise InvalidInput(f"unknown key purpose {purpose!r}; accepted: {accepted}") from None
    if not why.strip():
        raise InvalidInput("say why the key is rotated", where="why")
    store = key_store(node.settings)
    before = store.keyring()
    old = before.current(chosen)
    endorser = store.signing_key(before.current(KeyPurpose.SIGNING))
    now: datetime = utcnow()
    ring = store.rotate(chosen, now)
    new = ring.current(chosen)
    details: dict[str, Any] = {
        "purpose": chosen.value,
        "retired": old.fingerprint,
        "current": new.fingerprint,
        "public_key": new.to_dict()["public_key"],
    }
    use = DIRECTORY_USE.get(chosen)
    if use is not None:
        announced = NodeKey(use, new.public_key, new.created_at)
        details["key_id"] = announced.key_id
        details["endorsement"] = to_wire(endorse(node.config.node_id, announced, endorser, now))
    with node.transaction() as session:
        record_event(
            session,
            actor=actor.username,
            action=EventKind.KEYS_ROTATED,
            why=why.strip(),
            details=details,
        )
    return new


DIRECTORY_USE = {KeyPurpose.SIGNING: KeyUse.SIGNING, KeyPurpose.HPKE: KeyUse.HPKE}
"""The purposes whose keys the network directory lists: their successors are endorsed by the
signing key the node had before the rotation (the old one, for a signing key), so peers can
tell the node's own rotation from a substituted key (``exchange.key_succession``, 14.5)."""
