"""Proofs served from stored hashes of complete subtrees, reading O(log n) of them.

A persistent log cannot rehash every leaf to answer a proof. It keeps the hash of every
complete ("perfect") subtree instead, one row per node keyed by (level, index): the node at
level ``l`` and index ``i`` covers leaves [i * 2^l, (i + 1) * 2^l). Those rows never change
once written, because a complete subtree of an append-only log never gets new leaves.

Every node of the RFC 9162 §2.1.1 tree covers a range D[a:b] whose MTH is the right fold
of the complete subtrees that make up [a, b), largest first: MTH splits at the largest
power of two k < n, the left part is complete, and the right part splits the same way.
So the roots (MTH), inclusion paths (PATH, §2.1.3.1) and consistency proofs (SUBPROOF,
§2.1.4.1) are planned here as ranges, decomposed into complete subtrees, fetched from a
``TreeHashSource`` in one batch and folded. Each proof element is a sibling of one node on
a path, and at most one of them is not complete (the one on the tree's right edge), so a
proof needs O(log n) stored hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from repatria.errors import InvalidInput
from repatria.ledger.merkle import EMPTY_ROOT, node_hash, split_point


@dataclass(frozen=True, slots=True, order=True)
class Subtree:
    """A complete subtree: 2^level leaves starting at leaf index * 2^level.

    (level, index) is the key under which a store keeps its hash. Level 0 holds leaf
    hashes (RFC 9162 §2.1.1, HASH(0x00 || d)).
    """

    level: int
    index: int

    def __post_init__(self) -> None:
        if self.level < 0 or self.index < 0:
            raise InvalidInput(
                f"subtree ({self.level}, {self.index}) must have level >= 0 and index >= 0",
                where="subtree",
            )

    @property
    def start(self) -> int:
        """Index of the first leaf under this subtree."""
        return self.index << self.level

    @property
    def end(self) -> int:
        """Index one past the last leaf under this subtree."""
        return (self.index + 1) << self.level


@dataclass(slots=True)
class SubtreeHash:
    """The hash of one complete subtree: the row a log stores under (level, index).

    A record never changed once made, but not a frozen dataclass: a frozen one's
    ``__init__`` sets each field through ``object.__setattr__`` and costs 3.7 times as much,
    and an append makes two of these per leaf (issue 14.6: appends within 2x of a plain
    table)."""

    level: int
    index: int
    hash: bytes

    @property
    def subtree(self) -> Subtree:
        return Subtree(self.level, self.index)


class TreeHashSource(Protocol):
    """Where proofs get stored hashes of complete subtrees.

    ``subtree_hashes`` returns the hashes of the given subtrees, in the order asked. The
    functions of this module ask once per proof, for O(log n) subtrees, so a database can
    answer with one query (``WHERE (level, index) IN (...)``). A source raises ``NotFound``
    for a subtree it does not hold (not yet complete, or never stored).
    """

    def subtree_hashes(self, subtrees: Sequence[Subtree]) -> Sequence[bytes]: ...


def complete_subtrees(start: int, end: int) -> list[Subtree]:
    """Return the complete subtrees that make up [start, end), largest first.

    Requires that [start, end) be a node of an RFC 9162 tree (or [0, size)): each piece of
    the binary decomposition of end - start must then start on a multiple of its own size.
    """
    if not 0 <= start <= end:
        raise InvalidInput(f"range [{start}, {end}) is not a range of leaves", where="range")
    pieces: list[Subtree] = []
    remaining, position = end - start, start
    for level in range(remaining.bit_length() - 1, -1, -1):
        width = 1 << level
        if remaining & width:
            if position % width:
                raise InvalidInput(
                    f"range [{start}, {end}) is not a node of the tree: a subtree of {width} "
                    f"leaves cannot start at leaf {position}",
                    where="range",
                )
            pieces.append(Subtree(level, position >> level))
            position += width
    return pieces


def root_from(source: TreeHashSource, size: int) -> bytes:
    """Return MTH(D[size]) from stored hashes (RFC 9162 §2.1.1): O(log size) of them."""
    if size < 0:
        raise InvalidInput(f"tree size {size} must not be negative", where="size")
    if size == 0:
        return EMPTY_ROOT
    return _hash_ranges(source, [(0, size)])[0]


def inclusion_proof_from(source: TreeHashSource, index: int, size: int) -> list[bytes]:
    """Return PATH(index, D[size]) (RFC 9162 §2.1.3.1) from stored hashes.

    Requires 0 <= index < size. Equal to ``merkle.inclusion_proof(index, leaves[:size])``.
    """
    (proof,) = inclusion_proofs_from(source, [index], size)
    return proof


def inclusion_proofs_from(
    source: TreeHashSource, indexes: Sequence[int], size: int
) -> list[list[bytes]]:
    """PATH(i, D[size]) for each ``i`` of ``indexes``, from one batched read: the leaves of a
    group commit sit side by side, so their paths share most of their subtrees."""
    for index in indexes:
        if not 0 <= index < size:
            raise InvalidInput(
                f"leaf index {index} is outside the tree: want 0 <= index < {size}",
                where="index",
            )
    if not indexes:
        return []
    paths = [inclusion_ranges(index, size) for index in indexes]
    hashes = _hash_ranges(source, [r for path in paths for r in path])
    proofs: list[list[bytes]] = []
    offset = 0
    for path in paths:
        proofs.append(hashes[offset : offset + len(path)])
        offset += len(path)
    return proofs


def consistency_proof_from(source: TreeHashSource, old_size: int, new_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1) from stored hashes.

    Requires 0 <= old_size <= new_size. Equal to
    ``merkle.consistency_proof(old_size, leaves[:new_size])``.
    """
    if not 0 <= old_size <= new_size:
        raise InvalidInput(
            f"old size {old_size} must satisfy 0 <= old size <= new size {new_size}",
            where="old_size",
        )
    return _hash_ranges(source, consistency_ranges(old_size, new_size))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose MTH make up PATH(index, D[size]), in proof order.

    Walks RFC 9162 §2.1.3.1 from the root down: at each node D[a:b] split at k, the path
    goes into the half holding ``index`` and the other half is a proof element. The proof
    lists them from the leaf up, so the walk is reversed.
    """
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose MTH make up PROOF(old_size, D[new_size]), in proof order.

    Walks SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1 from the root down. When m reaches the
    size of the current node, that node closes the proof unless b is still true (the node
    is then the whole old tree, whose root the verifier already has).
    """
    if old_size in (0, new_size):
        return []
    above: list[tuple[int, int]] = []
    m, start, end, complete = old_size, 0, new_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            above.append((start + k, end))
            end = start + k
        else:
            above.append((start, start + k))
            m -= k
            start += k
            complete = False
    above.reverse()
    return above if complete else [(start, end), *above]


def _hash_ranges(source: TreeHashSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, from one batched read of its complete subtrees."""
    plans = [complete_subtrees(start, end) for start, end in ranges]
    wanted = [subtree for plan in plans for subtree in plan]
    hashes = list(source.subtree_hashes(wanted))
    if len(hashes) != len(wanted):
        raise InvalidInput(
            f"tree hash source returned {len(hashes)} hashes for {len(wanted)} subtrees",
            where="source",
        )
    result: list[bytes] = []
    offset = 0
    for plan in plans:
        pieces = hashes[offset : offset + len(plan)]
        offset += len(plan)
        folded = pieces[-1]
        for left in reversed(pieces[:-1]):
            folded = node_hash(left, folded)
        result.append(folded)
    return result
