"""The network directory this node accepted: verify against the trust anchor, keep, read back.

The directory is the exchange's phone book and key list (docs/exchange.md, "Keys and the
directory"): signed by the network's directory key, versioned, expiring, so contact data
cannot go stale silently (UNCAC 46(13)-(14)). Versions only grow (R15, rollback).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.crypto.keystore import KeyPurpose
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, NotFound
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import (
    AuthorityContact,
    Directory,
    KeyEndorsement,
    KeyUse,
    NodeEntry,
    NodeKey,
    make_key_id,
    verify_directory,
)
from repatria.exchange.handling import Confidentiality
from repatria.exchange.key_succession import check_succession
from repatria.exchange.wire import read_wire
from repatria.service.events import record_event
from repatria.service.ledger.alarms import add_alarm_once
from repatria.service.node import Node
from repatria.service.node_keys import key_store, origin_of
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import DirectoryRow
from repatria.store.tables import EventRow


def directory_key(settings: Settings) -> Ed25519PublicKey:
    """The trust anchor from ``REPATRIA_DIRECTORY_KEY`` (base64 of 32 raw Ed25519 bytes)."""
    if not settings.directory_key:
        raise InvalidInput(
            "no network directory key configured; set REPATRIA_DIRECTORY_KEY to the network's"
            " public key (base64 of 32 bytes) given by the directory's operator",
            where="REPATRIA_DIRECTORY_KEY",
        )
    try:
        raw = base64.b64decode(settings.directory_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "the directory key is not base64", where="REPATRIA_DIRECTORY_KEY"
        ) from None
    if len(raw) != 32:
        raise InvalidInput(
            f"the directory key must be 32 bytes, found {len(raw)}",
            where="REPATRIA_DIRECTORY_KEY",
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def accept_directory(
    node: Node, data: bytes, directory_key: Ed25519PublicKey, now: datetime,
    *, actor: str = "operator",
) -> int:  # fmt: skip
    """Verify a signed directory and store it; returns its version.

    The highest version accepted before is the floor: an older one is refused as a rollback
    (reliability.md R15, ``verify_directory``). The same version may be accepted again.
    A new version is recorded as a ``directory.accepted`` event (who, which version, its
    digest), so which keys and contacts a node trusted when is on its ledger. A key added to
    a node the previous version listed must be cross-signed by that node's old signing key
    (``key_succession``, issue 14.5); keys accepted without, in recovery after every old
    signing key was revoked, are named in the event.
    """
    with node.transaction() as session:
        highest = session.scalar(select(func.max(DirectoryRow.version)))
    directory = verify_directory(data, directory_key, now, highest)
    with node.transaction() as session:
        if session.get(DirectoryRow, directory.version) is None:
            previous = directory_in(session) if highest is not None else None
            succession = check_succession(previous, directory)
            session.add(DirectoryRow(version=directory.version, data=bytes(data), accepted_at=now))
            record_event(
                session,
                actor=actor,
                action=EventKind.DIRECTORY_ACCEPTED,
                why=f"network directory {directory.network} version {directory.version}",
                details={
                    "network": directory.network,
                    "version": directory.version,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "nodes": [n.node_id for n in directory.nodes],
                    "expires_at": directory.expires_at.isoformat(),
                    "keys_endorsed": list(succession.endorsed),
                    "keys_unendorsed_after_revocation": list(succession.unendorsed),
                },
            )
    return directory.version


def current_directory(node: Node) -> Directory:
    """The highest directory version this node accepted (verified when it was accepted)."""
    with node.transaction() as session:
        return held_directory(node, session)


def held_directory(node: Node, session: Session) -> Directory:
    """``current_directory`` inside the caller's transaction, parsed once per version: the
    opened node keeps the directory it read until a higher version is accepted (issue 14.2;
    each receive and delivery needs it, and parsing it cost more than the rest of the read).
    Accepted versions are never rewritten (``accept_directory`` refuses an old or equal one)."""
    version = session.scalar(
        select(DirectoryRow.version).order_by(DirectoryRow.version.desc()).limit(1)
    )
    kept = node.held.get(HELD_DIRECTORY)
    if version is not None and kept is not None and kept[0] == version:
        return cast(Directory, kept[1])
    directory = directory_in(session)
    node.held[HELD_DIRECTORY] = (directory.version, directory)
    return directory


HELD_DIRECTORY = "directory"


def directory_in(session: Session) -> Directory:
    """``current_directory`` inside the caller's transaction (no second connection, which
    SQLite's single writer would make wait on the first)."""
    row = session.scalars(
        select(DirectoryRow).order_by(DirectoryRow.version.desc()).limit(1)
    ).one_or_none()
    if row is None:
        raise NotFound(
            "this node has accepted no network directory yet; accept one first",
            where="exchange_directory",
        )
    signed = parse_canonical(row.data, where="directory")
    return Directory.from_dict(signed["directory"])


def _whole_second_after(moment: datetime | None) -> datetime | None:
    """Retirement rounded *up* to the whole second the directory's times carry: what the old
    key signed in the second of a rotation, before it, stays valid (retirement is not
    compromise; a revocation time, by contrast, is never rounded up)."""
    if moment is None or moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


def node_entry(
    node: Node, endpoint: str, *, days: int = 90, accredited: Confidentiality = (
        Confidentiality.CONFIDENTIAL
    ),
) -> NodeEntry:  # fmt: skip
    """This node's directory entry from its real public keys (current and retired, so old
    messages keep verifying; R15), for the network's operator to sign into the directory."""
    store = key_store(node.settings)
    now = utcnow()
    endorsements = _endorsements(node)
    keys = []
    for purpose, use in ((KeyPurpose.SIGNING, KeyUse.SIGNING), (KeyPurpose.HPKE, KeyUse.HPKE)):
        for record in store.keyring().of(purpose):
            keys.append(
                NodeKey(
                    use,
                    record.public_key,
                    min(record.created_at, now - timedelta(minutes=5)),
                    _whole_second_after(record.retired_at),
                    endorsement=endorsements.get(make_key_id(use, record.public_key)),
                )
            )
    entry = NodeEntry(
        node_id=node.config.node_id,
        jurisdiction=node.config.jurisdiction,
        authority=node.config.authority,
        endpoint=endpoint,
        languages=tuple(node.config.languages) or ("en",),
        accredited=accredited,
        log_origin=origin_of(node.config.node_id),
        keys=tuple(keys),
        expires_at=now + timedelta(days=days),
    )
    return NodeEntry.from_dict(entry.to_dict(), "entry")  # the same checks as on receipt


def _endorsements(node: Node) -> dict[str, KeyEndorsement]:
    """The cross-signatures this node made when it rotated keys, by the new key's id, from
    its ``keys.rotated`` events (``service.keys.rotate_key``)."""
    with node.transaction() as session:
        rotated = session.scalars(
            select(EventRow.details).where(EventRow.action == EventKind.KEYS_ROTATED)
        ).all()
    return {
        details["key_id"]: read_wire(
            KeyEndorsement, details["endorsement"], EventKind.KEYS_ROTATED.value
        )
        for details in rotated
        if "endorsement" in details
    }


# --- the network operator's side: the directory key and signing -------------------------

MIN_PASSPHRASE = 16


def create_directory_key(path: Path, passphrase: str) -> Ed25519PublicKey:
    """Create the network's directory key, encrypted at rest (PKCS#8, best available
    encryption of pyca/cryptography) in a file of mode 0600; refuses to overwrite one."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"the passphrase must have at least {MIN_PASSPHRASE} characters", where="passphrase"
        )
    if path.exists():
        raise InvalidInput(f"{path} exists; a directory key is never overwritten", where="out")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase.encode())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key.public_key()


def load_directory_key(path: Path, passphrase: str) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), passphrase.encode())
    except FileNotFoundError:
        raise InvalidInput(f"no key file at {path}", where="key") from None
    except (ValueError, TypeError):
        raise InvalidInput(
            f"{path} does not open with this passphrase (or is not a key)", where="key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} is not an Ed25519 key", where="key")
    return key


def public_text(key: Ed25519PublicKey) -> str:
    """The form ``REPATRIA_DIRECTORY_KEY`` takes: base64 of the 32 raw bytes."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def build_directory(
    *, network: str, version: int, days: int, entries: list[object], contacts: list[object],
    now: datetime,
) -> Directory:  # fmt: skip
    """A directory from node entries and contact points as JSON objects, each checked as it
    would be on receipt (``where`` names the bad entry)."""
    if not 1 <= days <= 365:
        raise InvalidInput(f"validity must be 1 to 365 days, got {days}", where="days")
    return Directory(
        network=network,
        version=version,
        issued_at=now,
        expires_at=now + timedelta(days=days),
        nodes=tuple(NodeEntry.from_dict(e, f"entries[{i}]") for i, e in enumerate(entries)),
        contacts=tuple(
            AuthorityContact.from_dict(c, f"contacts[{i}]") for i, c in enumerate(contacts)
        ),
    )


RENEW_BEFORE = timedelta(days=7)
"""How long before the directory expires its renewal is asked for (an alarm)."""


def check_directory(node: Node, now: datetime) -> str | None:
    """Raise an alarm, once, when the accepted directory is about to expire or has expired:
    contact data must not go stale silently (UNCAC 46(13)-(14)). Returns the warning."""
    with node.transaction() as session:
        try:
            directory = directory_in(session)
        except NotFound:
            return None
        if now >= directory.expires_at:
            kind = "directory-expired"
            warning = (
                f"the network directory {directory.network} v{directory.version} expired on"
                f" {directory.expires_at.isoformat()}: no message can be sent or received until"
                " a renewed one is accepted"
            )
        elif now >= directory.expires_at - RENEW_BEFORE:
            kind = "directory-expiring"
            warning = (
                f"the network directory {directory.network} v{directory.version} expires on"
                f" {directory.expires_at.isoformat()}; ask the network's operator for a renewed"
                " one and accept it"
            )
        else:
            return None
        add_alarm_once(session, directory.network, kind, warning)
        return warning
