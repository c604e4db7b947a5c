"""Proofs that an event is in the log: inclusion and consistency (RFC 9162 §2.1.3-§2.1.4).

Each proof is given under a signed checkpoint, signed anew first when none covers the event
yet, so that anyone holding the node's public key can check it offline. A proof is verified
against that checkpoint's root before it is served: the audit before signing re-checks old
stored hashes only in turn (``ledger.audit``), so a damaged hash on a proof's path is caught
here, raises the self-audit alarm, and never reaches a receipt (reliability.md R3).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.errors import NotFound, VerificationFailed
from repatria.ledger import log
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint
from repatria.ledger.merkle import verify_inclusion
from repatria.ledger.note import SignedNote
from repatria.service.ledger.checkpoints import (
    SelfAuditFailure,
    checkpoint_now,
    latest_row,
    refuse,
    with_cosignatures,
)
from repatria.service.node import Node
from repatria.store.ledger_tables import CheckpointRow, CosignatureRow, LedgerLeafRow, SqlLogStorage


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """That an event's leaf is in the log under a signed checkpoint (RFC 9162 §2.1.3)."""

    event_id: int
    leaf_index: int
    leaf: bytes
    proof: tuple[bytes, ...]
    checkpoint: SignedCheckpoint

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "repatria-inclusion-proof/v1",
            "event_id": self.event_id,
            "leaf_index": self.leaf_index,
            "leaf": base64.b64encode(self.leaf).decode("ascii"),
            "tree_size": self.checkpoint.checkpoint.size,
            "proof": [base64.b64encode(h).decode("ascii") for h in self.proof],
            "checkpoint": self.checkpoint.note,
        }


def prove_inclusion(node: Node, event_id: int) -> InclusionProof:
    """The proof that event ``event_id`` is logged, under the latest checkpoint covering it.

    Signs a new checkpoint first when none covers the event yet.
    """
    with node.transaction() as session:
        leaf = _leaf_of(session, event_id)
        latest = latest_row(session)
    if latest is None or latest.size <= leaf.leaf_index:
        checkpoint_now(node)
    try:
        with node.transaction() as session:
            return prove_in(session, event_id)
    except SelfAuditFailure as failed:
        refuse(node, failed)


def prove_in(session: Session, event_id: int) -> InclusionProof:
    """The inclusion proof of ``event_id`` under the newest checkpoint, inside the caller's
    transaction; that checkpoint must cover the event (sign one first: ``sign_in``). The
    proof is verified against the signed root before it is returned: a damaged stored hash
    on its path raises ``SelfAuditFailure``, and the caller, once its transaction has rolled
    back, raises the alarm with ``refuse`` (R3)."""
    (proof,) = prove_all_in(session, [event_id])
    return proof


def prove_all_in(session: Session, event_ids: Sequence[int]) -> list[InclusionProof]:
    """``prove_in`` for each of ``event_ids``, in order, under the one newest checkpoint: the
    leaves, the checkpoint with its cosignatures and the hashes of every path are each read
    once (a group commit proves its receipts together, issue 14.1). Each proof is still
    verified on its own against the signed root."""
    if not event_ids:
        return []
    found = {
        leaf.event_id: leaf
        for leaf in session.scalars(
            select(LedgerLeafRow).where(LedgerLeafRow.event_id.in_(set(event_ids)))
        )
    }
    missing = [event_id for event_id in event_ids if event_id not in found]
    if missing:
        raise NotFound(f"event {missing[0]} has no leaf in the ledger", where="event_id")
    leaves = [found[event_id] for event_id in event_ids]
    row = latest_row(session)
    last = max(leaves, key=lambda leaf: leaf.leaf_index)
    if row is None or row.size <= last.leaf_index:
        raise NotFound(
            f"no signed checkpoint covers event {last.event_id} (leaf {last.leaf_index}) yet",
            where="checkpoints",
        )
    paths = log.inclusion_proofs(
        SqlLogStorage(session), [leaf.leaf_index for leaf in leaves], row.size
    )
    signed = SignedCheckpoint(
        Checkpoint.from_text(SignedNote.from_text(row.note).text),
        with_cosignatures(session, row),
    )
    root = signed.checkpoint.root_hash
    proofs: list[InclusionProof] = []
    for event_id, leaf, path in zip(event_ids, leaves, paths, strict=True):
        try:
            verify_inclusion(leaf.data, leaf.leaf_index, row.size, path, root)
        except VerificationFailed as failed:
            raise SelfAuditFailure(
                f"refused to serve a proof: the inclusion proof of leaf {leaf.leaf_index} at "
                f"size {row.size}, built from stored hashes, does not verify against the "
                f"signed root: {failed.message}",
                where="ledger",
            ) from None
        proofs.append(InclusionProof(event_id, leaf.leaf_index, leaf.data, tuple(path), signed))
    return proofs


def _leaf_of(session: Session, event_id: int) -> LedgerLeafRow:
    leaf = session.scalar(select(LedgerLeafRow).where(LedgerLeafRow.event_id == event_id))
    if leaf is None:
        raise NotFound(f"event {event_id} has no leaf in the ledger", where="event_id")
    return leaf


def consistency_proof(node: Node, old_size: int, new_size: int) -> list[bytes]:
    with node.transaction() as session:
        return log.consistency_proof(SqlLogStorage(session), old_size, new_size)


@dataclass(frozen=True, slots=True)
class EventMark:
    """Where an event sits in the log, and whether a cosigned checkpoint covers it yet."""

    leaf_index: int
    witnessed: bool


def event_marks(node: Node, event_ids: list[int]) -> dict[int, EventMark]:
    """For each event: its leaf index, and whether a cosigned checkpoint covers it."""
    if not event_ids:
        return {}
    with node.transaction() as session:
        leaves = dict(
            session.execute(
                select(LedgerLeafRow.event_id, LedgerLeafRow.leaf_index).where(
                    LedgerLeafRow.event_id.in_(event_ids)
                )
            ).all()
        )
        cosigned = session.scalar(
            select(CheckpointRow.size)
            .join(CosignatureRow, CosignatureRow.note_hash == CheckpointRow.note_hash)
            .order_by(CheckpointRow.size.desc())
            .limit(1)
        )
    return {
        event_id: EventMark(index, cosigned is not None and index < cosigned)
        for event_id, index in leaves.items()
        if event_id is not None
    }
