"""One witness step, with its state passed in: check, persist, then cosign (C2SP tlog-witness).

``add_checkpoint`` is the witness's handling of one checkpoint of a peer's log, whether the
peer pushed it (``POST /api/ledger/add-checkpoint``) or this node pulled it (``repatria
ledger witness``). The caller runs it inside one transaction holding the row lock of the
origin's state (``WitnessStore.lock_state``), commits, and only then answers: tlog-witness
requires checking and persisting atomically and persisting before responding, otherwise two
concurrent requests can roll the witness's view back (reliability.md §0 item 2, R5).

It returns a value, never raises for a refusal, so the caller can commit the evidence and
alarms it recorded even when it refuses. A refusal carries its reason (``RefusalReason``),
one per case tlog-witness tells apart (C2SP tlog-witness, "add-checkpoint": bad signature,
old size beyond the checkpoint, old size differing from the stored one, with the stored
size, a fork or a proof that fails); the web shell maps each reason to the HTTP status the
specification gives it, so the core knows nothing of HTTP. An open alarm for the origin
stops all cosigning for it until an operator clears the alarm.

Who may raise an alarm matters: anyone can replay an old checkpoint or attach a garbage
proof to a genuine new one, so a pushed checkpoint raises an alarm only for a split view
(two roots signed by the log for one size: proof by itself). A pulled checkpoint comes
from the peer's own URL with the peer's own proof, so every kind of alarm counts there.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import SignedCheckpoint
from repatria.ledger.cosignature import Cosignature, create_cosignature
from repatria.ledger.note import NoteVerifier, decode_base64
from repatria.ledger.witness import Alarm, AlarmKind, check_update


class WitnessStore(Protocol):
    """The witness's state for one transaction."""

    def lock_state(self, origin: str) -> SignedCheckpoint | None: ...

    def save_state(self, signed: SignedCheckpoint) -> None: ...

    def record_seen(self, signed: SignedCheckpoint) -> None: ...

    def open_alarm(self, origin: str) -> int | None: ...

    def add_alarm(self, alarm: Alarm) -> int: ...


class RefusalReason(StrEnum):
    """Why a witness refuses to cosign: the cases C2SP tlog-witness add-checkpoint tells apart."""

    MALFORMED = "malformed"
    """The request body cannot be read, or its old size is beyond the checkpoint."""
    BAD_SIGNATURE = "bad-signature"
    """The checkpoint is not signed by the log's key."""
    UNKNOWN_ORIGIN = "unknown-origin"
    """This witness does not witness the checkpoint's log."""
    OLD_SIZE_MISMATCH = "old-size-mismatch"
    """The old size is not the size the witness holds; the refusal carries the stored size."""
    INCONSISTENT = "inconsistent"
    """A fork, a rollback, a proof that fails, or cosigning stopped by an open alarm."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the witness did not cosign."""

    reason: RefusalReason
    message: str
    stored_size: int | None = None
    alarm_id: int | None = None


def add_checkpoint(
    store: WitnessStore,
    verifiers: Sequence[NoteVerifier],
    old_size: int,
    proof: Sequence[bytes],
    note: str,
    *,
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    now: int,
    pulled: bool,
) -> Cosignature | Refusal:
    """Check ``note`` against the stored state, persist it, and cosign it; or refuse."""
    try:
        signed = SignedCheckpoint.open(note, verifiers)
    except VerificationFailed as exc:
        return Refusal(
            RefusalReason.BAD_SIGNATURE, f"checkpoint signature does not verify: {exc.message}"
        )
    checkpoint = signed.checkpoint
    # A pushed old size beyond the checkpoint is a malformed request. A pulled one is
    # this witness's own stored size: the peer's log went back, which check_update turns into
    # a rollback alarm below.
    if old_size < 0 or (old_size > checkpoint.size and not pulled):
        return Refusal(
            RefusalReason.MALFORMED,
            f"old size {old_size} is beyond the checkpoint's size {checkpoint.size}",
        )
    previous = store.lock_state(checkpoint.origin)
    store.record_seen(signed)
    open_alarm = store.open_alarm(checkpoint.origin)
    if open_alarm is not None:
        return Refusal(
            RefusalReason.INCONSISTENT,
            f"cosigning for {checkpoint.origin} is stopped by alarm {open_alarm} until an "
            "operator clears it",
            alarm_id=open_alarm,
        )
    stored_size = previous.checkpoint.size if previous is not None else 0
    if old_size != stored_size:
        return Refusal(
            RefusalReason.OLD_SIZE_MISMATCH,
            f"old size {old_size} is not the size this witness holds for "
            f"{checkpoint.origin}, {stored_size}",
            stored_size=stored_size,
        )
    try:
        outcome = check_update(previous, note, proof, verifiers)
    except (InvalidInput, VerificationFailed) as exc:
        reason = (
            RefusalReason.INCONSISTENT
            if isinstance(exc, VerificationFailed)
            else RefusalReason.MALFORMED
        )
        return Refusal(reason, exc.message)
    if isinstance(outcome, Alarm):
        alarm_id = None
        if pulled or outcome.kind is AlarmKind.SPLIT_VIEW:
            alarm_id = store.add_alarm(outcome)
        return Refusal(
            RefusalReason.INCONSISTENT, f"{outcome.kind.value}: {outcome.reason}", alarm_id=alarm_id
        )
    if previous is None or checkpoint.size > previous.checkpoint.size:
        store.save_state(outcome.checkpoint)
    return create_cosignature(checkpoint, witness_name, witness_key, now)


def parse_add_checkpoint(body: str) -> tuple[int, list[bytes], str]:
    """Read a tlog-witness add-checkpoint body: ``old N``, proof lines, blank line, note."""
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise InvalidInput("body has no blank line before the checkpoint", where="body")
    lines = head.split("\n")
    first = lines[0]
    if (
        not first.startswith("old ")
        or not first[4:].isdigit()
        or (len(first) > 5 and first[4] == "0")
    ):
        raise InvalidInput(f"first line {first[:40]!r} is not 'old <size>'", where="body.old")
    if len(lines) - 1 > 63:
        raise InvalidInput(
            f"body has {len(lines) - 1} proof lines, at most 63 accepted", where="body.proof"
        )
    proof = [decode_base64(line, where=f"body.proof[{i}]") for i, line in enumerate(lines[1:])]
    return int(first[4:]), proof, note


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> str:
    """The request body ``parse_add_checkpoint`` reads."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return "\n".join(lines) + "\n\n" + note
