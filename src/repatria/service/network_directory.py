"""The network directory this node accepted: verify against the trust anchor, keep, read back.

The directory is the exchange's phone book and key list (docs/exchange.md, "Keys and the
directory"): signed by the network's directory key, versioned, expiring, so contact data
cannot go stale silently (UNCAC 46(13)-(14)). Versions only grow (R15, rollback).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.errors import InvalidInput, NotFound
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import Directory, verify_directory
from repatria.service.node import Node
from repatria.settings import Settings
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
    node: Node, data: bytes, directory_key: Ed25519PublicKey, now: datetime
) -> int:
    """Verify a signed directory and store it; returns its version.

    The highest version accepted before is the floor: an older one is refused as a rollback
    (reliability.md R15, ``verify_directory``). The same version may be accepted again.
    """
    with node.transaction() as session:
        highest = session.scalar(select(func.max(DirectoryRow.version)))
    directory = verify_directory(data, directory_key, now, highest)
    with node.transaction() as session:
        if session.get(DirectoryRow, directory.version) is None:
            session.add(DirectoryRow(version=directory.version, data=bytes(data), accepted_at=now))
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
