"""The log's pure core: a batch of leaves pushed level by level equals one leaf at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from repatria.ledger.log import StoredLeaf, fold_edge, push_leaf, push_leaves
from repatria.ledger.merkle import leaf_hash
from repatria.ledger.subtree import SubtreeHash
from tests.ledger.merkle_reference import mth


def _leaves(start: int, count: int) -> list[StoredLeaf]:
    return [StoredLeaf(i, b"leaf %d" % i, None) for i in range(start, start + count)]


def _one_by_one(stack: list[SubtreeHash], leaves: list[StoredLeaf]) -> list[SubtreeHash]:
    completed: list[SubtreeHash] = []
    for leaf in leaves:
        push_leaf(stack, completed, leaf_hash(leaf.data), leaf.index)
    return completed


@given(before=st.integers(0, 300), added=st.integers(0, 300))
def test_a_batch_pushed_level_by_level_is_the_leaves_pushed_one_by_one(
    before: int, added: int
) -> None:
    stored = _leaves(0, before)
    one, batch = [], []
    _one_by_one(one, stored)
    _one_by_one(batch, stored)
    new = _leaves(before, added)
    expected = _one_by_one(one, new)
    completed: list[SubtreeHash] = []
    push_leaves(batch, completed, new)
    assert batch == one, "the same right edge"
    key = lambda h: (h.level, h.index)
    assert sorted(completed, key=key) == sorted(expected, key=key), "the same new hashes"
    for level in {h.level for h in completed}:
        positions = [h.index for h in completed if h.level == level]
        assert positions == sorted(positions), f"level {level} in order of position"
    everything = [leaf.data for leaf in stored + new]
    assert fold_edge(batch) == mth(everything)  # RFC 9162 §2.1.1, written as the RFC does
