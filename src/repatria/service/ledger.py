"""The node's ledger as use cases: every event becomes a leaf, checkpoints, proofs, alarms.

``stage_event`` is called by ``record_event`` inside the use case's transaction: it draws
the event's nonce, computes its commitment and queues the leaf. Just before that
transaction commits, the queued leaves are appended as one batch (``_append_staged``), so
the events of one transaction are one batch and a failed append rolls the state change
back (reliability.md R20). While a self-audit alarm is open, the append refuses, so no
state change can happen on top of a damaged log until an operator has looked (R3).

``checkpoint_now`` recomputes the tree from every stored leaf and checks it against the
stored hashes, the head and every checkpoint signed before, then signs with the node's
current key (C2SP tlog-checkpoint; the Yeti 2022 lesson). The exchange issue will call
``latest_checkpoint`` and ``prove_inclusion``. Witnessing of peers lives in
``repatria.service.witnessing``'s functions here below the log section.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.domain.access import Role
from repatria.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PeerUnavailable,
    PermissionDenied,
    VerificationFailed,
)
from repatria.ledger import log
from repatria.ledger.bundle import Bundle, BundleReport, check_checkpoints
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint, verify_note
from repatria.ledger.cosignature import Cosignature, CosignatureVerifier
from repatria.ledger.entry import EventRecord, canonical_json, commitment
from repatria.ledger.note import Ed25519Verifier, SignedNote, open_note
from repatria.ledger.peer_client import PeerClient
from repatria.ledger.subtree import root_from
from repatria.ledger.witness import find_forks
from repatria.ledger.witnessing import (
    Refusal,
    RefusalReason,
    add_checkpoint,
    format_add_checkpoint,
    parse_add_checkpoint,
)
from repatria.service.actor import Actor
from repatria.service.keys import log_signer, log_verifiers, origin_of, witness_signer
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.ledger_tables import (
    AlarmRow,
    CheckpointRow,
    CosignatureRow,
    LedgerLeafRow,
    LedgerNonceRow,
    PeerRow,
    SeenCheckpointRow,
    SqlLogStorage,
    SqlWitnessStore,
    WitnessStateRow,
)
from repatria.store.tables import EventRow

STAGED = "repatria.ledger.staged"
SELF_AUDIT = "self-audit"


# --- events become leaves -------------------------------------------------------------


def canonical_event(row: EventRow) -> bytes:
    """The event as committed to: RFC 8785 JSON of every field of its row."""
    return canonical_json(
        {
            "id": row.id,
            "at": row.at.isoformat(),
            "actor": row.actor,
            "action": row.action,
            "why": row.why,
            "case_id": row.case_id,
            "request_id": row.request_id,
            "entity_id": row.entity_id,
            "details": row.details,
        }
    )


def stage_event(session: Session, row: EventRow) -> None:
    """Queue the leaf of a flushed event row; it is appended when the transaction commits."""
    nonce = secrets.token_bytes(32)
    session.add(LedgerNonceRow(event_id=row.id, nonce=nonce))
    record = EventRecord(
        kind=row.action,
        event_id=row.id,
        time=int(row.at.timestamp()),
        commitment=commitment(nonce, canonical_event(row)),
    )
    session.info.setdefault(STAGED, []).append(record)


@sa_event.listens_for(Session, "before_commit")
def _append_staged(session: Session) -> None:
    staged: list[EventRecord] = session.info.pop(STAGED, [])
    if not staged:
        return
    session.flush()
    open_audit = session.scalar(
        select(AlarmRow.id).where(AlarmRow.kind == SELF_AUDIT, AlarmRow.cleared_at.is_(None))
    )
    if open_audit is not None:
        raise VerificationFailed(
            f"the ledger failed its self-audit (alarm {open_audit}); nothing can be recorded "
            "until an operator clears it (`repatria ledger alarms`)",
            where="ledger",
        )
    log.append(SqlLogStorage(session), staged)


@sa_event.listens_for(Session, "after_rollback")
def _drop_staged(session: Session) -> None:
    session.info.pop(STAGED, None)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction that, when rolled back, drops only the leaves staged inside it:
    the events recorded before it stay staged and are logged at commit."""
    before = list(session.info.get(STAGED, []))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        session.info[STAGED] = before
        raise


# --- checkpoints and proofs -----------------------------------------------------------


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
            latest = _latest_row(session)
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
        row = _latest_row(session)
        if row is None:
            return None
        return SignedCheckpoint(
            Checkpoint.from_text(SignedNote.from_text(row.note).text),
            _with_cosignatures(session, row),
        )


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """That an event's leaf is in the log under a signed checkpoint (RFC 9162 §2.1.3)."""

    event_id: int
    leaf_index: int
    leaf: bytes
    proof: tuple[bytes, ...]
    checkpoint: SignedCheckpoint

    def to_dict(self) -> dict[str, Any]:
        import base64

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
        leaf = session.scalar(select(LedgerLeafRow).where(LedgerLeafRow.event_id == event_id))
        if leaf is None:
            raise NotFound(f"event {event_id} has no leaf in the ledger", where="event_id")
        latest = _latest_row(session)
    if latest is None or latest.size <= leaf.leaf_index:
        checkpoint_now(node)
    with node.transaction() as session:
        row = _latest_row(session)
        assert row is not None  # checkpoint_now stored one or raised
        proof = log.inclusion_proof(SqlLogStorage(session), leaf.leaf_index, row.size)
        signed = SignedCheckpoint(
            Checkpoint.from_text(SignedNote.from_text(row.note).text),
            _with_cosignatures(session, row),
        )
    return InclusionProof(event_id, leaf.leaf_index, leaf.data, tuple(proof), signed)


def consistency_proof(node: Node, old_size: int, new_size: int) -> list[bytes]:
    with node.transaction() as session:
        return log.consistency_proof(SqlLogStorage(session), old_size, new_size)


def event_marks(node: Node, event_ids: list[int]) -> dict[int, dict[str, Any]]:
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
        event_id: {
            "leaf_index": index,
            "witnessed": cosigned is not None and index < cosigned,
        }
        for event_id, index in leaves.items()
        if event_id is not None
    }


def _latest_row(session: Session) -> CheckpointRow | None:
    rows = session.scalars(
        select(CheckpointRow).order_by(CheckpointRow.size.desc(), CheckpointRow.note_hash)
    ).all()
    return rows[0] if rows else None


def _with_cosignatures(session: Session, row: CheckpointRow) -> str:
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


# --- cosignatures received from peers ----------------------------------------------------


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


# --- alarms -------------------------------------------------------------------------


def raise_alarm(
    node: Node,
    origin: str,
    kind: str,
    reason: str,
    *,
    previous_note: str = "",
    new_note: str = "",
    proof: tuple[bytes, ...] = (),
) -> int:
    """Record an alarm in its own transaction, so it survives the failure that raised it."""
    with node.transaction() as session:
        return _add_alarm(session, origin, kind, reason, previous_note, new_note, proof)


def add_alarm(session: Session, origin: str, kind: str, reason: str) -> int:
    """Record an alarm inside the caller's transaction (one with no checkpoints as evidence,
    e.g. a message that could not be delivered); it stays open until an operator clears it."""
    return _add_alarm(session, origin, kind, reason, "", "", ())


def add_alarm_once(session: Session, origin: str, kind: str, reason: str) -> int | None:
    """``add_alarm`` unless an alarm of this kind about ``origin`` is still open (a condition
    checked every round raises one alarm, not one per round)."""
    open_one = session.scalar(
        select(AlarmRow.id).where(
            AlarmRow.origin == origin, AlarmRow.kind == kind, AlarmRow.cleared_at.is_(None)
        )
    )
    return None if open_one is not None else add_alarm(session, origin, kind, reason)


def _add_alarm(
    session: Session,
    origin: str,
    kind: str,
    reason: str,
    previous_note: str,
    new_note: str,
    proof: tuple[bytes, ...],
) -> int:
    row = AlarmRow(
        origin=origin,
        kind=kind,
        reason=reason,
        previous_note=previous_note,
        new_note=new_note,
        proof={"hashes": [h.hex() for h in proof]},
    )
    session.add(row)
    session.flush()
    return row.id


def alarms(node: Node, *, include_cleared: bool = False) -> list[dict[str, Any]]:
    """Alarms, newest first, each with both signed checkpoints as evidence."""
    with node.transaction() as session:
        query = select(AlarmRow).order_by(AlarmRow.id.desc())
        if not include_cleared:
            query = query.where(AlarmRow.cleared_at.is_(None))
        return [_alarm_view(r) for r in session.scalars(query).all()]


def clear_alarm(node: Node, actor: Actor, alarm_id: int, why: str) -> dict[str, Any]:
    """An operator's decision on an alarm; recorded as an event (and so in the ledger)."""
    if not (actor.has(Role.NODE_ADMIN) or actor.has(Role.AUDITOR)):
        raise PermissionDenied("only a node-admin or an auditor may clear a ledger alarm")
    if not why.strip():
        raise InvalidInput("say what was found and done about the alarm", where="why")
    with node.transaction() as session:
        row = session.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"no alarm {alarm_id}", where="alarm_id")
        if row.cleared_at is not None:
            raise InvalidInput(f"alarm {alarm_id} was already cleared", where="alarm_id")
        row.cleared_at = utcnow()
        row.cleared_by = actor.username
        row.clear_reason = why.strip()
        session.flush()
        from repatria.service.events import record_event

        record_event(
            session,
            actor=actor.username,
            action="ledger.alarm-cleared",
            why=why.strip(),
            details={"alarm": alarm_id, "origin": row.origin, "kind": row.kind},
        )
        return _alarm_view(row)


def _alarm_view(row: AlarmRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "origin": row.origin,
        "kind": row.kind,
        "reason": row.reason,
        "previous_checkpoint": row.previous_note,
        "new_checkpoint": row.new_note,
        "proof": row.proof.get("hashes", []),
        "raised_at": row.raised_at.isoformat(),
        "cleared_at": row.cleared_at.isoformat() if row.cleared_at else None,
        "cleared_by": row.cleared_by,
        "clear_reason": row.clear_reason,
    }


# --- verification and export --------------------------------------------------------


def verify_node_log(node: Node) -> BundleReport:
    """Check this node's log end to end (``repatria ledger verify``).

    Rehashes every leaf and compares every stored subtree hash and the head (``log.recompute``
    with ``audit``), opens every leaf's commitment against its event row and nonce (so an
    edited event is caught too), checks that every stored checkpoint is signed by one of the
    node's keys, is stored under its own hash and has the recomputed root at its size, and
    that every stored cosignature verifies under a configured peer's witness key.
    """
    verifiers = log_verifiers(node)
    origin = origin_of(node.config.node_id)
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        head = storage.read_head()
        rows = session.scalars(select(CheckpointRow)).all()
        result = log.recompute(
            storage,
            head.size,
            roots_at=[r.size for r in rows] + _note_sizes(r.note for r in rows),
            audit=True,
            check_leaves=True,
            keep_leaves=True,
        )
        report = BundleReport(head.size, problems=list(result.problems))
        if not result.problems and result.root != head.root:
            report.problems.append(
                f"head root {head.root.hex()} differs from the recomputed {result.root.hex()}"
            )
        _check_commitments(session, result.leaves, report)
        witnesses = [
            CosignatureVerifier.from_vkey(p.witness_vkey)
            for p in session.scalars(select(PeerRow)).all()
        ]
        notes = []
        for row in rows:
            if note_hash(row.note) != row.note_hash:
                report.problems.append(
                    f"checkpoint {row.note_hash[:12]}: stored under a wrong hash"
                )
            try:
                cp = Checkpoint.from_text(SignedNote.from_text(row.note).text)
                if (cp.size, cp.root_hash) != (row.size, row.root):
                    report.problems.append(
                        f"checkpoint {row.note_hash[:12]}: size/root columns differ from its note"
                    )
            except InvalidInput as exc:
                report.problems.append(f"checkpoint {row.note_hash[:12]}: {exc.message}")
            cosigned = _with_cosignatures(session, row)
            notes.append(cosigned)
            _check_cosignature_rows(session, row, witnesses, report)
    if not result.problems:
        check_checkpoints(
            origin, notes, head.size, lambda n: result.roots[n], verifiers, witnesses, report
        )
    return report


def _note_sizes(notes: Iterable[str]) -> list[int]:
    """Sizes the notes themselves state (their columns may have been tampered with)."""
    sizes = []
    for note in notes:
        try:
            sizes.append(Checkpoint.from_text(SignedNote.from_text(note).text).size)
        except InvalidInput:
            continue
    return sizes


def _check_commitments(
    session: Session, leaves: list[log.StoredLeaf], report: BundleReport
) -> None:
    from repatria.ledger.entry import parse_leaf

    ids = [x.event_id for x in leaves if x.event_id is not None]
    events: dict[int, EventRow] = {}
    nonces: dict[int, bytes] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        events.update(
            {e.id: e for e in session.scalars(select(EventRow).where(EventRow.id.in_(chunk)))}
        )
        nonces.update(
            dict(
                session.execute(
                    select(LedgerNonceRow.event_id, LedgerNonceRow.nonce).where(
                        LedgerNonceRow.event_id.in_(chunk)
                    )
                ).all()
            )
        )
    nonce_rows = session.scalar(select(func.count()).select_from(LedgerNonceRow)) or 0
    if nonce_rows != len(ids):
        report.problems.append(f"{nonce_rows} nonces stored for {len(ids)} logged events")
    for leaf in leaves:
        try:
            _, record = parse_leaf(leaf.data)
        except InvalidInput:
            continue  # already reported by the audit
        row = events.get(record.event_id)
        nonce = nonces.get(record.event_id)
        if row is None or nonce is None:
            report.problems.append(
                f"leaf {leaf.index}: event {record.event_id} or its nonce is missing"
            )
            continue
        if commitment(nonce, canonical_event(row)) != record.commitment:
            report.problems.append(
                f"leaf {leaf.index}: event {record.event_id} does not open its commitment "
                "(the event row or its nonce changed)"
            )
        elif row.action != record.kind or int(row.at.timestamp()) != record.time:
            report.problems.append(f"leaf {leaf.index}: kind or time differs from event {row.id}")


def _check_cosignature_rows(
    session: Session,
    row: CheckpointRow,
    witnesses: list[CosignatureVerifier],
    report: BundleReport,
) -> None:
    known = {(w.name, w.key_id): w for w in witnesses}
    text = SignedNote.from_text(row.note).text.encode("utf-8")
    for c in session.scalars(
        select(CosignatureRow).where(CosignatureRow.note_hash == row.note_hash)
    ):
        witness = known.get((c.key_name, c.key_id))
        line = Cosignature(c.key_name, c.key_id, c.timestamp, c.signature).to_note_signature()
        if witness is None or not witness.verify(text, line.signature):
            report.problems.append(
                f"checkpoint {row.note_hash[:12]}: cosignature by {c.key_name} does not verify"
            )


def export_bundle(node: Node) -> Bundle:
    """Leaves, checkpoints with cosignatures, the node's public keys and its witnesses' keys."""
    from repatria.service.keys import public_keys

    keys = public_keys(node)
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        head = storage.read_head()
        leaves = [
            x.data
            for start in range(0, head.size, log.CHUNK)
            for x in storage.leaves(start, min(start + log.CHUNK, head.size))
        ]
        rows = session.scalars(select(CheckpointRow).order_by(CheckpointRow.size)).all()
        notes = tuple(_with_cosignatures(session, r) for r in rows)
        witnesses = tuple(p.witness_vkey for p in session.scalars(select(PeerRow)).all())
    return Bundle(
        origin=keys["origin"],
        leaves=tuple(leaves),
        checkpoints=notes,
        keys=tuple(
            {k: v for k, v in key.items() if k in ("vkey", "purpose", "created_at", "retired_at")}
            for key in keys["keys"]
            if "vkey" in key
        ),
        witnesses=witnesses,
    )


# --- peers and witnessing ---------------------------------------------------------------

_PEER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def add_peer(
    node: Node, actor: Actor, name: str, url: str, log_vkey: str, witness_vkey: str
) -> dict[str, Any]:
    """Configure a peer whose log we witness and whose witness cosigns ours (node admin)."""
    if not actor.has(Role.NODE_ADMIN):
        raise PermissionDenied("only a node-admin may configure ledger peers")
    if not _PEER_NAME.match(name):
        raise InvalidInput(
            f"peer name {name!r} must be 2-63 lower-case letters, digits or '-'", where="name"
        )
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"peer URL {url!r} must start with http:// or https://", where="url")
    log_key = Ed25519Verifier.from_vkey(log_vkey.strip())
    witness_key = CosignatureVerifier.from_vkey(witness_vkey.strip())
    with node.transaction() as session:
        if session.get(PeerRow, name) is not None:
            raise Conflict(f"peer {name} is already configured", where="name")
        if session.scalar(select(PeerRow.name).where(PeerRow.origin == log_key.name)):
            raise Conflict(f"a peer with origin {log_key.name} is already configured")
        row = PeerRow(
            name=name,
            url=url.rstrip("/"),
            origin=log_key.name,
            log_vkey=log_key.to_vkey(),
            witness_vkey=witness_key.to_vkey(),
            added_by=actor.username,
        )
        session.add(row)
        from repatria.service.events import record_event

        record_event(
            session,
            actor=actor.username,
            action="ledger.peer-added",
            why=f"witness peer {name}",
            details={"peer": name, "url": row.url, "origin": row.origin},
        )
        session.flush()
        return _peer_view(row, None)


def peers(node: Node) -> list[dict[str, Any]]:
    with node.transaction() as session:
        states = {s.origin: s for s in session.scalars(select(WitnessStateRow))}
        return [
            _peer_view(p, states.get(p.origin))
            for p in session.scalars(select(PeerRow).order_by(PeerRow.name))
        ]


def _peer_view(row: PeerRow, state: WitnessStateRow | None) -> dict[str, Any]:
    return {
        "name": row.name,
        "url": row.url,
        "origin": row.origin,
        "log_vkey": row.log_vkey,
        "witness_vkey": row.witness_vkey,
        "witnessed_size": state.size if state else None,
        "witnessed_at": state.updated_at.isoformat() if state else None,
    }


def witness_add_checkpoint(node: Node, body: str) -> Cosignature | Refusal:
    """Handle a peer's pushed checkpoint (tlog-witness add-checkpoint); commits, then answers."""
    try:
        old_size, proof, note = parse_add_checkpoint(body)
        origin = Checkpoint.from_text(SignedNote.from_text(note).text).origin
    except InvalidInput as exc:
        return Refusal(RefusalReason.MALFORMED, exc.message)
    return _witness(node, origin, old_size, proof, note, pulled=False)


def _witness(
    node: Node, origin: str, old_size: int, proof: list[bytes], note: str, *, pulled: bool
) -> Cosignature | Refusal:
    with node.transaction() as session:
        peer = session.scalar(select(PeerRow.log_vkey).where(PeerRow.origin == origin))
    if peer is None:
        return Refusal(
            RefusalReason.UNKNOWN_ORIGIN, f"this node does not witness origin {origin!r}"
        )
    signer = witness_signer(node)
    with node.transaction() as session:
        # The peer row is the per-origin lock: it exists before any state row does.
        session.execute(select(PeerRow.name).where(PeerRow.origin == origin).with_for_update())
        return add_checkpoint(
            SqlWitnessStore(session),
            [Ed25519Verifier.from_vkey(peer)],
            old_size,
            proof,
            note,
            witness_name=signer.name,
            witness_key=signer.key,
            now=int(time.time()),
            pulled=pulled,
        )


_PULL_STATUS = {
    RefusalReason.MALFORMED: 400,
    RefusalReason.BAD_SIGNATURE: 403,
    RefusalReason.UNKNOWN_ORIGIN: 404,
    RefusalReason.OLD_SIZE_MISMATCH: 409,
    RefusalReason.INCONSISTENT: 422,
}
"""The tlog-witness status a pulled refusal would have had if pushed, which ``repatria ledger
witness --json`` has always shown; web/api/ledger.py holds the same table for HTTP."""


def witness_peer(node: Node, name: str) -> dict[str, Any]:
    """Pull a peer's latest checkpoint and proof, check, persist, cosign, push it back."""
    with node.transaction() as session:
        peer = session.get(PeerRow, name)
        if peer is None:
            raise NotFound(f"no ledger peer {name!r}; see `repatria ledger peer list`")
        state = session.get(WitnessStateRow, peer.origin)
        stored = state.size if state is not None else 0
        url, origin, vkey = peer.url, peer.origin, peer.log_vkey
    client = PeerClient(url, timeout=node.settings.peer_timeout_seconds)
    try:
        note = client.checkpoint()
        checkpoint = verify_note(note, [Ed25519Verifier.from_vkey(vkey)])
        proof = client.consistency(stored, checkpoint.size) if 0 < stored < checkpoint.size else []
        outcome = _witness(node, origin, stored, proof, note, pulled=True)
        result: dict[str, Any] = {"peer": name, "origin": origin, "size": checkpoint.size}
        if isinstance(outcome, Refusal):
            return result | {
                "cosigned": False,
                "status": _PULL_STATUS[outcome.reason],
                "reason": outcome.message,
                "alarm": outcome.alarm_id,
            }
        opened = open_note(note, [Ed25519Verifier.from_vkey(vkey)])
        cosigned = SignedNote(opened.note.text, opened.verified).with_signatures(
            outcome.to_note_signature()
        )
        answer = client.push_cosignatures(cosigned.to_text())
        return result | {
            "cosigned": True,
            "pushed": answer.status == 200,
            "push_status": answer.status,
        }
    finally:
        client.close()


def seen_checkpoints(node: Node, origin: str) -> list[str]:
    """Every signed checkpoint of ``origin`` this node has seen as a witness, oldest first.

    Served to other witnesses for gossip (``GET /api/ledger/seen``): checkpoints are public
    signed statements of the log, so showing them reveals nothing confidential, and a split
    view shown to different witnesses only comes to light when they compare (CT gossip;
    reliability.md R4).
    """
    with node.transaction() as session:
        return list(
            session.scalars(
                select(SeenCheckpointRow.note)
                .where(SeenCheckpointRow.origin == origin)
                .order_by(SeenCheckpointRow.size, SeenCheckpointRow.id)
            ).all()
        )


def gossip_with(node: Node, name: str) -> dict[str, Any]:
    """One gossip round: fetch what peer ``name`` saw of every origin we witness, look for forks.

    For each origin this node witnesses, the peer's seen checkpoints that verify under that
    origin's log key are kept with our own (``witness_seen``) and ``witness.find_forks`` runs
    over all of them: two signed roots for one size is a split view, transferable proof by
    itself (c2sp.org/tlog-witness; Go sumdb's "proof of misbehavior"). Each new pair becomes an
    open alarm, which stops cosigning for the origin until an operator clears it. A pair already
    alarmed (open or cleared) is not raised again, so a cleared alarm stays cleared. Notes that
    do not verify are counted and dropped: they prove nothing about the log.
    """
    with node.transaction() as session:
        peer = session.get(PeerRow, name)
        if peer is None:
            raise NotFound(f"no ledger peer {name!r}; see `repatria ledger peer list`")
        url = peer.url
        witnessed = {p.origin: p.log_vkey for p in session.scalars(select(PeerRow)).all()}
    client = PeerClient(url, timeout=node.settings.peer_timeout_seconds)
    fetched: dict[str, list[str]] = {}
    try:
        for origin in sorted(witnessed):
            fetched[origin] = client.seen(origin)
    finally:
        client.close()
    result: dict[str, Any] = {"peer": name, "fetched": 0, "rejected": 0, "alarms": []}
    for origin, notes in fetched.items():
        verifier = Ed25519Verifier.from_vkey(witnessed[origin])
        with node.transaction() as session:
            # The peer row is the per-origin lock, as in _witness.
            session.execute(select(PeerRow.name).where(PeerRow.origin == origin).with_for_update())
            store = SqlWitnessStore(session)
            for note in notes:
                try:
                    signed = SignedCheckpoint.open(note, [verifier])
                except (InvalidInput, VerificationFailed):
                    result["rejected"] += 1
                    continue
                if signed.checkpoint.origin != origin:
                    result["rejected"] += 1
                    continue
                store.record_seen(signed)
                result["fetched"] += 1
            seen = [
                SignedCheckpoint.open(n, [verifier])
                for n in session.scalars(
                    select(SeenCheckpointRow.note).where(SeenCheckpointRow.origin == origin)
                ).all()
            ]
            known = {
                frozenset((r.previous_note, r.new_note))
                for r in session.scalars(select(AlarmRow).where(AlarmRow.origin == origin))
            }
            for alarm in find_forks(seen):
                if frozenset((alarm.previous_note, alarm.new_note)) in known:
                    continue
                result["alarms"].append(store.add_alarm(alarm))
    return result


def publish_checkpoint(node: Node) -> list[dict[str, Any]]:
    """Sign the current checkpoint and ask every peer to witness it (push, tlog-witness)."""
    signed = checkpoint_now(node)
    results = []
    with node.transaction() as session:
        targets = [(p.name, p.url) for p in session.scalars(select(PeerRow).order_by(PeerRow.name))]
    for name, url in targets:
        client = PeerClient(url, timeout=node.settings.peer_timeout_seconds)
        try:
            old = 0
            for _ in range(2):
                proof = consistency_proof(node, old, signed.checkpoint.size) if old else []
                answer = client.add_checkpoint(format_add_checkpoint(old, proof, signed.note))
                if answer.status == 409 and answer.text.strip().isdigit():
                    old = int(answer.text.strip())
                    continue
                break
            kept = 0
            if answer.status == 200:
                cosigned = SignedNote.from_text(signed.note).with_signatures(
                    *SignedNote.from_text(signed.note.rstrip("\n") + "\n" + answer.text).signatures
                )
                kept = accept_cosignatures(node, cosigned.to_text())
            results.append(
                {
                    "peer": name,
                    "status": answer.status,
                    "cosignatures": kept,
                    "reason": "" if answer.status == 200 else answer.text[:300],
                }
            )
        except PeerUnavailable as exc:
            results.append({"peer": name, "status": None, "cosignatures": 0, "reason": exc.message})
        finally:
            client.close()
    return results


# --- what people see: marks on a case's timeline, proofs to download ----------------------


def case_event_marks(node: Node, actor: Actor, reference: str) -> dict[int, dict[str, Any]]:
    """Leaf index and witnessed flag of each event of a case the actor may read."""
    from repatria.service.cases import case_timeline

    return event_marks(node, [e.id for e in case_timeline(node, actor, reference)])


def case_event_proof(node: Node, actor: Actor, reference: str, event_id: int) -> InclusionProof:
    """The inclusion proof of one event of a case the actor may read (need-to-know first)."""
    from repatria.service.cases import case_timeline

    if event_id not in {e.id for e in case_timeline(node, actor, reference)}:
        raise NotFound(f"event {event_id} is not on the timeline of {reference}", where="event")
    return prove_inclusion(node, event_id)


def served_checkpoint(node: Node) -> SignedCheckpoint:
    """The checkpoint a node serves its peers: the latest, signed anew if the log grew."""
    with node.transaction() as session:
        head = SqlLogStorage(session).read_head()
        latest = _latest_row(session)
    if latest is None or latest.size < head.size:
        checkpoint_now(node)
    signed = latest_checkpoint(node)
    assert signed is not None  # checkpoint_now stored one or raised
    return signed
