"""Witnessing: this node cosigns its peers' checkpoints and they cosign its own.

A witness keeps, per origin, the largest checkpoint it cosigned and cosigns a new one only with
a consistency proof from it (C2SP tlog-witness), so a log cannot roll back or fork without a
witness noticing. Gossip compares what each witness has seen (reliability.md R4): two signed
roots for one size are a split view, proof of misbehaviour by themselves.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from repatria.adapters.peer_client import PeerClient
from repatria.domain.access import Action
from repatria.domain.event import EventKind
from repatria.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PeerUnavailable,
    VerificationFailed,
)
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint, verify_note
from repatria.ledger.cosignature import Cosignature, CosignatureVerifier
from repatria.ledger.note import Ed25519Verifier, SignedNote, open_note
from repatria.ledger.witness import find_forks
from repatria.ledger.witnessing import (
    Refusal,
    RefusalReason,
    add_checkpoint,
    format_add_checkpoint,
    parse_add_checkpoint,
)
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.keys import witness_signer
from repatria.service.ledger.checkpoints import accept_cosignatures, checkpoint_now
from repatria.service.ledger.proofs import consistency_proof
from repatria.service.node import Node
from repatria.store.ledger_tables import (
    AlarmRow,
    PeerRow,
    SeenCheckpointRow,
    SqlWitnessStore,
    WitnessStateRow,
)

_PEER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True, slots=True)
class PeerView:
    """A ledger peer: where it is, its log and witness keys, and how far we witnessed it."""

    name: str
    url: str
    origin: str
    log_vkey: str
    witness_vkey: str
    witnessed_size: int | None
    witnessed_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # the fields, in order, are the JSON the API and CLI have shown


@dataclass(frozen=True, slots=True)
class WitnessRound:
    """One pull of a peer's checkpoint (c2sp.org/tlog-witness): cosigned and pushed, or refused.

    A refusal carries why the witness refused (``RefusalReason``; the shells show its
    tlog-witness status) and the alarm it raised if the peer's log forked or went back
    (reliability.md R4).
    """

    peer: str
    origin: str
    size: int
    cosigned: bool
    refusal: RefusalReason | None = None
    reason: str = ""
    alarm: int | None = None
    pushed: bool = False
    push_status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"peer": self.peer, "origin": self.origin, "size": self.size}
        if not self.cosigned:
            return result | {
                "cosigned": False,
                "refusal": self.refusal,
                "reason": self.reason,
                "alarm": self.alarm,
            }
        return result | {"cosigned": True, "pushed": self.pushed, "push_status": self.push_status}


@dataclass(frozen=True, slots=True)
class GossipRound:
    """One gossip round with a peer: checkpoints kept, dropped, and alarms raised (R4)."""

    peer: str
    fetched: int
    rejected: int
    alarms: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "peer": self.peer,
            "fetched": self.fetched,
            "rejected": self.rejected,
            "alarms": list(self.alarms),
        }


@dataclass(frozen=True, slots=True)
class Publication:
    """How one peer answered our pushed checkpoint: HTTP status (None if unreachable)."""

    peer: str
    status: int | None
    cosignatures: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # the fields, in order, are the JSON the API and CLI have shown


def add_peer(
    node: Node, actor: Actor, name: str, url: str, log_vkey: str, witness_vkey: str
) -> PeerView:
    """Configure a peer whose log we witness and whose witness cosigns ours (node admin)."""
    authorize(
        node, actor, Action.LEDGER_PEERS, refusal="only a node-admin may configure ledger peers"
    )
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
        record_event(
            session,
            actor=actor.username,
            action=EventKind.LEDGER_PEER_ADDED,
            why=f"witness peer {name}",
            details={"peer": name, "url": row.url, "origin": row.origin},
        )
        session.flush()
        return _peer_view(row, None)


def peers(node: Node) -> list[PeerView]:
    with node.transaction() as session:
        states = {s.origin: s for s in session.scalars(select(WitnessStateRow))}
        return [
            _peer_view(p, states.get(p.origin))
            for p in session.scalars(select(PeerRow).order_by(PeerRow.name))
        ]


def _peer_view(row: PeerRow, state: WitnessStateRow | None) -> PeerView:
    return PeerView(
        name=row.name,
        url=row.url,
        origin=row.origin,
        log_vkey=row.log_vkey,
        witness_vkey=row.witness_vkey,
        witnessed_size=state.size if state else None,
        witnessed_at=state.updated_at.isoformat() if state else None,
    )


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


def witness_peer(node: Node, name: str) -> WitnessRound:
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
        if isinstance(outcome, Refusal):
            return WitnessRound(
                name,
                origin,
                checkpoint.size,
                cosigned=False,
                refusal=outcome.reason,
                reason=outcome.message,
                alarm=outcome.alarm_id,
            )
        opened = open_note(note, [Ed25519Verifier.from_vkey(vkey)])
        cosigned = SignedNote(opened.note.text, opened.verified).with_signatures(
            outcome.to_note_signature()
        )
        answer = client.push_cosignatures(cosigned.to_text())
        return WitnessRound(
            name,
            origin,
            checkpoint.size,
            cosigned=True,
            pushed=answer.accepted,
            push_status=answer.status,
        )
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


def gossip_with(node: Node, name: str) -> GossipRound:
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
    fetched_count, rejected, raised = 0, 0, []
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
                    rejected += 1
                    continue
                if signed.checkpoint.origin != origin:
                    rejected += 1
                    continue
                store.record_seen(signed)
                fetched_count += 1
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
                raised.append(store.add_alarm(alarm))
    return GossipRound(name, fetched_count, rejected, tuple(raised))


def publish_checkpoint(node: Node) -> list[Publication]:
    """Sign the current checkpoint and ask every peer to witness it (push, tlog-witness)."""
    signed = checkpoint_now(node)
    with node.transaction() as session:
        targets = [(p.name, p.url) for p in session.scalars(select(PeerRow).order_by(PeerRow.name))]
    return [publish_to(node, signed, name, url) for name, url in targets]


def publish_to(node: Node, signed: SignedCheckpoint, name: str, url: str) -> Publication:
    """Ask peer ``name`` at ``url`` to cosign ``signed`` (tlog-witness add-checkpoint): from
    the size it says it holds, with a consistency proof; keep the cosignatures it returns.
    An unreachable peer is a ``Publication`` with no status, not an exception."""
    client = PeerClient(url, timeout=node.settings.peer_timeout_seconds)
    try:
        old = 0
        for _ in range(2):
            proof = consistency_proof(node, old, signed.checkpoint.size) if old else []
            answer = client.add_checkpoint(format_add_checkpoint(old, proof, signed.note))
            if answer.stored_size is not None:
                old = answer.stored_size
                continue
            break
        kept = 0
        if answer.accepted:
            cosigned = SignedNote.from_text(signed.note).with_signatures(
                *SignedNote.from_text(signed.note.rstrip("\n") + "\n" + answer.text).signatures
            )
            kept = accept_cosignatures(node, cosigned.to_text())
        reason = "" if answer.accepted else answer.text[:300]
        return Publication(name, answer.status, kept, reason)
    except PeerUnavailable as exc:
        return Publication(name, None, 0, exc.message)
    finally:
        client.close()
