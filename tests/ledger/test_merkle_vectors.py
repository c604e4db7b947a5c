"""Conformance to published RFC 6962 values and to repatria's own proof vectors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from repatria.errors import VerificationFailed
from repatria.ledger import merkle
from repatria.ledger.compact_range import CompactRange
from tests.ledger import merkle_reference as ref
from tests.vectors import generate_merkle_vectors

VECTORS = Path(__file__).parent.parent / "vectors"
RFC6962 = json.loads((VECTORS / "merkle_rfc6962.json").read_text())
LEAVES = [bytes.fromhex(h) for h in RFC6962["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in RFC6962["roots_by_size_hex"]]


def _load(name: str) -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((VECTORS / name).read_text())["vectors"]
    return vectors


def _hashes(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_published_roots(size: int) -> None:
    assert merkle.root_hash(LEAVES[:size]) == ROOTS[size]
    assert ref.mth(LEAVES[:size]) == ROOTS[size]
    assert CompactRange(LEAVES).root(size) == ROOTS[size]


def test_published_subtree_hashes_are_the_compact_range_rows() -> None:
    levels = RFC6962["subtree_hashes_hex"]["levels"]
    rows = CompactRange(LEAVES).rows()
    assert [(r.level, r.index, r.hash.hex()) for r in rows] == [
        (level, index, h) for level, row in enumerate(levels) for index, h in enumerate(row)
    ]


@pytest.mark.parametrize("vector", RFC6962["inclusion"], ids=lambda v: f"{v['index']}-{v['size']}")
def test_published_inclusion_paths(vector: dict[str, Any]) -> None:
    index, size, want = vector["index"], vector["size"], _hashes(vector["path_hex"])
    assert merkle.inclusion_proof(index, LEAVES[:size]) == want
    assert CompactRange(LEAVES).inclusion_proof(index, size) == want
    merkle.verify_inclusion(LEAVES[index], index, size, want, ROOTS[size])


@pytest.mark.parametrize(
    "vector", RFC6962["consistency"], ids=lambda v: f"{v['old_size']}-{v['new_size']}"
)
def test_published_consistency_proofs(vector: dict[str, Any]) -> None:
    old, new, want = vector["old_size"], vector["new_size"], _hashes(vector["proof_hex"])
    assert merkle.consistency_proof(old, LEAVES[:new]) == want
    assert CompactRange(LEAVES).consistency_proof(old, new) == want
    merkle.verify_consistency(old, new, want, ROOTS[old], ROOTS[new])


def test_vector_files_are_what_the_generator_writes() -> None:
    gen = generate_merkle_vectors
    assert (VECTORS / "merkle_inclusion.json").read_text() == gen.render(
        gen.inclusion_vectors(), "inclusion"
    )
    assert (VECTORS / "merkle_consistency.json").read_text() == gen.render(
        gen.consistency_vectors(), "consistency"
    )


@pytest.mark.parametrize(
    "vector",
    _load("merkle_inclusion.json"),
    ids=lambda v: f"{v['index']}-{v['size']}-{v['desc']}",
)
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    args = (
        bytes.fromhex(vector["leaf_hex"]),
        vector["index"],
        vector["size"],
        _hashes(vector["proof_hex"]),
        bytes.fromhex(vector["root_hex"]),
    )
    if vector["want_error"] is None:
        merkle.verify_inclusion(*args)
        tree = LEAVES[: vector["size"]]
        assert merkle.inclusion_proof(vector["index"], tree) == args[3]
    else:
        with pytest.raises(VerificationFailed) as caught:
            merkle.verify_inclusion(*args)
        assert re.search(vector["want_error"], caught.value.message), caught.value.message


@pytest.mark.parametrize(
    "vector",
    _load("merkle_consistency.json"),
    ids=lambda v: f"{v['old_size']}-{v['new_size']}-{v['desc']}",
)
def test_consistency_vector(vector: dict[str, Any]) -> None:
    args = (
        vector["old_size"],
        vector["new_size"],
        _hashes(vector["proof_hex"]),
        bytes.fromhex(vector["old_root_hex"]),
        bytes.fromhex(vector["new_root_hex"]),
    )
    if vector["want_error"] is None:
        merkle.verify_consistency(*args)
        tree = LEAVES[: vector["new_size"]]
        assert merkle.consistency_proof(vector["old_size"], tree) == args[2]
    else:
        with pytest.raises(VerificationFailed) as caught:
            merkle.verify_consistency(*args)
        assert re.search(vector["want_error"], caught.value.message), caught.value.message


def test_vectors_cover_every_kind_of_failure() -> None:
    descs = {v["desc"] for v in _load("merkle_inclusion.json") if v["want_error"]}
    descs |= {v["desc"] for v in _load("merkle_consistency.json") if v["want_error"]}
    for kind in (
        "proof[0] bit 3 flipped",
        "proof[0] bit 4 flipped",
        "truncated proof",
        "trailing new root",
        "proof with trailing root",
        "index = size",
        "sizes swapped",
        "new size * 2",
        "equal sizes, different roots",
    ):
        assert kind in descs
