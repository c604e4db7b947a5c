"""The witness rule (C2SP tlog-witness) as a table of cases, and fork detection."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import (
    Checkpoint,
    Ed25519Verifier,
    SignedCheckpoint,
    sign_checkpoint,
)
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.merkle import EMPTY_ROOT
from repatria.ledger.witness import Alarm, AlarmKind, Cosign, check_update, find_forks

ORIGIN = "repatria.example/ng-moj"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
LOGS = [Ed25519Verifier.from_private_key(ORIGIN, LOG_KEY)]

HONEST = CompactRange(f"event {i}".encode() for i in range(20))
# A fork that rewrote leaf 3 and carried on: same sizes, other history.
FORKED = CompactRange((b"rewritten" if i == 3 else f"event {i}".encode()) for i in range(20))


def note(
    tree: CompactRange, size: int, origin: str = ORIGIN, key: Ed25519PrivateKey = LOG_KEY
) -> str:
    return sign_checkpoint(Checkpoint(origin, size, tree.root(size)), origin, key).to_text()


def seen(tree: CompactRange, size: int) -> SignedCheckpoint:
    return SignedCheckpoint.open(note(tree, size), LOGS)


def test_first_checkpoint_is_cosigned() -> None:
    outcome = check_update(None, note(HONEST, 5), [], LOGS)
    assert isinstance(outcome, Cosign)
    assert outcome.checkpoint.checkpoint.size == 5
    assert outcome.checkpoint.note == note(HONEST, 5)


def test_first_checkpoint_with_a_proof_is_refused() -> None:
    with pytest.raises(
        InvalidInput, match="no checkpoint was seen before from repatria.example/ng-moj"
    ):
        check_update(None, note(HONEST, 5), [EMPTY_ROOT], LOGS)


def test_same_checkpoint_again_is_cosigned() -> None:
    assert isinstance(check_update(seen(HONEST, 8), note(HONEST, 8), [], LOGS), Cosign)


def test_same_size_with_a_proof_is_refused() -> None:
    with pytest.raises(InvalidInput, match="between equal sizes 8; want an empty proof"):
        check_update(seen(HONEST, 8), note(HONEST, 8), [EMPTY_ROOT], LOGS)


def test_larger_checkpoint_with_a_valid_proof_is_cosigned() -> None:
    outcome = check_update(seen(HONEST, 5), note(HONEST, 13), HONEST.consistency_proof(5, 13), LOGS)
    assert isinstance(outcome, Cosign)
    assert outcome.checkpoint.checkpoint.root_hash == HONEST.root(13)


def test_same_size_different_root_is_a_split_view_with_both_notes() -> None:
    previous = seen(HONEST, 8)
    outcome = check_update(previous, note(FORKED, 8), [], LOGS)
    assert isinstance(outcome, Alarm)
    assert outcome.kind is AlarmKind.SPLIT_VIEW
    assert outcome.proves_misbehaviour
    assert outcome.origin == ORIGIN
    assert outcome.previous_note == previous.note
    assert outcome.new_note == note(FORKED, 8)
    assert (
        outcome.reason == f"two roots at size 8: {HONEST.root(8).hex()} and {FORKED.root(8).hex()}"
    )


def test_larger_checkpoint_from_a_fork_is_an_inconsistency_alarm() -> None:
    # The fork can only offer its own proof, which does not link to the old honest root.
    proof = FORKED.consistency_proof(5, 13)
    outcome = check_update(seen(HONEST, 5), note(FORKED, 13), proof, LOGS)
    assert isinstance(outcome, Alarm)
    assert outcome.kind is AlarmKind.INCONSISTENT
    assert not outcome.proves_misbehaviour
    assert outcome.proof == tuple(proof)
    assert outcome.reason.startswith("no valid consistency proof from size 5 to 13: ")
    assert "root mismatch" in outcome.reason


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        ([], "wrong proof size 0, want"),
        ([b"\x00" * 32] * 5, "root mismatch"),
        ([b"\x00" * 5], "wrong proof size 1"),
    ],
)
def test_garbage_proofs_are_inconsistency_alarms(proof: list[bytes], reason: str) -> None:
    outcome = check_update(seen(HONEST, 5), note(HONEST, 13), proof, LOGS)
    assert isinstance(outcome, Alarm)
    assert outcome.kind is AlarmKind.INCONSISTENT
    assert reason in outcome.reason


def test_smaller_checkpoint_is_a_rollback_alarm() -> None:
    outcome = check_update(seen(HONEST, 13), note(HONEST, 5), [], LOGS)
    assert isinstance(outcome, Alarm)
    assert outcome.kind is AlarmKind.ROLLBACK
    assert outcome.reason == "size went back from 13 to 5"
    assert not outcome.proves_misbehaviour


def test_a_note_not_signed_by_the_log_raises_and_is_no_alarm() -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(b"\x06" * 32)
    with pytest.raises(VerificationFailed, match="no signature from a known key"):
        check_update(seen(HONEST, 5), note(FORKED, 8, key=stranger), [], LOGS)


def test_another_origin_is_refused() -> None:
    other = "repatria.example/gb-cps"
    verifiers = [*LOGS, Ed25519Verifier.from_private_key(other, LOG_KEY)]
    with pytest.raises(
        InvalidInput, match="origin 'repatria.example/gb-cps' is not the witnessed origin"
    ):
        check_update(seen(HONEST, 5), note(HONEST, 8, origin=other), [], verifiers)


def test_find_forks_on_an_honest_history_finds_nothing() -> None:
    history = [seen(HONEST, n) for n in (9, 1, 5, 5, 20, 13)]
    assert find_forks(history, HONEST.consistency_proof) == []
    assert find_forks([]) == []


def test_find_forks_reports_each_split_view_once() -> None:
    history = [seen(HONEST, 8), seen(FORKED, 8), seen(FORKED, 8), seen(HONEST, 2)]
    alarms = find_forks(history)
    assert [(a.kind, a.previous_note, a.new_note) for a in alarms] == [
        (AlarmKind.SPLIT_VIEW, note(HONEST, 8), note(FORKED, 8))
    ]


def test_find_forks_with_proofs_catches_a_fork_at_different_sizes() -> None:
    # Sizes 2 and 3 precede the rewrite of leaf 3, so both histories share them; the
    # forked log's proofs then fail to link its view to the honest checkpoint at 6.
    history = [seen(HONEST, 2), seen(FORKED, 3), seen(HONEST, 6), seen(FORKED, 12)]
    alarms = find_forks(history, FORKED.consistency_proof)
    assert [(a.kind, a.reason.split(":")[0]) for a in alarms] == [
        (AlarmKind.INCONSISTENT, "no valid consistency proof from size 3 to 6"),
        (AlarmKind.INCONSISTENT, "no valid consistency proof from size 6 to 12"),
    ]
    assert alarms[1].previous_note == note(HONEST, 6)
    assert alarms[1].new_note == note(FORKED, 12)
    # With the honest log's proofs, only the forked checkpoint at 12 stands out.
    honest_view = find_forks(history, HONEST.consistency_proof)
    assert [a.reason.split(":")[0] for a in honest_view] == [
        "no valid consistency proof from size 6 to 12"
    ]


def test_find_forks_refuses_mixed_origins() -> None:
    other = "repatria.example/gb-cps"
    mixed = [
        seen(HONEST, 2),
        SignedCheckpoint.open(
            note(HONEST, 3, origin=other), [Ed25519Verifier.from_private_key(other, LOG_KEY)]
        ),
    ]
    with pytest.raises(InvalidInput, match="come from 2 origins"):
        find_forks(mixed)
