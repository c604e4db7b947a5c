"""The self-audit before signing (ledger/audit.py): same answer as a full recomputation, a
cost that does not grow with the log, and every damaged row found (reliability.md R3).

The log here is ``log.append`` on a storage held in memory (the SQL one is tested through
``checkpoint_now`` in test_log_store.py), so Hypothesis can build thousands of logs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.errors import NotFound
from repatria.ledger import audit, log
from repatria.ledger.entry import EventRecord
from repatria.ledger.log import LogHead, StoredLeaf
from repatria.ledger.merkle import EMPTY_ROOT
from repatria.ledger.subtree import Subtree, SubtreeHash, complete_subtrees
from tests.ledger.merkle_reference import mth as root_hash


@dataclass
class MemoryLog:
    """``log.LogStorage`` in memory: the same rows the SQL adapter keeps."""

    head: LogHead = field(default_factory=lambda: LogHead(0, EMPTY_ROOT))
    rows: dict[int, StoredLeaf] = field(default_factory=dict)
    hashes: dict[tuple[int, int], bytes] = field(default_factory=dict)

    def lock_head(self) -> LogHead:
        return self.head

    def read_head(self) -> LogHead:
        return self.head

    def write_head(self, head: LogHead) -> None:
        self.head = head

    def insert(self, leaves: Sequence[StoredLeaf], hashes: Sequence[SubtreeHash]) -> None:
        self.rows.update({leaf.index: leaf for leaf in leaves})
        self.hashes.update({(h.level, h.index): h.hash for h in hashes})

    def leaves(self, start: int, end: int) -> list[StoredLeaf]:
        return [self.rows[i] for i in sorted(self.rows) if start <= i < end]

    def hashes_completed_in(self, start: int, end: int) -> list[SubtreeHash]:
        return [
            SubtreeHash(level, index, value)
            for (level, index), value in self.hashes.items()
            if start <= ((index + 1) << level) - 1 < end
        ]

    def counts(self) -> tuple[int, int, int, int]:
        low, high = (min(self.rows), max(self.rows)) if self.rows else (-1, -1)
        return len(self.rows), low, high, len(self.hashes)

    def subtree_hashes(self, subtrees: Sequence[Subtree]) -> list[bytes]:
        try:
            return [self.hashes[(s.level, s.index)] for s in subtrees]
        except KeyError as missing:
            raise NotFound(f"stored hash of subtree {missing} is missing") from None

    def grow(self, count: int) -> None:
        first = self.head.size
        records = [
            EventRecord("test.event", first + i + 1, 1_700_000_000, bytes(32)) for i in range(count)
        ]
        log.append(self, records)

    def data(self) -> list[bytes]:
        return [self.rows[i].data for i in sorted(self.rows)]


def sign(storage: MemoryLog, base: audit.AuditBase, sweep_from: int, width: int) -> audit.Audit:
    return audit.audit_since(storage, base, storage.head, sweep_from, width)


batches = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(batches, st.integers(min_value=1, max_value=50))
def test_the_audit_gives_the_root_of_every_leaf_and_sweeps_in_a_cycle(
    sizes: list[int], width: int
) -> None:
    """Checkpoints after each batch, each audited from the one before: the root is the
    RFC 6962 MTH of all leaves, nothing is reported, and the sweep walks [0, m) in order."""
    storage = MemoryLog()
    base, sweep = audit.NO_BASE, 0
    for count in sizes:
        storage.grow(count)
        found = sign(storage, base, sweep, width)
        assert found.problems == []
        assert found.root == root_hash(storage.data()) == storage.head.root
        if base.size:
            start = sweep if sweep < base.size else 0
            assert found.next_sweep == (start + width if start + width < base.size else 0)
        base, sweep = audit.AuditBase(storage.head.size, found.root), found.next_sweep


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.integers(min_value=0, max_value=30))
def test_an_audit_reads_the_new_leaves_and_the_sweep_only(size: int, new: int) -> None:
    """Issue 14.1: the cost of an audit is the leaves since the last checkpoint plus a fixed
    sweep, at any size of the log (counted in leaves read, not time)."""
    storage = MemoryLog()
    storage.grow(size)
    base = audit.AuditBase(size, storage.head.root)
    storage.grow(new)
    found = sign(storage, base, 0, audit.SWEEP)
    assert found.problems == []
    assert found.leaves_read == new + min(audit.SWEEP, size)


def _flip(value: bytes, bit: int) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=2, max_value=200),
    st.integers(min_value=0, max_value=20),
    st.data(),
)
def test_a_damaged_row_is_never_signed_over_and_is_found_within_a_sweep_cycle(
    size: int, new: int, data: st.DataObject
) -> None:
    """R3: one stored hash or leaf flipped after a checkpoint at ``size``. Each later audit
    either refuses, or gives the root of the leaves as they were appended; one refuses
    within ⌈size / W⌉ + 1 audits, and the first one does when the flipped row is on the
    signed edge or among the new rows."""
    width = data.draw(st.integers(min_value=1, max_value=64), label="sweep width")
    storage = MemoryLog()
    storage.grow(size)
    base = audit.AuditBase(size, storage.head.root)
    storage.grow(new)
    honest = root_hash(storage.data())
    target = data.draw(st.sampled_from(["hash", "leaf"]), label="what is flipped")
    if target == "hash":
        key = data.draw(st.sampled_from(sorted(storage.hashes)), label="subtree")
        storage.hashes[key] = _flip(storage.hashes[key], data.draw(st.integers(0, 7)))
        first_leaf = key[1] << key[0]
        on_signed_path = first_leaf >= size or key in {
            (s.level, s.index) for s in complete_subtrees(0, size)
        }
    else:
        index = data.draw(st.integers(min_value=0, max_value=size + new - 1), label="leaf")
        old = storage.rows[index]
        storage.rows[index] = StoredLeaf(index, _flip(old.data, 2), old.event_id)
        on_signed_path = index >= size
    sweep = data.draw(st.integers(min_value=0, max_value=size - 1), label="sweep start")
    attempts = math.ceil(size / width) + 1
    for _ in range(attempts):
        found = sign(storage, base, sweep, width)
        if found.problems:
            break
        assert not on_signed_path, "a damaged row the signature depends on passed the audit"
        assert found.root == honest
        sweep = found.next_sweep
    else:
        pytest.fail(f"the damage was not found in {attempts} audits of width {width}")


def test_a_head_behind_the_signed_checkpoint_is_refused() -> None:
    storage = MemoryLog()
    storage.grow(10)
    base = audit.AuditBase(10, storage.head.root)
    storage.head = LogHead(7, storage.head.root)
    found = sign(storage, base, 0, 4)
    assert found.problems and "lost leaves" in found.problems[0]


def test_a_leaf_stored_beyond_the_head_is_refused() -> None:
    storage = MemoryLog()
    storage.grow(10)
    base = audit.AuditBase(10, storage.head.root)
    stray = storage.rows[9]
    storage.rows[10] = StoredLeaf(10, stray.data, None)
    found = sign(storage, base, 0, 4)
    assert found.problems == ["leaf 10 is stored beyond the head's size 10"]


def test_a_base_whose_root_the_edge_does_not_give_is_refused() -> None:
    """A checkpoint row that says another root than the tree's is not a base to extend."""
    storage = MemoryLog()
    storage.grow(12)
    found = sign(storage, audit.AuditBase(12, bytes(32)), 0, 4)
    assert found.problems and "does not fold to the root this node signed" in found.problems[0]
