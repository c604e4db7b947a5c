"""The in-memory tree of complete subtrees: rows, amortised cost, proofs at any past size."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput, NotFound
from repatria.ledger import merkle
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.subtree import Subtree, SubtreeHash
from tests.ledger import merkle_reference as ref


@given(st.lists(st.binary(max_size=4), max_size=80))
def test_rows_are_every_complete_subtree(leaves: list[bytes]) -> None:
    tree = CompactRange(leaves)
    n = len(leaves)
    want = [
        (level, index, ref.mth(leaves[index << level : (index + 1) << level]))
        for level in range(n.bit_length())
        for index in range(n >> level)
    ]
    assert [(r.level, r.index, r.hash) for r in tree.rows()] == want
    # Every leaf ends up in one row per level it completes: 2n - popcount(n) rows in all.
    assert len(want) == 2 * n - n.bit_count()


def test_append_returns_the_rows_it_completed() -> None:
    tree = CompactRange([b"a", b"b", b"c"])
    completed = tree.append(b"d")
    assert [(r.level, r.index) for r in completed] == [(0, 3), (1, 1), (2, 0)]
    assert completed[-1].hash == ref.mth([b"a", b"b", b"c", b"d"])
    assert completed[-1].subtree == Subtree(2, 0)
    assert [(r.level, r.index) for r in tree.append(b"e")] == [(0, 4)]


def test_appends_cost_amortised_constant_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = hashlib.sha256

    def counting(data: bytes = b"") -> hashlib._Hash:
        nonlocal calls
        calls += 1
        return real(data)

    monkeypatch.setattr(hashlib, "sha256", counting)
    tree = CompactRange()
    n = 5000
    for i in range(n):
        tree.append(i.to_bytes(4, "big"))
    # n leaf hashes plus one node hash per completed interior subtree.
    assert calls == n + (n - n.bit_count())


def test_append_leaf_hash_checks_the_length() -> None:
    with pytest.raises(InvalidInput, match="leaf hash has 3 bytes, want 32") as info:
        CompactRange().append_leaf_hash(b"abc")
    assert info.value.where == "leaf_hash"  # the part the caller got wrong (R24)


def test_rebuilding_from_leaf_hashes_gives_the_same_rows() -> None:
    leaves = [bytes([i]) for i in range(37)]
    original = CompactRange(leaves)
    rebuilt = CompactRange()
    for data in leaves:
        rebuilt.append_leaf_hash(merkle.leaf_hash(data))
    assert rebuilt.rows() == original.rows()


def test_proofs_at_past_sizes_verify_against_past_roots() -> None:
    leaves = [i.to_bytes(2, "big") for i in range(300)]
    tree = CompactRange(leaves)
    for size in (1, 17, 128, 255, 300):
        root = tree.root(size)
        assert root == merkle.root_hash(leaves[:size])
        for index in (0, size // 2, size - 1):
            merkle.verify_inclusion(
                leaves[index], index, size, tree.inclusion_proof(index, size), root
            )
        for old in (1, size // 2, size):
            proof = tree.consistency_proof(old, size)
            merkle.verify_consistency(old, size, proof, tree.root(old), root)


def test_sizes_beyond_the_tree_are_refused() -> None:
    tree = CompactRange([b"a", b"b"])
    with pytest.raises(InvalidInput, match="tree size 3 is beyond this tree: want 0 <= size <= 2"):
        tree.root(3)
    with pytest.raises(
        NotFound, match=r"subtree \(1, 1\) covering leaves \[2, 4\) is not complete at size 2"
    ):
        tree.subtree_hashes([Subtree(1, 1)])
    assert tree.root(0) == merkle.EMPTY_ROOT
    assert tree.rows()[0] == SubtreeHash(0, 0, merkle.leaf_hash(b"a"))
