"""Checking the node's own log end to end, and the bundle anyone can check offline.

``verify_node_log`` is what ``repatria ledger verify`` runs: every leaf rehashed, every stored
subtree hash and checkpoint compared with the recomputation (RFC 9162 §2.1.1), every leaf's
commitment opened against its event row and nonce, every cosignature verified. The bundle
carries leaves, checkpoints and public keys so that another state can run the same checks
without access to this node (``repatria.ledger.bundle``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repatria.domain.access import Action
from repatria.errors import InvalidInput
from repatria.ledger import log
from repatria.ledger.bundle import Bundle, BundleReport, check_checkpoints
from repatria.ledger.checkpoint import Checkpoint
from repatria.ledger.cosignature import Cosignature, CosignatureVerifier
from repatria.ledger.entry import commitment, parse_leaf
from repatria.ledger.note import SignedNote
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.keys import log_verifiers, public_keys
from repatria.service.ledger.append import canonical_event
from repatria.service.ledger.checkpoints import note_hash, with_cosignatures
from repatria.service.ledger.facts import check_facts
from repatria.service.node import Node
from repatria.service.node_keys import origin_of
from repatria.store.ledger_tables import (
    CheckpointRow,
    CosignatureRow,
    LedgerNonceRow,
    PeerRow,
    SqlLogStorage,
)
from repatria.store.tables import EventRow


def verify_node_log(node: Node) -> BundleReport:
    """Check this node's log end to end (``repatria ledger verify``).

    Rehashes every leaf and compares every stored subtree hash and the head (``log.recompute``
    with ``audit``), opens every leaf's commitment against its event row and nonce (so an
    edited event is caught too), requires every event row to be a leaf (so an inserted one is
    caught), replays the facts the node decides from against the log (``facts``), checks that every stored checkpoint is signed by one of the
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
        report.problems.extend(check_facts(session))
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
            cosigned = with_cosignatures(session, row)
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
    _check_every_event_logged(session, set(ids), report)
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


def _check_every_event_logged(session: Session, logged: set[int], report: BundleReport) -> None:
    """Every event row must be a leaf: a row written beside the log (an insider's INSERT into
    ``events``) would otherwise pass for a recorded decision. Named by id, first ones first."""
    unlogged = [
        i for i in session.scalars(select(EventRow.id).order_by(EventRow.id)) if i not in logged
    ]
    if unlogged:
        shown = ", ".join(str(i) for i in unlogged[:10])
        more = f" and {len(unlogged) - 10} more" if len(unlogged) > 10 else ""
        report.problems.append(
            f"{len(unlogged)} event row(s) have no leaf in the log (never recorded through it):"
            f" event {shown}{more}"
        )


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


def export_bundle(node: Node, actor: Actor) -> Bundle:
    """Leaves, checkpoints with cosignatures, the node's public keys and its witnesses' keys.

    Every leaf names an event's kind and time: the shape of all the node's work, so only an
    auditor or a node administrator takes it out (least privilege; issue 13.5).
    """
    authorize(node, actor, Action.LEDGER_EXPORT,
              refusal="only an auditor or a node administrator may export the whole log")  # fmt: skip
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
        notes = tuple(with_cosignatures(session, r) for r in rows)
        witnesses = tuple(p.witness_vkey for p in session.scalars(select(PeerRow)).all())
    return Bundle(
        origin=keys.origin,
        leaves=tuple(leaves),
        checkpoints=notes,
        keys=tuple(
            {k: v for k, v in key.items() if k in ("vkey", "purpose", "created_at", "retired_at")}
            for key in (k.to_dict() for k in keys.keys if k.vkey is not None)
        ),
        witnesses=witnesses,
    )
