"""Signed checkpoints of the node's log (C2SP tlog-checkpoint) and the cosignatures on them.

``checkpoint_now`` recomputes the tree from every stored leaf and checks it against the stored
hashes, the head and every checkpoint signed before, then signs with the node's current key:
a corrupted stored hash is never signed over (reliability.md R3; the Yeti 2022 lesson). A
disagreement raises a self-audit alarm, which stops every append until an operator clears it.
Cosignatures that peer witnesses return (C2SP tlog-cosignature) are kept with the checkpoint
they sign and appended whenever it is served.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.errors import NotFound, VerificationFailed
from repatria.ledger import log
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from repatria.ledger.cosignature import Cosignature, CosignatureVerifier
from repatria.ledger.note import Ed25519Verifier, SignedNote, open_note
from repatria.ledger.subtree import root_from
from repatria.service.keys import log_signer, log_verifiers
from repatria.service.ledger.alarms import raise_alarm
from repatria.service.ledger.append import SELF_AUDIT
from repatria.service.node import Node
from repatria.service.node_keys import origin_of
from repatria.store.ledger_tables import CheckpointRow, CosignatureRow, PeerRow, SqlLogStorage


def note_hash(note: str) -> str:
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


def checkpoint_now(node: Node) -> SignedCheckpoint:
    """Sign the current tree head after recomputing it from every stored leaf.

    Returns the latest checkpoint unchanged when the log has not grown since and the
    current key signed it. Raises ``VerificationFailed`` and raises a self-audit alarm when
    the recomputation disagrees with anything stored: nothing is signed then.
    """
    signer = log_signer(node)
    origin = origin_of(node.config.node_id)
    problem: str | None = None
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        head = storage.lock_head()
        signed = session.execute(select(CheckpointRow.size, CheckpointRow.root)).all()
        result = log.recompute(storage, head.size, roots_at=[s for s, _ in signed], audit=True)
        if result.problems:
            problem = result.problems[0]
        elif result.root != head.root:
            problem = (
                f"root recomputed from {head.size} leaves is {result.root.hex()}, "
                f"the head says {head.root.hex()}"
            )
        elif root_from(storage, head.size) != result.root:
            problem = f"stored subtree hashes at size {head.size} do not give the recomputed root"
        else:
            for size, root in signed:
                if result.roots[size] != root:
                    problem = (
                        f"checkpoint at size {size} has root {root.hex()}, recomputed "
                        f"{result.roots[size].hex()}"
                    )
                    break
        if problem is None:
            latest = latest_row(session)
            if latest is not None and latest.size == head.size:
                opened = open_note(latest.note, log_verifiers(node))
                if any(s.key_id == signer_key_id(signer) for s in opened.verified):
                    return SignedCheckpoint(Checkpoint.from_text(opened.note.text), latest.note)
            checkpoint = Checkpoint(origin, head.size, result.root)
            note = sign_checkpoint(checkpoint, signer.name, signer.key).to_text()
            session.add(
                CheckpointRow(
                    note_hash=note_hash(note), size=head.size, root=result.root, note=note
                )
            )
            return SignedCheckpoint(checkpoint, note)
    raise_alarm(node, origin, SELF_AUDIT, f"refused to sign a checkpoint: {problem}")
    raise VerificationFailed(f"refused to sign a checkpoint: {problem}", where="ledger")


def signer_key_id(signer: Any) -> int:
    return Ed25519Verifier(signer.name, signer.record.public_key).key_id


def latest_checkpoint(node: Node) -> SignedCheckpoint | None:
    """The newest signed checkpoint, with every cosignature received for it appended."""
    with node.transaction() as session:
        row = latest_row(session)
        if row is None:
            return None
        return SignedCheckpoint(
            Checkpoint.from_text(SignedNote.from_text(row.note).text),
            with_cosignatures(session, row),
        )


def latest_row(session: Session) -> CheckpointRow | None:
    rows = session.scalars(
        select(CheckpointRow).order_by(CheckpointRow.size.desc(), CheckpointRow.note_hash)
    ).all()
    return rows[0] if rows else None


def with_cosignatures(session: Session, row: CheckpointRow) -> str:
    cosigs = session.scalars(
        select(CosignatureRow)
        .where(CosignatureRow.note_hash == row.note_hash)
        .order_by(CosignatureRow.key_name, CosignatureRow.key_id)
    ).all()
    note = SignedNote.from_text(row.note)
    extra = [
        Cosignature(c.key_name, c.key_id, c.timestamp, c.signature).to_note_signature()
        for c in cosigs
    ]
    return note.with_signatures(*extra).to_text()


def accept_cosignatures(node: Node, cosigned_note: str) -> int:
    """Keep the peer witnesses' cosignatures on one of our checkpoints; return how many.

    The note must carry our own signature on a checkpoint we stored, and at least one
    cosignature that verifies under a configured peer's witness key; others are ignored.
    """
    with node.transaction() as session:
        witnesses = [
            CosignatureVerifier.from_vkey(p.witness_vkey)
            for p in session.scalars(select(PeerRow)).all()
        ]
    if not witnesses:
        raise NotFound("no peer witness is configured on this node", where="peers")
    own = open_note(cosigned_note, log_verifiers(node))
    opened = open_note(cosigned_note, witnesses)
    own_line = next(
        s
        for s in own.note.signatures
        if (s.name, s.key_id) == (own.verified[0].name, own.verified[0].key_id)
    )
    plain = SignedNote(own.note.text, (own_line,)).to_text()
    kept = 0
    with node.transaction() as session:
        row = session.get(CheckpointRow, note_hash(plain))
        if row is None:
            raise NotFound("this node never signed that checkpoint", where="checkpoint")
        for sig in opened.verified:
            cosig = Cosignature.from_note_signature(sig)
            key = (row.note_hash, cosig.name, cosig.key_id)
            if session.get(CosignatureRow, key) is None:
                session.add(
                    CosignatureRow(
                        note_hash=row.note_hash,
                        key_name=cosig.name,
                        key_id=cosig.key_id,
                        timestamp=cosig.timestamp,
                        signature=cosig.signature,
                    )
                )
                kept += 1
    return kept


def served_checkpoint(node: Node) -> SignedCheckpoint:
    """The checkpoint a node serves its peers: the latest, signed anew if the log grew."""
    with node.transaction() as session:
        head = SqlLogStorage(session).read_head()
        latest = latest_row(session)
    if latest is None or latest.size < head.size:
        checkpoint_now(node)
    signed = latest_checkpoint(node)
    if signed is None:  # checkpoint_now stored one or raised
        raise NotFound("no checkpoint is stored after signing one", where="checkpoints")
    return signed
