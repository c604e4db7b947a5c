"""The network directory this node accepted: verify against the trust anchor, keep, read back.

The directory is the exchange's phone book and key list (docs/exchange.md, "Keys and the
directory"): signed by the network's directory key, versioned, expiring, so contact data
cannot go stale silently (UNCAC 46(13)-(14)). Versions only grow (R15, rollback).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import InvalidInput, NotFound
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory, KeyUse, NodeEntry, NodeKey, verify_directory
from repatria.exchange.handling import Confidentiality
from repatria.service.events import record_event
from repatria.service.keys import key_store, origin_of
from repatria.service.node import Node
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import DirectoryRow


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
    digest), so which keys and contacts a node trusted when is on its ledger.
    """
    with node.transaction() as session:
        highest = session.scalar(select(func.max(DirectoryRow.version)))
    directory = verify_directory(data, directory_key, now, highest)
    with node.transaction() as session:
        if session.get(DirectoryRow, directory.version) is None:
            session.add(DirectoryRow(version=directory.version, data=bytes(data), accepted_at=now))
            record_event(
                session,
                actor=actor,
                action="directory.accepted",
                why=f"network directory {directory.network} version {directory.version}",
                details={
                    "network": directory.network,
                    "version": directory.version,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "nodes": [n.node_id for n in directory.nodes],
                    "expires_at": directory.expires_at.isoformat(),
                },
            )
    return directory.version


def current_directory(node: Node) -> Directory:
    """The highest directory version this node accepted (verified when it was accepted)."""
    with node.transaction() as session:
        return directory_in(session)


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


def node_entry(
    node: Node, endpoint: str, *, days: int = 90, accredited: Confidentiality = (
        Confidentiality.CONFIDENTIAL
    ),
) -> NodeEntry:  # fmt: skip
    """This node's directory entry from its real public keys (current and retired, so old
    messages keep verifying; R15), for the network's operator to sign into the directory."""
    store = key_store(node.settings)
    now = utcnow()
    keys = []
    for purpose, use in ((KeyPurpose.SIGNING, KeyUse.SIGNING), (KeyPurpose.HPKE, KeyUse.HPKE)):
        for record in store.keyring().of(purpose):
            keys.append(
                NodeKey(
                    use,
                    record.public_key,
                    min(record.created_at, now - timedelta(minutes=5)),
                    record.retired_at,
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
