"""The persistent append-only log: batched appends, proofs, recomputation from leaves.

The algorithms live here; the SQL lives in ``repatria.store.ledger_tables.SqlLogStorage``,
which implements ``LogStorage`` on one transaction's session (this package sits below the
storage layer, so storage is passed in, as style.md §4.1 asks).

- ``append`` adds the leaves of one transaction as one batch: it locks the head, reads
  the O(log n) hashes of the log's right edge (the complete subtrees of [0, size)), checks
  they fold to the head's root, and INSERTs the new leaves and every subtree hash they
  complete (the rows ``CompactRange.append`` returns). Nothing is ever UPDATEd but the
  head, so a committed leaf is never rewritten.
- ``inclusion_proof`` and ``consistency_proof`` serve RFC 9162 §2.1.3 / §2.1.4 proofs for
  any sizes up to the head from at most 2⌈log₂ n⌉ + 1 stored hashes, in one query.
- ``recompute`` streams every stored leaf, rehashes it and folds the tree: the roots at
  the asked sizes come from leaf data alone. The log signs nothing without it (the Yeti
  2022 lesson, reliability.md §1.1; C2SP tlog-checkpoint: never sign a checkpoint
  inconsistent with an earlier one). With ``audit=True`` it also compares every stored
  subtree hash with the recomputed one (done before every signature too, so a flipped
  interior hash cannot go on serving wrong proofs); ``check_leaves`` adds each leaf's
  format, which ``repatria ledger verify`` runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from repatria.errors import InvalidInput, NotFound, VerificationFailed
from repatria.ledger.entry import EventRecord, parse_leaf
from repatria.ledger.merkle import EMPTY_ROOT, LEAF_PREFIX, NODE_PREFIX, leaf_hash, node_hash
from repatria.ledger.subtree import (
    SubtreeHash,
    TreeHashSource,
    complete_subtrees,
    consistency_proof_from,
    inclusion_proof_from,
    inclusion_proofs_from,
)

CHUNK = 4096
"""Leaves read per query while recomputing."""


@dataclass(frozen=True, slots=True)
class LogHead:
    """The log's size and root after the last committed batch."""

    size: int
    root: bytes


@dataclass(slots=True)
class StoredLeaf:
    """A leaf as stored: its index, its bytes, and the event it records; never changed once
    made (not frozen for the reason ``SubtreeHash`` gives: one is made per leaf)."""

    index: int
    data: bytes
    event_id: int | None


class LogStorage(TreeHashSource, Protocol):
    """What the log needs from a database transaction."""

    def lock_head(self) -> LogHead: ...

    def read_head(self) -> LogHead: ...

    def write_head(self, head: LogHead) -> None: ...

    def insert(self, leaves: Sequence[StoredLeaf], hashes: Sequence[SubtreeHash]) -> None:
        """Store new leaves and the subtree hashes they completed: ``hashes`` come level by
        level, each level's in order of position, right after those already stored."""

    def leaves(self, start: int, end: int) -> list[StoredLeaf]: ...

    def hashes_completed_in(self, start: int, end: int) -> list[SubtreeHash]: ...

    def counts(self) -> tuple[int, int, int, int]: ...


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where a batch landed: its leaves (index, bytes) and the new head."""

    leaves: tuple[StoredLeaf, ...]
    head: LogHead


def append(storage: LogStorage, records: Sequence[EventRecord]) -> AppendResult:
    """Append ``records`` as one batch at the end of the log; the caller commits.

    Raises ``VerificationFailed`` (and writes nothing) if the stored right edge does not
    fold to the head's root: appending onto a damaged tree would bury the damage.
    """
    head = storage.lock_head()
    if not records:
        return AppendResult((), head)
    edge = complete_subtrees(0, head.size)
    hashes = storage.subtree_hashes(edge)
    stack = [SubtreeHash(s.level, s.index, h) for s, h in zip(edge, hashes, strict=True)]
    if fold_edge(stack) != head.root:
        raise VerificationFailed(
            f"the stored right edge of the log at size {head.size} does not fold to the "
            "head's root; refusing to append (run `repatria ledger verify`)",
            where="ledger_tiles",
        )
    leaves = [
        StoredLeaf(index, record.to_leaf(index), record.event_id)
        for index, record in enumerate(records, start=head.size)
    ]
    completed: list[SubtreeHash] = []
    push_leaves(stack, completed, leaves)
    new_head = LogHead(head.size + len(records), fold_edge(stack))
    storage.insert(leaves, completed)
    storage.write_head(new_head)
    return AppendResult(tuple(leaves), new_head)


def inclusion_proof(storage: LogStorage, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from stored hashes (RFC 9162 §2.1.3.1); size ≤ the head's."""
    _check_size(storage, size)
    return inclusion_proof_from(storage, index, size)


def inclusion_proofs(storage: LogStorage, indexes: Sequence[int], size: int) -> list[list[bytes]]:
    """``inclusion_proof`` of each index under one tree size, from one read of hashes."""
    _check_size(storage, size)
    return inclusion_proofs_from(storage, indexes, size)


def consistency_proof(storage: LogStorage, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) from stored hashes (RFC 9162 §2.1.4.1)."""
    _check_size(storage, new_size)
    return consistency_proof_from(storage, old_size, new_size)


@dataclass
class Recomputation:
    """What a pass over the stored leaves found: roots at asked sizes, and any problem."""

    size: int
    roots: dict[int, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    leaves: list[StoredLeaf] = field(default_factory=list)

    @property
    def root(self) -> bytes:
        return self.roots[self.size]


def recompute(
    storage: LogStorage,
    size: int,
    *,
    roots_at: Iterable[int] = (),
    audit: bool = False,
    check_leaves: bool = False,
    keep_leaves: bool = False,
) -> Recomputation:
    """Rehash leaves [0, size) from their stored bytes and fold the tree.

    Returns the root at ``size`` and at each size in ``roots_at``. With ``audit``, also
    checks that every stored subtree hash equals the recomputed one and none is missing or
    extra; with ``check_leaves``, that every leaf parses, sits at its own ``seq`` and names
    the event stored beside it. Problems are listed in order, first bad index first.
    Missing leaves are always problems. ``keep_leaves`` returns the leaves read (for checks that need them).
    """
    wanted = {s for s in roots_at if 0 <= s <= size} | {size}
    result = Recomputation(size)
    if 0 in wanted:
        result.roots[0] = EMPTY_ROOT
    stack: list[SubtreeHash] = []
    expected = 0
    for start in range(0, size, CHUNK):
        end = min(start + CHUNK, size)
        chunk = storage.leaves(start, end)
        completed: list[SubtreeHash] = []
        for leaf in chunk:
            if leaf.index != expected:
                result.problems.append(
                    f"leaf {expected}: missing (next stored leaf is {leaf.index})"
                )
                return result
            if check_leaves:
                leaf_problems(leaf, result.problems)
            if keep_leaves:
                result.leaves.append(leaf)
            push_leaf(stack, completed, leaf_hash(leaf.data), leaf.index)
            expected += 1
            if expected in wanted:
                result.roots[expected] = fold_edge(stack)
        if expected != end:
            result.problems.append(f"leaf {expected}: missing (stored leaves stop early)")
            return result
        if audit:
            hash_problems(storage, start, end, completed, result.problems)
    if audit:
        leaf_rows, low, high, hash_rows = storage.counts()
        if leaf_rows != size or (size and (low, high) != (0, size - 1)):
            result.problems.append(
                f"log holds {leaf_rows} leaf rows (indices {low}..{high}), head says {size}"
            )
        want_rows = 2 * size - size.bit_count()
        if hash_rows != want_rows:
            result.problems.append(
                f"log holds {hash_rows} subtree hash rows, {want_rows} expected at size {size}"
            )
    return result


def leaf_problems(leaf: StoredLeaf, problems: list[str]) -> None:
    """Add what is wrong with one stored leaf's bytes: unparsable, another seq, another event."""
    try:
        seq, record = parse_leaf(leaf.data)
    except InvalidInput as exc:
        problems.append(f"leaf {leaf.index}: {exc.message}")
        return
    if seq != leaf.index:
        problems.append(f"leaf {leaf.index}: records seq {seq}, stored at index {leaf.index}")
    if record.event_id != leaf.event_id:
        problems.append(
            f"leaf {leaf.index}: records event {record.event_id}, stored beside event "
            f"{leaf.event_id}"
        )


def hash_problems(
    storage: LogStorage,
    start: int,
    end: int,
    completed: list[SubtreeHash],
    problems: list[str],
) -> None:
    """Compare the subtree hashes leaves [start, end) complete with the stored ones: each
    must be stored with the recomputed value, and no other row may end in that range."""
    stored = {(h.level, h.index): h.hash for h in storage.hashes_completed_in(start, end)}
    for want in completed:
        got = stored.pop((want.level, want.index), None)
        if got is None:
            problems.append(
                f"leaf {want.subtree.start}: stored hash of subtree ({want.level}, "
                f"{want.index}) is missing"
            )
        elif got != want.hash:
            problems.append(
                f"leaf {want.subtree.start}: stored hash of subtree ({want.level}, "
                f"{want.index}) is {got.hex()}, recomputed {want.hash.hex()}"
            )
    for level, position in sorted(stored):
        problems.append(f"stored hash of subtree ({level}, {position}) has no place in the tree")


def push_leaves(
    stack: list[SubtreeHash], completed: list[SubtreeHash], leaves: Sequence[StoredLeaf]
) -> None:
    """``push_leaf`` for each of ``leaves`` (consecutive, from the size the stack holds),
    level by level: all the leaf hashes, then their parents two by two, and so on up
    (RFC 9162 §2.1.1), so each level is one pass instead of a merge loop per leaf (an
    append runs this for every leaf; the loop was a third of its time). ``completed``
    gets each level's new hashes in order of position, level after level.

    At each level the new hashes start where the stored ones end; when that position is
    odd, its left sibling is the stack's hash of that level, which joins them. An odd one
    left at the end waits on the stack for its right sibling."""
    if not leaves:
        return
    sha256 = hashlib.sha256
    level, first = 0, leaves[0].index
    hashes = [sha256(LEAF_PREFIX + leaf.data).digest() for leaf in leaves]
    waiting: list[SubtreeHash] = []
    while hashes:
        completed.extend([SubtreeHash(level, first + k, h) for k, h in enumerate(hashes)])
        if stack and stack[-1].level == level:
            hashes.insert(0, stack.pop().hash)
            first -= 1
        if len(hashes) % 2:
            waiting.append(SubtreeHash(level, first + len(hashes) - 1, hashes.pop()))
        hashes = [
            sha256(NODE_PREFIX + hashes[k] + hashes[k + 1]).digest()
            for k in range(0, len(hashes), 2)
        ]
        level, first = level + 1, first >> 1
    stack.extend(reversed(waiting))


def push_leaf(
    stack: list[SubtreeHash], completed: list[SubtreeHash], hash_: bytes, index: int
) -> None:
    """Add leaf ``index`` to the right edge, merging equal levels (a binary counter)."""
    node = SubtreeHash(0, index, hash_)
    completed.append(node)
    while stack and stack[-1].level == node.level:
        left = stack.pop()
        node = SubtreeHash(node.level + 1, node.index >> 1, node_hash(left.hash, node.hash))
        completed.append(node)
    stack.append(node)


def fold_edge(stack: Sequence[SubtreeHash]) -> bytes:
    """The root of [0, size) from its complete subtrees, largest first (RFC 9162 §2.1.1)."""
    if not stack:
        return EMPTY_ROOT
    root = stack[-1].hash
    for left in reversed(stack[:-1]):
        root = node_hash(left.hash, root)
    return root


def _check_size(storage: LogStorage, size: int) -> None:
    """A tree larger than the log does not exist (yet): not found, not bad input, since no
    schema a caller reads can know the log's size (issue 13.8)."""
    if size < 0:
        raise InvalidInput(f"tree size {size} is negative", where="size")
    head = storage.read_head()
    if size > head.size:
        raise NotFound(
            f"tree size {size} is beyond the log: want 0 <= size <= {head.size}", where="size"
        )
