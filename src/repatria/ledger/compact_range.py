"""An in-memory tree of complete subtrees that grows one leaf at a time.

``CompactRange`` keeps, for every level, the hashes of all complete subtrees at that level
in leaf order: exactly the (level, index) -> hash rows a persistent log stores, which is
why ``append`` returns the rows it completed. Appending hashes the leaf and then merges
while the new node is a right child, so n appends cost n leaf hashes and fewer than n node
hashes (amortised O(1) each, as for a binary counter). The right edge of these levels, one
node per set bit of the size, is the compact range [0, size) whose right fold is the root
(RFC 9162 §2.1.1).

It implements ``TreeHashSource``, so proofs for any size up to the current one come from
``repatria.ledger.subtree`` in O(log n) reads. It serves as the reference the persistent
log is compared with, and as the fast side of the proof benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from repatria.errors import InvalidInput, NotFound
from repatria.ledger.merkle import HASH_SIZE, leaf_hash, node_hash
from repatria.ledger.subtree import (
    Subtree,
    SubtreeHash,
    consistency_proof_from,
    inclusion_proof_from,
    root_from,
)


class CompactRange:
    """All complete subtree hashes of an append-only Merkle tree, held in memory."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = []
        for data in leaves:
            self.append(data)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return len(self._levels[0]) if self._levels else 0

    def append(self, data: bytes) -> list[SubtreeHash]:
        """Append one leaf's data; return the subtree hashes it completed, leaf first."""
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, hash_: bytes) -> list[SubtreeHash]:
        """Append a leaf by its hash (RFC 9162 §2.1.1 HASH(0x00 || d)); see ``append``."""
        if len(hash_) != HASH_SIZE:
            raise InvalidInput(
                f"leaf hash has {len(hash_)} bytes, want {HASH_SIZE}", where="leaf_hash"
            )
        completed: list[SubtreeHash] = []
        level = 0
        while True:
            if level == len(self._levels):
                self._levels.append([])
            row = self._levels[level]
            row.append(hash_)
            completed.append(SubtreeHash(level, len(row) - 1, hash_))
            if len(row) % 2:
                return completed
            hash_ = node_hash(row[-2], row[-1])
            level += 1

    def subtree_hashes(self, subtrees: Sequence[Subtree]) -> list[bytes]:
        """Return the stored hash of each complete subtree (``TreeHashSource``)."""
        hashes: list[bytes] = []
        for subtree in subtrees:
            if subtree.level >= len(self._levels) or subtree.index >= len(
                self._levels[subtree.level]
            ):
                raise NotFound(
                    f"subtree ({subtree.level}, {subtree.index}) covering leaves "
                    f"[{subtree.start}, {subtree.end}) is not complete at size {self.size}",
                    where="subtree",
                )
            hashes.append(self._levels[subtree.level][subtree.index])
        return hashes

    def root(self, size: int | None = None) -> bytes:
        """Return MTH(D[size]) for any size up to the current one (default: the current)."""
        return root_from(self, self._check_size(self.size if size is None else size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return PATH(index, D[size]) (RFC 9162 §2.1.3.1); size defaults to the current."""
        return inclusion_proof_from(
            self, index, self._check_size(self.size if size is None else size)
        )

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Return PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1); new size defaults to the current."""
        new = self._check_size(self.size if new_size is None else new_size)
        return consistency_proof_from(self, old_size, new)

    def rows(self) -> list[SubtreeHash]:
        """Return every stored subtree hash, level by level, for export or comparison."""
        return [
            SubtreeHash(level, index, hash_)
            for level, row in enumerate(self._levels)
            for index, hash_ in enumerate(row)
        ]

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise InvalidInput(
                f"tree size {size} is beyond this tree: want 0 <= size <= {self.size}",
                where="size",
            )
        return size
