"""The self-audit before a checkpoint is signed, at a cost that does not grow with the log.

R3 (reliability.md; the Yeti 2022 lesson; C2SP tlog-checkpoint: never sign a checkpoint
inconsistent with one signed before) asks that a node sign no root it has not recomputed
from its stored leaves. Rehashing every leaf before every signature gives that at O(n) per
checkpoint, so n receipts, each needing a checkpoint, cost O(n²) (issue 14.1). This audit
gives the same guarantee for what a signature depends on, from O(new leaves + log n + W)
reads:

- **The base** is the newest checkpoint this node signed (its signature verified by the
  caller), whose root was audited in the same way before it was signed. The stored right
  edge at its size m, the complete subtrees of [0, m) (at most ⌈log₂ m⌉ rows), must fold to
  that signed root. The edge is all of the old tree that a larger tree's root depends on
  (RFC 6962 §2.1: MTH(D[n]) folds the subtrees of [0, m) on the edge with the new leaves).
- **The increment** is the leaves [m, n). They are read, checked (format, ``seq``, the event
  beside them) and rehashed onto that edge. Every subtree hash they complete must equal the
  stored one, none missing and none extra, no leaf may be stored past n, and the fold must
  equal the head's root. The root signed is then the root of the signed tree at m extended
  by the stored new leaves, so it is consistent with every checkpoint signed before.
- **The sweep** re-checks W old leaves per audit, in order, wrapping around at m. Each leaf's
  stored hash must equal its rehash, and every stored subtree hash those leaves complete must
  equal the hash of its two stored children. So every stored row of [0, m) is checked within
  ⌈m / W⌉ audits. A damaged row that no signature depends on (an old leaf, an interior hash
  off the edge) is found then. It is found sooner when a proof would use it, because a
  served proof is verified first (``service.ledger.proofs``).

What it does not do, and ``repatria ledger verify`` (a full recomputation, ``log.recompute``)
does: compare old leaves and hashes with the tree in one pass, and count every row. A row
with no place in the tree (an extra subtree hash beyond the head) is never read by a proof
or an append, and only verify reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from repatria.errors import NotFound
from repatria.ledger.log import (
    CHUNK,
    LogHead,
    LogStorage,
    StoredLeaf,
    fold_edge,
    hash_problems,
    leaf_problems,
    push_leaf,
)
from repatria.ledger.merkle import EMPTY_ROOT, leaf_hash, node_hash
from repatria.ledger.subtree import Subtree, SubtreeHash, complete_subtrees

SWEEP = 64
"""Old leaves re-checked per audit: a damaged old row is found within ⌈size / 64⌉ audits."""


@dataclass(frozen=True, slots=True)
class AuditBase:
    """A tree head this node signed: its size and the root its signature covers."""

    size: int
    root: bytes


NO_BASE = AuditBase(0, EMPTY_ROOT)
"""The empty tree: the first audit, from no checkpoint, rehashes every leaf."""


@dataclass
class Audit:
    """What an audit found: the recomputed root, problems (first first), the next sweep."""

    size: int
    root: bytes = EMPTY_ROOT
    problems: list[str] = field(default_factory=list)
    next_sweep: int = 0
    leaves_read: int = 0


def audit_since(
    storage: LogStorage, base: AuditBase, head: LogHead, sweep_from: int, sweep: int = SWEEP
) -> Audit:
    """Audit the log at ``head`` against ``base``: its edge, the new leaves, and a sweep of
    ``sweep`` old leaves from leaf ``sweep_from`` (wrapping at ``base.size``)."""
    result = Audit(head.size)
    if head.size < base.size:
        result.problems.append(
            f"the head says {head.size} leaves, but this node signed a checkpoint at size "
            f"{base.size}: the log lost leaves"
        )
        return result
    stack = _edge(storage, base, result.problems)
    if result.problems:
        return result
    _increment(storage, base.size, head.size, stack, result)
    if result.problems:
        return result
    result.root = fold_edge(stack)
    if result.root != head.root:
        result.problems.append(
            f"root recomputed from the checkpoint at size {base.size} and leaves "
            f"[{base.size}, {head.size}) is {result.root.hex()}, the head says {head.root.hex()}"
        )
        return result
    result.next_sweep = _sweep(storage, base.size, sweep_from, sweep, result)
    return result


def _edge(storage: LogStorage, base: AuditBase, problems: list[str]) -> list[SubtreeHash]:
    edge = complete_subtrees(0, base.size)
    try:
        hashes = storage.subtree_hashes(edge)
    except NotFound as missing:
        problems.append(f"the right edge of the checkpoint at size {base.size}: {missing.message}")
        return []
    stack = [SubtreeHash(s.level, s.index, h) for s, h in zip(edge, hashes, strict=True)]
    if fold_edge(stack) != base.root:
        problems.append(
            f"the stored right edge at size {base.size} (subtrees "
            f"{', '.join(f'({s.level}, {s.index})' for s in edge)}) does not fold to the root "
            f"this node signed at size {base.size}"
        )
    return stack


def _increment(
    storage: LogStorage, start: int, end: int, stack: list[SubtreeHash], result: Audit
) -> None:
    expected = start
    for chunk_start in range(start, end, CHUNK):
        chunk_end = min(chunk_start + CHUNK, end)
        completed: list[SubtreeHash] = []
        for leaf in storage.leaves(chunk_start, chunk_end):
            if leaf.index != expected:
                result.problems.append(
                    f"leaf {expected}: missing (next stored leaf is {leaf.index})"
                )
                return
            leaf_problems(leaf, result.problems)
            push_leaf(stack, completed, leaf_hash(leaf.data), leaf.index)
            expected += 1
        result.leaves_read += chunk_end - chunk_start
        if expected != chunk_end:
            result.problems.append(f"leaf {expected}: missing (stored leaves stop early)")
            return
        hash_problems(storage, chunk_start, chunk_end, completed, result.problems)
    beyond = storage.leaves(end, end + 1)
    if beyond:
        result.problems.append(f"leaf {beyond[0].index} is stored beyond the head's size {end}")


def _sweep(storage: LogStorage, size: int, start: int, width: int, result: Audit) -> int:
    """Check leaves [start, start + width) of [0, size) and the nodes they complete."""
    if size == 0 or width <= 0:
        return 0
    start = start if 0 <= start < size else 0
    end = min(start + width, size)
    leaves = storage.leaves(start, end)
    result.leaves_read += len(leaves)
    indices = [leaf.index for leaf in leaves]
    if indices != list(range(start, end)):
        missing = next(i for i in range(start, end) if i not in set(indices))
        result.problems.append(f"leaf {missing}: missing (found by the sweep of [{start}, {end}))")
        return start
    stored = {(h.level, h.index): h.hash for h in storage.hashes_completed_in(start, end)}
    wanted = _completed_by(start, end)
    absent = [s for s in wanted if (s.level, s.index) not in stored]
    if absent:
        s = absent[0]
        result.problems.append(
            f"leaf {s.start}: stored hash of subtree ({s.level}, {s.index}) is missing "
            "(found by the sweep)"
        )
        return start
    for leaf in leaves:
        _check_leaf(leaf, stored[(0, leaf.index)], result.problems)
    children = [
        child
        for s in wanted
        if s.level > 0
        for child in (Subtree(s.level - 1, 2 * s.index), Subtree(s.level - 1, 2 * s.index + 1))
        if (child.level, child.index) not in stored
    ]
    try:
        outside = dict(
            zip(
                ((c.level, c.index) for c in children),
                storage.subtree_hashes(children),
                strict=True,
            )
        )
    except NotFound as missing:
        result.problems.append(f"sweep of [{start}, {end}): {missing.message}")
        return start
    known = stored | outside
    for s in wanted:
        if s.level == 0:
            continue
        left, right = known[(s.level - 1, 2 * s.index)], known[(s.level - 1, 2 * s.index + 1)]
        if node_hash(left, right) != stored[(s.level, s.index)]:
            result.problems.append(
                f"leaf {s.start}: stored hash of subtree ({s.level}, {s.index}) is not the "
                "hash of its two stored children (found by the sweep)"
            )
    return end if end < size else 0


def _check_leaf(leaf: StoredLeaf, stored: bytes, problems: list[str]) -> None:
    leaf_problems(leaf, problems)
    if leaf_hash(leaf.data) != stored:
        problems.append(
            f"leaf {leaf.index}: stored hash {stored.hex()} is not the hash of the stored leaf "
            "(found by the sweep)"
        )


def _completed_by(start: int, end: int) -> list[Subtree]:
    """The complete subtrees whose last leaf is in [start, end), lowest level first."""
    done: list[Subtree] = []
    for index in range(start, end):
        level = 0
        while (index + 1) % (1 << level) == 0:
            done.append(Subtree(level, ((index + 1) >> level) - 1))
            level += 1
    return done
