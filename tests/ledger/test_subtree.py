"""Proofs from stored subtree hashes: the same answers as from leaf data, in O(log n) reads."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.ledger import merkle
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.subtree import (
    Subtree,
    complete_subtrees,
    consistency_proof_from,
    inclusion_proof_from,
    inclusion_proofs_from,
    root_from,
)
from tests.ledger import merkle_reference as ref


class CountingSource:
    """A ``TreeHashSource`` over a compact range that records every batch it is asked for."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.tree = CompactRange(leaves)
        self.batches: list[list[Subtree]] = []

    def subtree_hashes(self, subtrees: Sequence[Subtree]) -> list[bytes]:
        self.batches.append(list(subtrees))
        return self.tree.subtree_hashes(subtrees)


def _log2_ceil(n: int) -> int:
    return max(1, (n - 1).bit_length())


@pytest.mark.parametrize(
    ("start", "end", "want"),
    [
        (0, 0, []),
        (0, 1, [Subtree(0, 0)]),
        (0, 7, [Subtree(2, 0), Subtree(1, 2), Subtree(0, 6)]),
        (8, 13, [Subtree(2, 2), Subtree(0, 12)]),
        (4, 8, [Subtree(2, 1)]),
    ],
)
def test_complete_subtrees(start: int, end: int, want: list[Subtree]) -> None:
    assert complete_subtrees(start, end) == want


def test_complete_subtrees_refuses_a_range_that_is_not_a_node() -> None:
    with pytest.raises(InvalidInput, match="a subtree of 4 leaves cannot start at leaf 2"):
        complete_subtrees(2, 6)


def test_subtree_bounds() -> None:
    node = Subtree(3, 2)
    assert (node.start, node.end) == (16, 24)
    with pytest.raises(InvalidInput, match="level >= 0 and index >= 0"):
        Subtree(-1, 0)


@given(st.lists(st.binary(max_size=4), min_size=1, max_size=70), st.data())
def test_stored_hash_proofs_equal_leaf_data_proofs(
    leaves: list[bytes], data: st.DataObject
) -> None:
    source = CountingSource(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    tree = leaves[:size]
    assert root_from(source, size) == merkle.root_hash(tree) == ref.mth(tree)
    index = data.draw(st.integers(0, size - 1), label="index")
    assert inclusion_proof_from(source, index, size) == merkle.inclusion_proof(index, tree)
    old = data.draw(st.integers(0, size), label="old size")
    assert consistency_proof_from(source, old, size) == merkle.consistency_proof(old, tree)
    indexes = data.draw(st.lists(st.integers(0, size - 1), max_size=40), label="indexes")
    source.batches.clear()
    proofs = inclusion_proofs_from(source, indexes, size)
    assert len(source.batches) == (1 if indexes else 0)  # proofs of many leaves: one read
    assert proofs == [merkle.inclusion_proof(i, tree) for i in indexes]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 100, 1000, 1023, 1024, 1025])
def test_proofs_read_logarithmically_many_hashes_in_one_batch(size: int) -> None:
    source = CountingSource([i.to_bytes(4, "big") for i in range(size)])
    bound = 2 * _log2_ceil(size) + 1
    for index in sorted({0, size // 3, size // 2, size - 1}):
        source.batches.clear()
        inclusion_proof_from(source, index, size)
        assert len(source.batches) <= 1
        assert sum(map(len, source.batches)) <= bound
    for old in sorted({1, size // 3, size // 2, size - 1}):
        source.batches.clear()
        consistency_proof_from(source, old, size)
        assert len(source.batches) <= 1
        assert sum(map(len, source.batches)) <= bound
    source.batches.clear()
    root_from(source, size)
    assert sum(map(len, source.batches)) == size.bit_count()


def test_proofs_of_a_group_commit_share_their_reads() -> None:
    """The 32 leaves a batch appended side by side ask for far fewer hashes than 32 proofs."""
    size = 1000
    source = CountingSource([i.to_bytes(4, "big") for i in range(size)])
    inclusion_proofs_from(source, range(size - 32, size), size)
    (batch,) = source.batches
    assert len(set(batch)) <= 2 * 32 + 2 * _log2_ceil(size)
    assert len(batch) > len(set(batch))  # the same subtree is asked once per proof, read once


def test_proofs_of_many_leaves_refuse_an_index_outside_the_tree() -> None:
    with pytest.raises(InvalidInput, match="leaf index 3 is outside the tree"):
        inclusion_proofs_from(CountingSource([b"a", b"b", b"c"]), [0, 3], 3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: inclusion_proof_from(s, 3, 3), "leaf index 3 is outside the tree"),
        (lambda s: consistency_proof_from(s, 4, 3), "old size 4 must satisfy"),
        (lambda s: root_from(s, -1), "tree size -1 must not be negative"),
    ],
)
def test_stored_hash_proofs_refuse_bad_arguments(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call(CountingSource([b"a", b"b", b"c"]))  # type: ignore[operator]  # parametrized


def test_a_source_that_returns_too_few_hashes_is_caught() -> None:
    class Short:
        def subtree_hashes(self, subtrees: Sequence[Subtree]) -> list[bytes]:
            return []

    with pytest.raises(InvalidInput, match="returned 0 hashes for 2 subtrees"):
        root_from(Short(), 3)
