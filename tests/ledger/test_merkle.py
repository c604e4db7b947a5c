"""Merkle hashing and proofs against the RFC reference, with Hypothesis invariants."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput, NotFound, VerificationFailed
from repatria.ledger import merkle
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
)
from repatria.ledger.subtree import Subtree
from tests.ledger import merkle_reference as ref

leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=40)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(leaf_lists)
    return leaves, draw(st.integers(0, len(leaves) - 1))


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = draw(leaf_lists)
    return leaves, draw(st.integers(1, len(leaves)))


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


def test_hashes_use_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        merkle.node_hash(b"L" * 32, b"R" * 32)
        == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    assert merkle.root_hash([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 9, 1000, 1024, 1025])
def test_split_point_is_largest_power_of_two_below(n: int) -> None:
    k = merkle.split_point(n)
    assert k & (k - 1) == 0
    assert k < n <= 2 * k


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_root_matches_reference(leaves: list[bytes]) -> None:
    assert merkle.root_hash(leaves) == ref.mth(leaves)


@given(leaf_lists)
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    root = ref.mth(leaves)
    for index, data in enumerate(leaves):
        proof = merkle.inclusion_proof(index, leaves)
        assert proof == ref.path(index, leaves)
        assert len(proof) == merkle.inclusion_proof_size(index, len(leaves))
        merkle.verify_inclusion(data, index, len(leaves), proof, root)
        assert (
            merkle.root_from_inclusion_proof(merkle.leaf_hash(data), index, len(leaves), proof)
            == root
        )


@given(leaf_lists)
def test_every_consistency_proof_verifies(leaves: list[bytes]) -> None:
    n = len(leaves)
    new_root = ref.mth(leaves)
    for m in range(1, n + 1):
        proof = merkle.consistency_proof(m, leaves)
        assert proof == ref.proof(m, leaves)
        if m < n:
            assert len(proof) == merkle.consistency_proof_size(m, n)
        merkle.verify_consistency(m, n, proof, ref.mth(leaves[:m]), new_root)


@given(tree_and_index(), st.data())
def test_flipping_any_bit_breaks_an_inclusion_proof(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, index = case
    size, root = len(leaves), ref.mth(leaves)
    proof = merkle.inclusion_proof(index, leaves)
    leaf = leaves[index]
    targets = ["root", "leaf"] + [f"proof{i}" for i in range(len(proof))]
    target = data.draw(st.sampled_from(targets))
    if target == "leaf":
        # An empty leaf has no bit to flip; appending one byte is the smallest change.
        bad_leaf = _flip(leaf, data.draw(st.integers(0, 8 * len(leaf) - 1))) if leaf else b"\x00"
        with pytest.raises(VerificationFailed, match="root mismatch"):
            merkle.verify_inclusion(bad_leaf, index, size, proof, root)
        return
    bit = data.draw(st.integers(0, 255))
    if target == "root":
        with pytest.raises(VerificationFailed, match="root mismatch"):
            merkle.verify_inclusion(leaf, index, size, proof, _flip(root, bit))
        return
    i = int(target.removeprefix("proof"))
    bad = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
    with pytest.raises(VerificationFailed, match="root mismatch"):
        merkle.verify_inclusion(leaf, index, size, bad, root)


@given(tree_and_old_size(), st.data())
def test_flipping_any_bit_breaks_a_consistency_proof(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, m = case
    n = len(leaves)
    old_root, new_root = ref.mth(leaves[:m]), ref.mth(leaves)
    proof = merkle.consistency_proof(m, leaves)
    targets = ["old", "new"] + [f"proof{i}" for i in range(len(proof))]
    target = data.draw(st.sampled_from(targets))
    bit = data.draw(st.integers(0, 255))
    args = [m, n, proof, old_root, new_root]
    if target == "old":
        args[3] = _flip(old_root, bit)
    elif target == "new":
        args[4] = _flip(new_root, bit)
    else:
        i = int(target.removeprefix("proof"))
        args[2] = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
    with pytest.raises(VerificationFailed, match="mismatch|differs"):
        merkle.verify_consistency(*args)  # type: ignore[arg-type]  # heterogeneous list


def test_consistency_from_empty_tree() -> None:
    leaves = [b"a", b"b", b"c"]
    assert merkle.consistency_proof(0, leaves) == []
    merkle.verify_consistency(0, 3, [], merkle.EMPTY_ROOT, merkle.root_hash(leaves))
    with pytest.raises(VerificationFailed, match="wrong proof size 1, want 0"):
        merkle.verify_consistency(
            0, 3, [merkle.EMPTY_ROOT], merkle.EMPTY_ROOT, merkle.root_hash(leaves)
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: merkle.inclusion_proof(3, [b"a", b"b", b"c"]),
            r"leaf index 3 is outside the tree: want 0 <= index < 3",
        ),
        (lambda: merkle.inclusion_proof(-1, [b"a"]), r"leaf index -1 is outside"),
        (lambda: merkle.inclusion_proof(0, []), r"want 0 <= index < 0"),
        (
            lambda: merkle.consistency_proof(4, [b"a", b"b", b"c"]),
            r"old size 4 is outside the tree",
        ),
        (lambda: merkle.consistency_proof(-1, [b"a"]), r"old size -1 is outside the tree"),
    ],
)
def test_proofs_refuse_bad_arguments(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()  # type: ignore[operator]  # parametrized callables


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((b"x" * 32, 0, 0, [], b"r" * 32), "leaf index 0 is not below tree size 0"),
        ((b"x" * 32, 5, 5, [], b"r" * 32), "leaf index 5 is not below tree size 5"),
        ((b"x" * 31, 0, 1, [], b"r" * 32), "leaf hash has 31 bytes, want 32"),
        ((b"x" * 32, 0, 1, [], b"r" * 33), "root has 33 bytes, want 32"),
        ((b"x" * 32, 0, 4, [b"p" * 32] * 3, b"r" * 32), "wrong proof size 3, want 2"),
        ((b"x" * 32, 0, 4, [b"p" * 32, b"p"], b"r" * 32), "proof element 1 has 1 bytes, want 32"),
    ],
)
def test_inclusion_verification_messages(
    args: tuple[bytes, int, int, list[bytes], bytes], message: str
) -> None:
    with pytest.raises(VerificationFailed, match=message):
        merkle.verify_leaf_hash_inclusion(*args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 3, [], b"o" * 32, b"n" * 32), "old size 5 is larger than new size 3"),
        ((-1, 3, [], b"o" * 32, b"n" * 32), "must not be negative"),
        ((3, 3, [], b"o" * 32, b"n" * 32), "old root 6f6f.* at size 3 differs from 6e6e"),
        ((1, 2, [], b"o" * 32, b"n" * 32), "wrong proof size 0, want 1"),
        ((1, 2, [b"p" * 32], b"o" * 31, b"n" * 32), "old root has 31 bytes, want 32"),
        ((3, 4, [b"p" * 32] * 3, b"o" * 32, b"n" * 32), "old root mismatch: calculated"),
    ],
)
def test_consistency_verification_messages(
    args: tuple[int, int, list[bytes], bytes, bytes], message: str
) -> None:
    with pytest.raises(VerificationFailed, match=message):
        merkle.verify_consistency(*args)


@pytest.mark.parametrize(
    ("index", "size", "want"),
    [
        (0, 1, 0),
        (0, 2, 1),
        (2, 3, 1),
        (1, 5, 3),
        (4, 5, 1),
        (5, 8, 3),
        (1000, 1001, 6),
        (999, 1001, 9),
        (0, 1 << 40, 40),
    ],
)
def test_inclusion_proof_size(index: int, size: int, want: int) -> None:
    assert merkle.inclusion_proof_size(index, size) == want


# ------------------------------------------------------------------------------------------
# Merkle proofs refused with the part they name, and the in-memory tree's defaults and edges
# (RFC 9162 §2.1.3, §2.1.4; R24).
#
# The tests above and test_merkle_vectors.py check the hashes and proofs against RFC 6962
# vectors and every wrong proof. Mutation testing (R24, docs/security.md) found that no test
# held ``where`` (which the proof routes and ``ledger check-proof`` report), the refusal of a
# short *new* root, and ``CompactRange``'s default sizes and its first missing level.

LEAVES = [bytes([i]) * 3 for i in range(7)]
ROOT3, ROOT7 = root_hash(LEAVES[:3]), root_hash(LEAVES)
PROOF = consistency_proof(3, LEAVES)


def test_proofs_outside_the_tree_are_refused_naming_the_argument() -> None:
    with pytest.raises(InvalidInput, match="leaf index 7 is outside the tree") as info:
        inclusion_proof(7, LEAVES)
    assert info.value.where == "index"
    with pytest.raises(InvalidInput, match="old size 8 is outside the tree") as info:
        consistency_proof(8, LEAVES)
    assert info.value.where == "old_size"


@pytest.mark.parametrize(
    ("old_size", "new_size", "proof", "old_root", "new_root", "message"),
    [
        (3, 7, PROOF, ROOT3, ROOT7[:31], "new root has 31 bytes, want 32"),
        (3, 7, PROOF, ROOT3[:31], ROOT7, "old root has 31 bytes, want 32"),
        (-1, 7, PROOF, ROOT3, ROOT7, "sizes -1 and 7 must not be negative"),
        (8, 7, PROOF, ROOT3, ROOT7, "old size 8 is larger than new size 7"),
        (7, 7, PROOF, ROOT7, ROOT7, "wrong proof size"),
        (7, 7, [], ROOT3, ROOT7, "differs from"),
        (3, 7, PROOF[:-1], ROOT3, ROOT7, "wrong proof size"),
        (3, 7, PROOF, ROOT7, ROOT7, "old root mismatch"),
        (3, 7, PROOF, ROOT3, ROOT3, "new root mismatch"),
    ],
)
def test_consistency_refusals_name_the_part(
    old_size: int, new_size: int, proof: list[bytes], old_root: bytes, new_root: bytes,
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(VerificationFailed, match=message) as info:
        verify_consistency(old_size, new_size, proof, old_root, new_root)
    expected = {"new root has": "new root", "old root has": "old root"}
    assert info.value.where == next(
        (w for m, w in expected.items() if message.startswith(m)), "consistency proof"
    )


def test_the_compact_range_defaults_to_its_current_size() -> None:
    tree = CompactRange(LEAVES)
    assert tree.inclusion_proof(2) == inclusion_proof(2, LEAVES)
    assert tree.consistency_proof(3) == PROOF
    assert tree.root() == ROOT7
    with pytest.raises(InvalidInput, match="tree size 8 is beyond this tree") as info:
        tree.root(8)
    assert info.value.where == "size"


def test_a_subtree_above_the_highest_level_is_not_found() -> None:
    tree = CompactRange(LEAVES)  # 7 leaves: levels 0, 1 and 2
    assert len(tree.subtree_hashes([Subtree(2, 0)])) == 1
    for missing in (Subtree(3, 0), Subtree(2, 1), Subtree(0, 7)):
        with pytest.raises(NotFound, match="is not complete at size 7") as info:
            tree.subtree_hashes([missing])
        assert info.value.where == "subtree"


def test_inclusion_refusals_name_the_inclusion_proof() -> None:
    proof = inclusion_proof(2, LEAVES)
    cases = [
        (lambda: merkle.verify_inclusion(LEAVES[2], 7, 7, proof, ROOT7), "is not below tree size"),
        (lambda: merkle.verify_inclusion(LEAVES[2], 2, 7, proof[:-1], ROOT7), "wrong proof size"),
        (lambda: merkle.verify_inclusion(LEAVES[3], 2, 7, proof, ROOT7), "root mismatch"),
        (
            lambda: merkle.verify_inclusion(LEAVES[2], 2, 7, [proof[0][:31], *proof[1:]], ROOT7),
            "proof element 0 has 31 bytes",
        ),
    ]
    for call, message in cases:
        with pytest.raises(VerificationFailed, match=message) as info:
            call()
        assert info.value.where == "inclusion proof", message
    with pytest.raises(VerificationFailed, match="proof element 1 has 33 bytes") as info:
        verify_consistency(3, 7, [PROOF[0], PROOF[1] + b"\x00", *PROOF[2:]], ROOT3, ROOT7)
    assert info.value.where == "consistency proof"
