"""Tables of the ledger (docs/ledger.md) and the one SQL adapter the log runs on.

The log never rewrites a leaf or a hash: leaves are only ever INSERTed, under a primary key
on the leaf index, so a second writer that lost a race fails on the key instead of forking
the log (reliability.md R8). Subtree hashes are kept in tiles: the hashes of up to
``TILE_WIDTH`` consecutive complete subtrees of one level in one row, as C2SP tlog-tiles
groups them (but with every level kept, so no proof recomputes a hash). A tile only grows:
a new one is INSERTed under its (level, tile) key, a partial one is extended by an UPDATE
that names the length it had, so nothing stored is ever changed and a writer that lost a
race touches no row. The head row is the one row that changes; appenders lock it first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite already holds the write lock from
``BEGIN IMMEDIATE``). Every column of the log's tables
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
from itertools import groupby
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
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

from repatria.errors import NotFound, VerificationFailed
from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint
from repatria.ledger.log import LogHead, StoredLeaf
from repatria.ledger.merkle import EMPTY_ROOT, HASH_SIZE
from repatria.ledger.note import SignedNote
from repatria.ledger.subtree import Subtree, SubtreeHash
from repatria.ledger.witness import Alarm
from repatria.store.base import Base, Blob, JSONDocument, utcnow

HEAD_ID = 1


class LedgerHeadRow(Base):
    """The log's size and root after the last committed batch: the row appenders lock."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(Blob(32))


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

    # INTEGER on SQLite, so the key is the rowid itself and not a second b-tree beside it
    leaf_index: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    data: Mapped[bytes] = mapped_column(Blob)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id"), nullable=True, unique=True
    )


TILE_WIDTH = 256
"""Subtree hashes per tile (C2SP tlog-tiles' width): a batch of a thousand leaves writes a
few dozen rows of hashes instead of two thousand, and a proof still reads one row a level."""


class LedgerTileRow(Base):
    """The hashes of the complete subtrees of 2^level leaves at positions tile * TILE_WIDTH
    onwards, 32 bytes each, in order; the last tile of a level may be partial and grows."""

    __tablename__ = "ledger_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    tile: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(Blob)


class LedgerNonceRow(Base):
    """The random nonce of an event's commitment, kept out of the leaf (docs/ledger.md)."""

    __tablename__ = "ledger_nonces"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(Blob(32))


class CheckpointRow(Base):
    """A checkpoint this node signed, as the signed note (C2SP tlog-checkpoint)."""

    __tablename__ = "ledger_checkpoints"

    note_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(Blob(32))
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
    signature: Mapped[bytes] = mapped_column(Blob(64))


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
    root: Mapped[bytes] = mapped_column(Blob(32))
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
    root: Mapped[bytes] = mapped_column(Blob(32))
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


_TILES = _table(LedgerTileRow).c


_HEAD = _table(LedgerHeadRow).c
_READ_HEAD = select(_HEAD.size, _HEAD.root).where(_HEAD.id == HEAD_ID)
_WRITE_HEAD = (
    update(_table(LedgerHeadRow))
    .where(_HEAD.id == HEAD_ID)
    .values(size=bindparam("size"), root=bindparam("root"))
)
_NEW_TILES = insert(_table(LedgerTileRow))
_GROW_TILE = (
    update(_table(LedgerTileRow))
    .where(
        _TILES.level == bindparam("at_level"),
        _TILES.tile == bindparam("at_tile"),
        func.length(_TILES.hashes) == bindparam("had"),
    )
    .values(hashes=bindparam("grown"))
)
"""Extends a partial tile only if it still has the length it was read with: what was stored
stays as it was, and a concurrent writer's change makes the update touch no row."""
MAX_PAIRS = 64
"""Up to this many tiles are read by their ``(level, tile)`` pairs, one bound value each (a
proof needs about 2·log2(n)); more by one IN list per level. Expanding IN lists cost more
to bind than SQLite takes to answer, and an OR of many more terms would pass SQLite's
expression depth limit (1,000)."""


@functools.cache
def _tiles_at(pairs: int) -> Select[Any]:
    """Tiles at ``(l<i>, t<i>)`` for ``pairs`` pairs, built once per count."""
    return select(_TILES.level, _TILES.tile, _TILES.hashes).where(
        or_(
            *(
                (_TILES.level == bindparam(f"l{i}")) & (_TILES.tile == bindparam(f"t{i}"))
                for i in range(pairs)
            )
        )
    )


@functools.cache
def _tiles_at_levels(levels: int) -> Select[Any]:
    """Tiles ``t<i>`` of level ``l<i>``, for ``levels`` levels: built once per count and reused
    (building the expression costs more than SQLite's answer). One IN list per level, so
    SQLite and PostgreSQL both use the (level, tile) primary key; a row-value IN over both
    columns makes SQLite scan the table."""
    return select(_TILES.level, _TILES.tile, _TILES.hashes).where(
        or_(
            *(
                (_TILES.level == bindparam(f"l{i}"))
                & _TILES.tile.in_(bindparam(f"t{i}", expanding=True))
                for i in range(levels)
            )
        )
    )


@functools.cache
def _tile_ranges_at_levels(levels: int) -> Select[Any]:
    """Tiles ``lo<i>``..``hi<i>`` of level ``l<i>``, built once per count."""
    return select(_TILES.level, _TILES.tile, _TILES.hashes).where(
        or_(
            *(
                (_TILES.level == bindparam(f"l{i}"))
                & (_TILES.tile >= bindparam(f"lo{i}"))
                & (_TILES.tile <= bindparam(f"hi{i}"))
                for i in range(levels)
            )
        )
    )


def _hash_in(tile: bytes | None, position: int) -> bytes | None:
    """The hash at ``position`` of its level from the tile holding it, if stored there."""
    if tile is None:
        return None
    offset = (position % TILE_WIDTH) * HASH_SIZE
    found = tile[offset : offset + HASH_SIZE]
    return found if len(found) == HASH_SIZE else None


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
        connection = self.session.connection()
        if leaves:
            connection.execute(
                insert(_table(LedgerLeafRow)),
                [{"leaf_index": x.index, "data": x.data, "event_id": x.event_id} for x in leaves],
            )
        if hashes:
            self._extend_tiles(hashes)

    def _extend_tiles(self, hashes: Sequence[SubtreeHash]) -> None:
        """Add ``hashes`` (level by level, each in order of position, as ``push_leaves``
        gives them) at the end of their levels' tiles: new tiles are inserted, the partial
        ones they continue are extended, nothing stored is changed. Refuses hashes that do
        not come right after the stored ones."""
        groups = [
            (key, list(run))
            for key, run in groupby(hashes, key=lambda h: (h.level, h.index // TILE_WIDTH))
        ]
        stored = self._tiles([key for key, _ in groups])
        new: list[dict[str, Any]] = []
        grown: list[dict[str, Any]] = []
        for (level, tile), items in groups:
            before = stored.get((level, tile), b"")
            following = tile * TILE_WIDTH + len(before) // HASH_SIZE
            content = before + b"".join([h.hash for h in items])
            if [h.index for h in items] != list(range(following, following + len(items))) or len(
                content
            ) != len(before) + HASH_SIZE * len(items):
                raise VerificationFailed(
                    f"the subtree hashes of level {level} from position {items[0].index} do "
                    f"not follow the stored ones (next is {following}) or are not "
                    f"{HASH_SIZE} bytes each: stored hashes are never rewritten (run "
                    "`repatria ledger verify`)",
                    where="ledger_tiles",
                )
            if before:
                grown.append({"at_level": level, "at_tile": tile, "had": len(before),
                              "grown": content})  # fmt: skip
            else:
                new.append({"level": level, "tile": tile, "hashes": content})
        connection = self.session.connection()
        if new:  # a writer that lost a race fails here, on the (level, tile) key
            connection.execute(_NEW_TILES, new)
        if grown and connection.dialect.supports_sane_multi_rowcount:
            changed = connection.execute(_GROW_TILE, grown).rowcount
        else:
            changed = sum(connection.execute(_GROW_TILE, one).rowcount for one in grown)
        if changed != len(grown):
            raise VerificationFailed(
                f"{len(grown) - changed} partial tile(s) changed while hashes were added to "
                "them; nothing was written",
                where="ledger_tiles",
            )

    def _tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored tiles at ``(level, tile)`` keys, one query; absent ones are left out."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        params: dict[str, Any] = {}
        if len(wanted) <= MAX_PAIRS:
            for i, (level, tile) in enumerate(wanted):
                params[f"l{i}"], params[f"t{i}"] = level, tile
            statement = _tiles_at(len(wanted))
        else:
            by_level: dict[int, list[int]] = {}
            for level, tile in wanted:
                by_level.setdefault(level, []).append(tile)
            for i, (level, tiles) in enumerate(sorted(by_level.items())):
                params[f"l{i}"], params[f"t{i}"] = level, tiles
            statement = _tiles_at_levels(len(by_level))
        rows = self.session.connection().execute(statement, params).all()
        return {(r.level, r.tile): bytes(r.hashes) for r in rows}

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
        tiles = self._tiles([(s.level, s.index // TILE_WIDTH) for s in subtrees])
        result = []
        for s in subtrees:
            value = _hash_in(tiles.get((s.level, s.index // TILE_WIDTH)), s.index)
            if value is None:
                raise NotFound(
                    f"stored hash of subtree ({s.level}, {s.index}) covering leaves "
                    f"[{s.start}, {s.end}) is missing",
                    where="ledger_tiles",
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
        """Stored hashes whose subtree's last leaf is in [start, end): what leaves start..end-1
        completed, in order of level and position."""
        params: dict[str, Any] = {}
        ranges: dict[int, tuple[int, int]] = {}
        for level in range(max(end, 1).bit_length() + 1):
            low = (start + 1 + (1 << level) - 1) >> level  # ceil((start + 1) / 2^level)
            high = end >> level  # floor(end / 2^level)
            if low <= high:
                i = len(ranges)
                ranges[level] = (low - 1, high - 1)
                params |= {f"l{i}": level, f"lo{i}": (low - 1) // TILE_WIDTH,
                           f"hi{i}": (high - 1) // TILE_WIDTH}  # fmt: skip
        if not ranges:
            return []
        rows = self.session.connection().execute(_tile_ranges_at_levels(len(ranges)), params)
        found: list[SubtreeHash] = []
        for row in sorted(rows, key=lambda r: (r.level, r.tile)):
            first, last = ranges[row.level]
            base = row.tile * TILE_WIDTH
            blob = bytes(row.hashes)
            for position in range(max(first, base), min(last, base + TILE_WIDTH - 1) + 1):
                value = _hash_in(blob, position)
                if value is not None:
                    found.append(SubtreeHash(row.level, position, value))
        return found

    def counts(self) -> tuple[int, int, int, int]:
        """Leaf rows, smallest and largest leaf index, and stored subtree hashes."""
        leaves = self.session.execute(
            select(
                func.count(),
                func.min(LedgerLeafRow.leaf_index),
                func.max(LedgerLeafRow.leaf_index),
            ).select_from(LedgerLeafRow)
        ).one()
        stored = self.session.scalar(select(func.sum(func.length(_TILES.hashes)))) or 0
        hashes = -(-int(stored) // HASH_SIZE)  # a tile with stray bytes counts one hash more
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
