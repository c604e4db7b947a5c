"""The witness's rule: cosign a peer's checkpoint only if it extends what was seen before.

C2SP tlog-witness has a witness keep, per log origin, the latest checkpoint it cosigned,
and accept a new one only with a consistency proof from that size. Peer MLA nodes witness
each other's ledgers this way, so a node cannot show one history to one country and another
history to the other (a split view) without a witness holding the proof of it.

``check_update`` is that rule as a pure function. It returns a value rather than raising,
so the caller can persist the outcome atomically with the witness's state (tlog-witness:
check and update as one step, and persist before answering):

- ``Cosign``: the new checkpoint is the first seen for the origin, or equal to the last one,
  or larger with a valid consistency proof. The caller records it and signs
  (``repatria.ledger.cosignature.create_cosignature``).
- ``Alarm``: the log's own signed checkpoints disagree. Both notes are kept verbatim:
  - ``split-view``: same size, different roots. Two checkpoints signed by the log that
    cannot both be true: transferable proof of misbehaviour on its own.
  - ``inconsistent``: larger size, but the consistency proof offered does not verify.
    tlog-witness lets the witness record it as possible evidence; the proof is unsigned,
    so it becomes proof only when the log cannot produce a valid one (anyone holding the
    leaves can settle it by recomputing both roots).
  - ``rollback``: smaller size than already cosigned. An old checkpoint may be replayed by
    anyone, so this is not proof of misbehaviour, but a node's own log going backwards
    (e.g. restored from a backup) must be looked at before anything else is cosigned.

A note that does not verify under the log's keys proves nothing about the log: it raises
``VerificationFailed`` (tlog-witness answers 403) and is not an alarm.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import SignedCheckpoint
from repatria.ledger.merkle import verify_consistency
from repatria.ledger.note import NoteVerifier


class AlarmKind(StrEnum):
    SPLIT_VIEW = "split-view"
    INCONSISTENT = "inconsistent"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class Alarm:
    """Evidence that a log's checkpoints disagree: both signed notes and what was found."""

    kind: AlarmKind
    origin: str
    previous_note: str
    new_note: str
    reason: str
    proof: tuple[bytes, ...] = ()

    @property
    def proves_misbehaviour(self) -> bool:
        """True when the two signed notes alone prove the log lied (a split view)."""
        return self.kind is AlarmKind.SPLIT_VIEW


@dataclass(frozen=True, slots=True)
class Cosign:
    """The new checkpoint may be cosigned, and becomes the witness's latest for its origin."""

    checkpoint: SignedCheckpoint


def check_update(
    previous: SignedCheckpoint | None,
    note: str | bytes,
    proof: Sequence[bytes],
    log_verifiers: Iterable[NoteVerifier],
) -> Cosign | Alarm:
    """Decide whether a witness may cosign ``note`` given the ``previous`` one it cosigned.

    ``proof`` is the consistency proof from the previous size to the new one (empty when
    there is no previous checkpoint or the sizes are equal). Raises ``VerificationFailed``
    if ``note`` is not validly signed by one of ``log_verifiers``, and ``InvalidInput`` if
    its origin is not the previous one's or a proof comes where none can be.
    """
    new = SignedCheckpoint.open(note, log_verifiers)
    if previous is None:
        if proof:
            raise InvalidInput(
                f"got a consistency proof of {len(proof)} hashes but no checkpoint was seen "
                f"before from {new.checkpoint.origin}; want an empty proof",
                where="proof",
            )
        return Cosign(new)
    old, cur = previous.checkpoint, new.checkpoint
    if old.origin != cur.origin:
        raise InvalidInput(
            f"checkpoint origin {cur.origin!r} is not the witnessed origin {old.origin!r}",
            where="origin",
        )

    def alarm(kind: AlarmKind, reason: str) -> Alarm:
        return Alarm(kind, cur.origin, previous.note, new.note, reason, tuple(proof))

    if cur.size < old.size:
        return alarm(
            AlarmKind.ROLLBACK,
            f"size went back from {old.size} to {cur.size}",
        )
    if cur.size == old.size:
        if cur.root_hash != old.root_hash:
            return alarm(
                AlarmKind.SPLIT_VIEW,
                f"two roots at size {cur.size}: {old.root_hash.hex()} and {cur.root_hash.hex()}",
            )
        if proof:
            raise InvalidInput(
                f"got a consistency proof of {len(proof)} hashes between equal sizes "
                f"{cur.size}; want an empty proof",
                where="proof",
            )
        return Cosign(new)
    try:
        verify_consistency(old.size, cur.size, proof, old.root_hash, cur.root_hash)
    except VerificationFailed as exc:
        return alarm(
            AlarmKind.INCONSISTENT,
            f"no valid consistency proof from size {old.size} to {cur.size}: {exc.message}",
        )
    return Cosign(new)


def find_forks(
    seen: Sequence[SignedCheckpoint],
    consistency_proof: Callable[[int, int], Sequence[bytes]] | None = None,
) -> list[Alarm]:
    """Check checkpoints seen from one origin, in any order, for forks.

    Two checkpoints of the same size with different roots give a ``split-view`` alarm. With
    ``consistency_proof(old_size, new_size)`` (e.g. a call to the log), each pair of
    successive sizes is also checked, and a proof that fails gives an ``inconsistent``
    alarm; consistency is transitive, so successive pairs cover every pair. Duplicate
    checkpoints are harmless and reported once.
    """
    if not seen:
        return []
    origins = {item.checkpoint.origin for item in seen}
    if len(origins) > 1:
        raise InvalidInput(
            f"checkpoints come from {len(origins)} origins ({', '.join(sorted(origins))}); "
            "want one",
            where="seen",
        )
    alarms: list[Alarm] = []
    by_size: dict[int, SignedCheckpoint] = {}
    for item in sorted(seen, key=lambda s: s.checkpoint.size):
        cp = item.checkpoint
        first = by_size.setdefault(cp.size, item)
        if first.checkpoint.root_hash != cp.root_hash:
            reason = (
                f"two roots at size {cp.size}: {first.checkpoint.root_hash.hex()} and "
                f"{cp.root_hash.hex()}"
            )
            if not any(a.new_note == item.note and a.previous_note == first.note for a in alarms):
                alarms.append(Alarm(AlarmKind.SPLIT_VIEW, cp.origin, first.note, item.note, reason))
    if consistency_proof is None:
        return alarms
    sizes = sorted(by_size)
    for old_size, new_size in itertools.pairwise(sizes):
        old, new = by_size[old_size], by_size[new_size]
        proof = tuple(consistency_proof(old_size, new_size))
        try:
            verify_consistency(
                old_size, new_size, proof, old.checkpoint.root_hash, new.checkpoint.root_hash
            )
        except VerificationFailed as exc:
            alarms.append(
                Alarm(
                    AlarmKind.INCONSISTENT,
                    new.checkpoint.origin,
                    old.note,
                    new.note,
                    f"no valid consistency proof from size {old_size} to {new_size}: {exc.message}",
                    proof,
                )
            )
    return alarms
