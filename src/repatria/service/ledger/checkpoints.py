"""Signed checkpoints of the node's log (C2SP tlog-checkpoint) and the cosignatures on them.

``checkpoint_now`` audits the tree against the newest checkpoint it signed (``ledger.audit``:
the stored edge against the signed root, every leaf since rehashed, a sweep of old leaves),
then signs with the node's current key: a corrupted stored hash is never signed over
(reliability.md R3; the Yeti 2022 lesson), at a cost that does not grow with the log. A
disagreement raises a self-audit alarm, which stops every append until an operator clears it.
Cosignatures that peer witnesses return (C2SP tlog-cosignature) are kept with the checkpoint
they sign and appended whenever it is served.
"""

from __future__ import annotations

import hashlib
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.errors import NotFound, RepatriaError, VerificationFailed
from repatria.ledger import audit
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


class SelfAuditFailure(VerificationFailed):
    """The audit before a signature, or the check of a proof before it is served, disagreed
    with what is stored. Raised inside a transaction, which then rolls back; ``refuse``
    raises the alarm after that, in its own transaction, so the alarm outlives it."""


def checkpoint_now(node: Node) -> SignedCheckpoint:
    """Sign the current tree head after auditing it against the last signed one.

    The audit (``ledger.audit``, R3) checks the stored edge at the newest checkpoint this
    node signed against that checkpoint's signed root, rehashes every leaf since, and sweeps
    a fixed number of old leaves: its cost does not grow with the log (issue 14.1). Returns
    the latest checkpoint unchanged when the log has not grown since and the current key
    signed it. Raises ``VerificationFailed`` and raises a self-audit alarm when the audit
    disagrees with anything stored: nothing is signed then.
    """
    try:
        with node.transaction() as session:
            return sign_in(session, node)
    except SelfAuditFailure as failed:
        refuse(node, failed)


def refuse(node: Node, failed: SelfAuditFailure) -> NoReturn:
    """Raise the self-audit alarm for ``failed`` (its own transaction), then refuse."""
    raise_alarm(node, origin_of(node.config.node_id), SELF_AUDIT, failed.message)
    raise VerificationFailed(failed.message, where="ledger") from None


def sign_in(session: Session, node: Node) -> SignedCheckpoint:
    """``checkpoint_now`` inside the caller's transaction (a receive logs, signs and proves
    in one, issue 14.2). Raises ``SelfAuditFailure``: the caller lets its transaction roll
    back and then calls ``refuse``."""
    signer = log_signer(node)
    origin = origin_of(node.config.node_id)
    storage = SqlLogStorage(session)
    head = storage.lock_head()
    latest = latest_row(session)
    base, problem = _base(node, latest, origin)
    if problem is None:
        found = audit.audit_since(storage, base, head, storage.sweep_from())
        if found.problems:
            problem = found.problems[0]
        elif root_from(storage, head.size) != found.root:
            problem = f"stored subtree hashes at size {head.size} do not give the recomputed root"
    if problem is not None:
        raise SelfAuditFailure(f"refused to sign a checkpoint: {problem}", where="ledger")
    storage.save_sweep(found.next_sweep)
    if latest is not None and latest.size == head.size:
        opened = open_note(latest.note, log_verifiers(node))
        if any(s.key_id == signer_key_id(signer) for s in opened.verified):
            return SignedCheckpoint(Checkpoint.from_text(opened.note.text), latest.note)
    checkpoint = Checkpoint(origin, head.size, found.root)
    note = sign_checkpoint(checkpoint, signer.name, signer.key).to_text()
    session.add(
        CheckpointRow(note_hash=note_hash(note), size=head.size, root=found.root, note=note)
    )
    session.flush()
    return SignedCheckpoint(checkpoint, note)


def _base(
    node: Node, latest: CheckpointRow | None, origin: str
) -> tuple[audit.AuditBase, str | None]:
    """The newest checkpoint this node signed, as the audit's base; the empty tree before
    the first. Its note must verify under this node's log keys and name its origin, and the
    row's size and root must be the signed ones: the base is what the signature covers."""
    if latest is None:
        return audit.NO_BASE, None
    try:
        opened = open_note(latest.note, log_verifiers(node))
        signed = Checkpoint.from_text(opened.note.text)
    except RepatriaError as refused:
        return audit.NO_BASE, (
            f"the newest stored checkpoint (size {latest.size}) does not verify under this "
            f"node's log keys: {refused.message}"
        )
    if (signed.origin, signed.size, signed.root_hash) != (origin, latest.size, latest.root):
        return audit.NO_BASE, (
            f"the newest stored checkpoint row (size {latest.size}) does not match its signed "
            f"note (origin {signed.origin}, size {signed.size})"
        )
    return audit.AuditBase(signed.size, signed.root_hash), None


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
    """The newest checkpoint row: one row read, through the index on size."""
    return session.scalars(
        select(CheckpointRow).order_by(CheckpointRow.size.desc(), CheckpointRow.note_hash).limit(1)
    ).first()


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
