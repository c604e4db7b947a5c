"""Tables of the ledger (docs/ledger.md) and the one SQL adapter the log runs on.

The log never rewrites a leaf: leaves and subtree hashes are only ever INSERTed, under a
primary key on the leaf index and on (level, position), so a second writer that lost a race
fails on the key instead of forking the log (reliability.md R8). The head row is the one
row that changes; appenders lock it first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
already holds the write lock from ``BEGIN IMMEDIATE``). Every column of the log's tables
is checked by ``repatria ledger verify`` (R2): none is free-form.

Checkpoints are keyed by the SHA-256 of their signed note, so a stored checkpoint's identity
is its content. Witness tables keep what this node saw of its peers' logs and the alarms
raised about them; alarms are never deleted, only marked cleared by an operator.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    Select,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from repatria.errors import NotFound
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint
from repatria.ledger.log import LogHead, StoredLeaf
from repatria.ledger.merkle import EMPTY_ROOT
from repatria.ledger.note import SignedNote
from repatria.ledger.subtree import Subtree, SubtreeHash
from repatria.ledger.witness import Alarm
from repatria.store.base import Base, JSONDocument, utcnow

HEAD_ID = 1


class LedgerHeadRow(Base):
    """The log's size and root after the last committed batch: the row appenders lock."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerSweepRow(Base):
    """Where the self-audit's sweep of old leaves resumes (``ledger.audit``): one row.

    Operational state, not a fact: the log's verification does not cover it, because a
    change to it only changes which old leaves the next audit re-checks, and ``repatria
    ledger verify`` re-checks them all.
    """

    __tablename__ = "ledger_sweep"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_leaf: Mapped[int] = mapped_column(BigInteger)


class LedgerLeafRow(Base):
    """One leaf: the RFC 8785 canonical record of one event (hashes and ids only)."""

    __tablename__ = "ledger_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id"), nullable=True, unique=True
    )


class LedgerHashRow(Base):
    """The hash of the complete subtree of 2^level leaves starting at position * 2^level."""

    __tablename__ = "ledger_hashes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerNonceRow(Base):
    """The random nonce of an event's commitment, kept out of the leaf (docs/ledger.md)."""

    __tablename__ = "ledger_nonces"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    """A checkpoint this node signed, as the signed note (C2SP tlog-checkpoint)."""

    __tablename__ = "ledger_checkpoints"

    note_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)


class CosignatureRow(Base):
    """A peer witness's cosignature of one of our checkpoints (C2SP tlog-cosignature)."""

    __tablename__ = "ledger_cosignatures"

    note_hash: Mapped[str] = mapped_column(
        ForeignKey("ledger_checkpoints.note_hash"), primary_key=True
    )
    key_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class PeerRow(Base):
    """A peer node whose log we witness and whose witness cosigns ours."""

    __tablename__ = "ledger_peers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    log_vkey: Mapped[str] = mapped_column(Text)
    witness_vkey: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64))


class PeerRoundRow(Base):
    """How the scheduled witnessing rounds with one peer went (``service.ledger.schedule``):
    operational state shown on the admin page, not a fact of the log (the cosignatures a round
    brings back are kept with their checkpoints)."""

    __tablename__ = "ledger_peer_rounds"

    peer: Mapped[str] = mapped_column(ForeignKey("ledger_peers.name"), primary_key=True)
    last_attempt_at: Mapped[datetime]
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    cosigned_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class WitnessStateRow(Base):
    """The latest checkpoint this node cosigned for a peer's origin (C2SP tlog-witness)."""

    __tablename__ = "witness_state"

    origin: Mapped[str] = mapped_column(String(200), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeenCheckpointRow(Base):
    """Every distinct signed checkpoint seen from a peer, kept as evidence."""

    __tablename__ = "witness_seen"
    __table_args__ = (
        UniqueConstraint("origin", "note_hash", name="uq_witness_seen_origin_note_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), index=True)
    note_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlarmRow(Base):
    """A fork, rollback or failed self-audit; open until an operator clears it."""

    __tablename__ = "ledger_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    previous_note: Mapped[str] = mapped_column(Text, default="")
    new_note: Mapped[str] = mapped_column(Text, default="")
    proof: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    clear_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


def _table(model: type[Base]) -> Table:
    """The Core table of a model: bulk INSERTs through Core skip the ORM's bookkeeping."""
    return cast(Table, model.__table__)


_HASHES = LedgerHashRow.__table__.c


_HEAD = _table(LedgerHeadRow).c
_READ_HEAD = select(_HEAD.size, _HEAD.root).where(_HEAD.id == HEAD_ID)
_WRITE_HEAD = (
    update(_table(LedgerHeadRow))
    .where(_HEAD.id == HEAD_ID)
    .values(size=bindparam("size"), root=bindparam("root"))
)
MAX_PAIRS = 64
"""Up to this many subtrees are read by their ``(level, position)`` pairs, one bound value
each (a proof needs about 2·log2(n)); more by one IN list per level. Expanding IN lists
cost more to bind than SQLite takes to answer, and an OR of many more terms would pass
SQLite's expression depth limit (1,000)."""


@functools.cache
def _positions(pairs: int) -> Select[Any]:
    """Hash rows at ``(l<i>, p<i>)`` for ``pairs`` pairs, built once per count."""
    return select(_HASHES.level, _HASHES.position, _HASHES.hash).where(
        or_(
            *(
                (_HASHES.level == bindparam(f"l{i}")) & (_HASHES.position == bindparam(f"p{i}"))
                for i in range(pairs)
            )
        )
    )


@functools.cache
def _positions_at_levels(levels: int) -> Select[Any]:
    """Hash rows at positions ``p<i>`` of level ``l<i>``, for ``levels`` levels: built once
    per count and reused (building the expression costs more than SQLite's answer). One IN
    list per level, so SQLite and PostgreSQL both use the (level, position) primary key; a
    row-value IN over both columns makes SQLite scan the table."""
    return select(_HASHES.level, _HASHES.position, _HASHES.hash).where(
        or_(
            *(
                (_HASHES.level == bindparam(f"l{i}"))
                & _HASHES.position.in_(bindparam(f"p{i}", expanding=True))
                for i in range(levels)
            )
        )
    )


@functools.cache
def _ranges_at_levels(levels: int) -> Select[Any]:
    """Hash rows at positions ``lo<i>``..``hi<i>`` of level ``l<i>``, built once per count."""
    return select(_HASHES.level, _HASHES.position, _HASHES.hash).where(
        or_(
            *(
                (_HASHES.level == bindparam(f"l{i}"))
                & (_HASHES.position >= bindparam(f"lo{i}"))
                & (_HASHES.position <= bindparam(f"hi{i}"))
                for i in range(levels)
            )
        )
    )


class SqlLogStorage:
    """``repatria.ledger.log.LogStorage`` on one SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_head(self) -> LogHead:
        """Lock the head row (creating it at size 0 the first time) and return it."""
        dialect = self.session.get_bind().dialect.name
        values = {"id": HEAD_ID, "size": 0, "root": EMPTY_ROOT}
        if dialect == "postgresql":
            self.session.execute(
                postgresql.insert(LedgerHeadRow).values(values).on_conflict_do_nothing()
            )
        else:
            self.session.execute(
                sqlite.insert(LedgerHeadRow).values(values).on_conflict_do_nothing()
            )
        row = self.session.execute(
            select(LedgerHeadRow.size, LedgerHeadRow.root)
            .where(LedgerHeadRow.id == HEAD_ID)
            .with_for_update()
        ).one()
        return LogHead(row.size, row.root)

    def read_head(self) -> LogHead:
        # On the transaction's connection, as every read of the log's own tables here: those
        # tables are written through Core only, so the ORM's autoflush has nothing to add,
        # and skipping it halves the cost of a proof (issue 14.6).
        row = self.session.connection().execute(_READ_HEAD).one_or_none()
        return LogHead(0, EMPTY_ROOT) if row is None else LogHead(row.size, row.root)

    def write_head(self, head: LogHead) -> None:
        self.session.connection().execute(_WRITE_HEAD, {"size": head.size, "root": head.root})

    def insert(self, leaves: Sequence[StoredLeaf], hashes: Sequence[SubtreeHash]) -> None:
        if leaves:
            self.session.connection().execute(
                insert(_table(LedgerLeafRow)),
                [{"leaf_index": x.index, "data": x.data, "event_id": x.event_id} for x in leaves],
            )
        if hashes:
            self.session.connection().execute(
                insert(_table(LedgerHashRow)),
                [{"level": h.level, "position": h.index, "hash": h.hash} for h in hashes],
            )

    def sweep_from(self) -> int:
        """The leaf the next sweep starts at (0 before the first)."""
        found = self.session.scalar(
            select(LedgerSweepRow.next_leaf).where(LedgerSweepRow.id == HEAD_ID)
        )
        return 0 if found is None else found

    def save_sweep(self, next_leaf: int) -> None:
        row = self.session.get(LedgerSweepRow, HEAD_ID)
        if row is None:
            self.session.add(LedgerSweepRow(id=HEAD_ID, next_leaf=next_leaf))
        else:
            row.next_leaf = next_leaf

    def subtree_hashes(self, subtrees: Sequence[Subtree]) -> list[bytes]:
        """One query for all asked subtrees (``TreeHashSource``); ``NotFound`` if one is absent."""
        if not subtrees:
            return []
        wanted = sorted({(subtree.level, subtree.index) for subtree in subtrees})
        params: dict[str, Any] = {}
        if len(wanted) <= MAX_PAIRS:
            for i, (level, position) in enumerate(wanted):
                params[f"l{i}"], params[f"p{i}"] = level, position
            statement = _positions(len(wanted))
        else:
            by_level: dict[int, list[int]] = {}
            for level, position in wanted:
                by_level.setdefault(level, []).append(position)
            for i, (level, positions) in enumerate(sorted(by_level.items())):
                params[f"l{i}"], params[f"p{i}"] = level, positions
            statement = _positions_at_levels(len(by_level))
        rows = self.session.connection().execute(statement, params).all()
        found = {(r.level, r.position): r.hash for r in rows}
        result = []
        for s in subtrees:
            value = found.get((s.level, s.index))
            if value is None:
                raise NotFound(
                    f"stored hash of subtree ({s.level}, {s.index}) covering leaves "
                    f"[{s.start}, {s.end}) is missing",
                    where="ledger_hashes",
                )
            result.append(value)
        return result

    def leaves(self, start: int, end: int) -> list[StoredLeaf]:
        rows = (
            self.session.connection()
            .execute(
                select(LedgerLeafRow.leaf_index, LedgerLeafRow.data, LedgerLeafRow.event_id)
                .where(LedgerLeafRow.leaf_index >= start, LedgerLeafRow.leaf_index < end)
                .order_by(LedgerLeafRow.leaf_index)
            )
            .all()
        )
        return [StoredLeaf(r.leaf_index, r.data, r.event_id) for r in rows]

    def hashes_completed_in(self, start: int, end: int) -> list[SubtreeHash]:
        """Stored rows whose subtree's last leaf is in [start, end): what leaves start..end-1 completed."""
        params: dict[str, Any] = {}
        for level in range(max(end, 1).bit_length() + 1):
            low = (start + 1 + (1 << level) - 1) >> level  # ceil((start + 1) / 2^level)
            high = end >> level  # floor(end / 2^level)
            if low <= high:
                i = len(params) // 3
                params |= {f"l{i}": level, f"lo{i}": low - 1, f"hi{i}": high - 1}
        if not params:
            return []
        rows = self.session.connection().execute(_ranges_at_levels(len(params) // 3), params).all()
        return [SubtreeHash(r.level, r.position, r.hash) for r in rows]

    def counts(self) -> tuple[int, int, int, int]:
        """Leaf rows, smallest and largest leaf index, and subtree hash rows."""
        leaves = self.session.execute(
            select(
                func.count(),
                func.min(LedgerLeafRow.leaf_index),
                func.max(LedgerLeafRow.leaf_index),
            ).select_from(LedgerLeafRow)
        ).one()
        hashes = self.session.scalar(select(func.count()).select_from(LedgerHashRow)) or 0
        low: int | None = leaves[1]  # NULL on an empty table
        high: int | None = leaves[2]
        return (int(leaves[0]), -1 if low is None else low, -1 if high is None else high, hashes)


class SqlWitnessStore:
    """``repatria.ledger.witnessing.WitnessStore`` on one session: one locked row per origin."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_state(self, origin: str) -> SignedCheckpoint | None:
        row = self.session.scalar(
            select(WitnessStateRow).where(WitnessStateRow.origin == origin).with_for_update()
        )
        if row is None:
            return None
        return SignedCheckpoint(Checkpoint.from_text(SignedNote.from_text(row.note).text), row.note)

    def save_state(self, signed: SignedCheckpoint) -> None:
        cp = signed.checkpoint
        row = self.session.get(WitnessStateRow, cp.origin)
        if row is None:
            self.session.add(
                WitnessStateRow(origin=cp.origin, size=cp.size, root=cp.root_hash, note=signed.note)
            )
        else:
            row.size, row.root, row.note, row.updated_at = (
                cp.size,
                cp.root_hash,
                signed.note,
                utcnow(),
            )
        self.session.flush()

    def record_seen(self, signed: SignedCheckpoint) -> None:
        cp = signed.checkpoint
        digest = hashlib.sha256(signed.note.encode("utf-8")).hexdigest()
        exists = self.session.scalar(
            select(SeenCheckpointRow.id).where(
                SeenCheckpointRow.origin == cp.origin, SeenCheckpointRow.note_hash == digest
            )
        )
        if exists is None:
            self.session.add(
                SeenCheckpointRow(
                    origin=cp.origin,
                    note_hash=digest,
                    size=cp.size,
                    root=cp.root_hash,
                    note=signed.note,
                )
            )
            self.session.flush()

    def open_alarm(self, origin: str) -> int | None:
        return self.session.scalar(
            select(AlarmRow.id)
            .where(AlarmRow.origin == origin, AlarmRow.cleared_at.is_(None))
            .order_by(AlarmRow.id)
            .limit(1)
        )

    def add_alarm(self, alarm: Alarm) -> int:
        row = AlarmRow(
            origin=alarm.origin,
            kind=alarm.kind.value,
            reason=alarm.reason,
            previous_note=alarm.previous_note,
            new_note=alarm.new_note,
            proof={"hashes": [h.hex() for h in alarm.proof]},
        )
        self.session.add(row)
        self.session.flush()
        return row.id
