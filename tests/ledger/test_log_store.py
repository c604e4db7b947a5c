"""The persistent log on the node's database (reliability.md R1 probes, R3, R20, R9)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from repatria.errors import InvalidInput, NotFound, VerificationFailed
from repatria.ledger import audit, log
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.entry import EventRecord, parse_leaf
from repatria.ledger.merkle import (
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from repatria.service.events import record_event
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import Node
from repatria.store.ledger_tables import (
    CheckpointRow,
    LedgerLeafRow,
    SqlLogStorage,
)
from tests.conftest import People
from tests.ledger.ledger_nodes import (
    flip_stored_hash,
    leaf_of,
    log_size,
    record,
    stored_hash_positions,
)


def stored_leaves(node: Node) -> list[bytes]:
    with node.transaction() as session:
        return list(session.scalars(select(LedgerLeafRow.data).order_by(LedgerLeafRow.leaf_index)))


def test_every_event_of_a_transaction_is_one_contiguous_batch(node: Node) -> None:
    before = log_size(node)
    ids = record(node, 7, batch=7)
    indices = [leaf_of(node, i) for i in ids]
    assert indices == list(range(before, before + 7))
    for event_id, data in zip(ids, stored_leaves(node)[before:], strict=True):
        _seq, entry = parse_leaf(data)
        assert entry.event_id == event_id and entry.kind == "test.event"


def test_a_failed_use_case_leaves_no_leaf_and_no_event(node: Node) -> None:
    before = log_size(node)
    with pytest.raises(RuntimeError), node.transaction() as session:
        record_event(session, actor="t", action="test.event", why="w")
        raise RuntimeError("use case failed after recording")
    assert log_size(node) == before
    record(node, 1)
    assert log_size(node) == before + 1


def test_a_failed_append_rolls_the_state_change_back(
    node: Node, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R20: the ledger append fails, so the case is not opened and the caller gets an error."""
    from repatria.service import cases

    def broken(*_: object, **__: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(log, "append", broken)
    with pytest.raises(OSError):
        cases.open_case(node, people.supervisor, {"title": "never"})
    monkeypatch.undo()
    assert cases.list_cases(node, people.supervisor) == []


def test_leaves_hold_ids_and_hashes_never_content(node: Node, people: People) -> None:
    from repatria.service import cases

    canary = "CANARY-7f3a secret bribe details"
    cases.open_case(node, people.supervisor, {"title": canary, "summary": canary})
    for data in stored_leaves(node):
        assert b"CANARY" not in data and b"bribe" not in data and b"supervisor" not in data


# The node is shared by all examples on purpose: the log only grows, and each example checks
# proofs over everything stored so far against a reference tree of the same leaves.
@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=8), st.integers(0, 2**32))
def test_proofs_from_the_database_match_the_reference_tree(
    node: Node, batches: list[int], seed: int
) -> None:
    rnd = random.Random(seed)
    for size in batches:
        record(node, size, batch=size)
    leaves = stored_leaves(node)
    reference = CompactRange(leaves)
    n = len(leaves)
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        assert storage.read_head().root == root_hash(leaves)
        for _ in range(5):
            size = rnd.randint(1, n)
            index = rnd.randrange(size)
            proof = log.inclusion_proof(storage, index, size)
            assert proof == reference.inclusion_proof(index, size)
            verify_inclusion(leaves[index], index, size, proof, reference.root(size))
            old = rnd.randint(0, size)
            cproof = log.consistency_proof(storage, old, size)
            assert cproof == reference.consistency_proof(old, size)
            verify_consistency(old, size, cproof, reference.root(old), reference.root(size))
        with pytest.raises(NotFound, match="beyond the log"):
            log.inclusion_proof(storage, 0, n + 1)
        with pytest.raises(InvalidInput):
            log.consistency_proof(storage, n, n - 1)


def test_checkpoint_is_signed_over_the_recomputed_root(node: Node) -> None:
    record(node, 5, batch=2)
    signed = ledger_checkpoints.checkpoint_now(node)
    assert signed.checkpoint.size == log_size(node)
    assert signed.checkpoint.root_hash == root_hash(stored_leaves(node))
    assert signed.checkpoint.origin == "repatria/ng-test"
    again = ledger_checkpoints.checkpoint_now(node)
    assert again.note == signed.note  # nothing new to sign
    report = ledger_verification.verify_node_log(node)
    assert report.ok, report.problems


@pytest.mark.parametrize("seed", range(10))
def test_a_corrupted_stored_hash_stops_signing_and_appends(
    node: Node, people: People, seed: int
) -> None:
    """R3: a bit flip in a stored hash: no checkpoint, an alarm, appends fail closed."""
    record(node, 37, batch=6)
    ledger_checkpoints.checkpoint_now(node)
    record(node, 5, batch=5)
    rnd = random.Random(seed)
    with node.transaction() as session:
        level, position = rnd.choice(stored_hash_positions(session))
        flip_stored_hash(session, level, position, rnd.randrange(8))
    with node.transaction() as session:
        signed_before = session.scalar(
            select(CheckpointRow.note_hash).where(CheckpointRow.size == 42)
        )
    with pytest.raises(VerificationFailed, match="refused to sign"):
        ledger_checkpoints.checkpoint_now(node)
    open_alarms = ledger_alarms.alarms(node)
    assert [a.kind for a in open_alarms] == ["self-audit"]
    with node.transaction() as session:
        assert (
            session.scalar(select(CheckpointRow.note_hash).where(CheckpointRow.size == 42))
            == signed_before
        )
    from repatria.service import cases

    with pytest.raises(VerificationFailed, match="self-audit"):
        cases.open_case(node, people.supervisor, {"title": "blocked"})
    assert not ledger_verification.verify_node_log(node).ok


def _flip_stored_hash(node: Node, level: int, position: int) -> None:
    with node.transaction() as session:
        flip_stored_hash(session, level, position)


def test_an_old_hash_off_the_edge_never_reaches_a_proof(node: Node) -> None:
    """R3 with the audit in turns (issue 14.1): a flipped interior hash that no new signature
    depends on is caught the moment a proof would carry it, with the self-audit alarm."""
    record(node, 300, batch=50)
    ledger_checkpoints.checkpoint_now(node)
    _flip_stored_hash(node, 1, 3)  # leaves [6, 8): on the path of leaf 4, off the edge
    with node.transaction() as session:
        event_id = session.scalar(
            select(LedgerLeafRow.event_id).where(LedgerLeafRow.leaf_index == 4)
        )
    assert event_id is not None
    with pytest.raises(VerificationFailed, match="refused to serve a proof"):
        ledger_proofs.prove_inclusion(node, event_id)
    assert [a.kind for a in ledger_alarms.alarms(node)] == ["self-audit"]


def test_an_old_hash_off_the_edge_is_found_within_one_sweep_of_the_log(node: Node) -> None:
    """Checkpoints keep being signed over the honest root (the flipped hash is not on their
    edge) until the sweep reaches it, within ⌈size / SWEEP⌉ + 1 of them; then signing stops."""
    record(node, 300, batch=50)
    ledger_checkpoints.checkpoint_now(node)  # the first audit rehashes all; sweeps start at 0
    _flip_stored_hash(node, 2, 40)  # leaves [160, 164): off the edge, swept by the fourth
    signed = 0
    for _ in range(math.ceil(log_size(node) / audit.SWEEP) + 2):
        record(node, 1)
        try:
            checkpoint = ledger_checkpoints.checkpoint_now(node)
        except VerificationFailed as refused:
            assert "(2, 40)" in refused.message and "sweep" in refused.message
            break
        assert checkpoint.checkpoint.root_hash == root_hash(stored_leaves(node))
        signed += 1
    else:
        pytest.fail("the sweep never reached the flipped hash")
    assert signed == 2  # [0, 64) and [64, 128) were swept first
    assert [a.kind for a in ledger_alarms.alarms(node)] == ["self-audit"]


def test_prove_inclusion_signs_a_covering_checkpoint(node: Node) -> None:
    ids = record(node, 9, batch=4)
    proof = ledger_proofs.prove_inclusion(node, ids[4])
    doc = proof.to_dict()
    from repatria.ledger.bundle import check_inclusion_proof
    from repatria.service.keys import log_verifiers

    checkpoint = check_inclusion_proof(doc, log_verifiers(node))
    assert checkpoint.size == log_size(node)
    with pytest.raises(NotFound):
        ledger_proofs.prove_inclusion(node, 10**9)


def test_golden_roots_and_leaf_bytes() -> None:
    """R9: the leaf format and tree hashing must not drift (values fixed at v1)."""

    def leaves(n: int) -> list[bytes]:
        return [
            EventRecord("golden.event", i + 1, 1_700_000_000 + i, bytes([i % 256]) * 32).to_leaf(i)
            for i in range(n)
        ]

    assert leaves(1)[0] == (
        b'{"commitment":"0000000000000000000000000000000000000000000000000000000000000000",'
        b'"event":1,"kind":"golden.event","seq":0,"time":1700000000,"v":1}'
    )
    got = {n: CompactRange(leaves(n)).root().hex() for n in (96, 871, 1000, 1024)}
    assert got == {n: root_hash(leaves(n)).hex() for n in got}
    assert got == GOLDEN


GOLDEN = {
    96: "ea72309bb3df5ba06927fef7595a9133ed58bfc6247c90637b92f04095fa7a20",
    871: "541df206d267f1410b7acaa3e1ca697a85d8e0a6e1d82f8eb2c854348215b415",
    1000: "02016de7fb9f0299d2819fb8a893bb4639bc5178791fa38139fe3ed774535c1a",
    1024: "109c04ce210d4be5cd613cd59ce7ec7970b2e2b2d289daa350f98355566671d8",
}
"""Written once by this test's own code at leaf format v1; a change here is a format change."""


@hsettings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9.-]{0,63}", fullmatch=True),
    st.integers(1, 2**53 - 1),
    st.integers(0, 2**53 - 1),
    st.binary(min_size=32, max_size=32),
    st.integers(0, 2**53 - 1),
)
def test_leaf_bytes_are_rfc8785_canonical(
    kind: str, event_id: int, time: int, commitment: bytes, index: int
) -> None:
    import rfc8785

    record = EventRecord(kind, event_id, time, commitment)
    expected = rfc8785.dumps(
        {
            "commitment": commitment.hex(),
            "event": event_id,
            "kind": kind,
            "seq": index,
            "time": time,
            "v": 1,
        }
    )
    assert record.to_leaf(index) == expected
    assert parse_leaf(expected) == (index, record)
