"""Merkle tree hashing, proofs and their verification, as RFC 9162 §2.1 defines them.

The ledger is an append-only list of leaves. Its tree head commits to all of them through
the Merkle Tree Hash (MTH) of RFC 9162 §2.1.1, with SHA-256 and the domain-separation
prefixes 0x00 for leaves and 0x01 for interior nodes (the second-preimage defence of
§2.1.1). Inclusion proofs (PATH, §2.1.3) show that a leaf is in a tree of a given size;
consistency proofs (PROOF and SUBPROOF, §2.1.4) show that a tree of one size is a prefix
of a larger one. These are the same trees as RFC 6962 §2.1, so C2SP checkpoints and the
transparency-dev tooling can check our logs.

The functions that take ``leaves`` recompute hashes from leaf data: they are the plain
statement of the RFC and cost O(n) hashes per call. A persistent log serves proofs from
stored subtree hashes instead (``repatria.ledger.subtree``). Verification needs only the
proof, so it is the same for both.

All hashes are raw 32-byte SHA-256 digests. Verification functions raise
``VerificationFailed`` with a message that says what was found and what was wanted, and
return ``None`` on success; this module holds no state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from repatria.errors import InvalidInput, VerificationFailed

HASH_SIZE = 32
"""Bytes in a SHA-256 digest, the only hash this ledger uses."""

LEAF_PREFIX = b"\x00"
"""RFC 9162 §2.1.1: a leaf hash is HASH(0x00 || leaf data)."""

NODE_PREFIX = b"\x01"
"""RFC 9162 §2.1.1: an interior node hash is HASH(0x01 || left || right)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 9162 §2.1.1: the hash of an empty list is the hash of the empty string."""


def leaf_hash(data: bytes) -> bytes:
    """Return MTH({d(0)}) = SHA-256(0x00 || data), the hash of one leaf (RFC 9162 §2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), an interior node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """Return k, the largest power of two smaller than n, where MTH splits D[n] (n > 1).

    RFC 9162 §2.1.1: "let k be the largest power of two smaller than n (i.e., k < n <= 2k)".
    """
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) for the leaf data ``leaves`` (RFC 9162 §2.1.1).

    The empty tree's root is SHA-256 of the empty string.
    """
    return _mth(leaves, 0, len(leaves))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Return PATH(index, D[n]), the inclusion proof of leaf ``index`` (RFC 9162 §2.1.3.1).

    Requires 0 <= index < len(leaves). The proof lists sibling hashes from the leaf up to
    the root, in the order ``verify_inclusion`` consumes them.
    """
    size = len(leaves)
    if not 0 <= index < size:
        raise InvalidInput(
            f"leaf index {index} is outside the tree: want 0 <= index < {size}", where="index"
        )
    return _path(index, 0, size, leaves)


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Return PROOF(old_size, D[n]), the consistency proof from ``old_size`` (RFC 9162 §2.1.4.1).

    Requires 0 <= old_size <= len(leaves). The proof is empty when the sizes are equal and,
    as C2SP tlog-witness requires, when ``old_size`` is 0: every tree extends the empty one.
    """
    size = len(leaves)
    if not 0 <= old_size <= size:
        raise InvalidInput(
            f"old size {old_size} is outside the tree: want 0 <= old size <= {size}",
            where="old_size",
        )
    if old_size in (0, size):
        return []
    return _subproof(old_size, 0, size, True, leaves)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Return the root that ``proof`` implies for ``leaf_hash`` at ``index`` of ``size`` leaves.

    Requires 0 <= index < size and a proof of exactly the length the tree shape demands.
    This is the verification algorithm of RFC 9162 §2.1.3.2, stopped before the final
    comparison with a known root; callers compare the result themselves.
    """
    if not 0 <= index < size:
        raise VerificationFailed(
            f"leaf index {index} is not below tree size {size}", where="inclusion proof"
        )
    _check_hash(leaf_hash, "leaf hash")
    want = inclusion_proof_size(index, size)
    _check_proof(proof, want, "inclusion proof")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        # Step 4a cannot trigger once the length is checked; kept as the RFC states it.
        if sn == 0:
            raise VerificationFailed("proof is longer than the path", where="inclusion proof")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("proof is shorter than the path", where="inclusion proof")
    return r


def verify_inclusion(
    leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_data`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Requires 0 <= index < size. RFC 9162 §2.1.3.2; raises ``VerificationFailed``.
    """
    verify_leaf_hash_inclusion(leaf_hash(leaf_data), index, size, proof, root)


def verify_leaf_hash_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Like ``verify_inclusion`` for a caller that holds the leaf hash rather than its data."""
    _check_hash(root, "root")
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if calculated != root:
        raise VerificationFailed(
            f"root mismatch: calculated {calculated.hex()}, want {root.hex()}",
            where="inclusion proof",
        )


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that the tree of ``old_size`` leaves with ``old_root`` is a prefix of the newer one.

    Requires 0 <= old_size <= new_size. Equal sizes need an empty proof and equal roots;
    old size 0 needs an empty proof and ``old_root`` equal to the empty tree's root. Other
    cases follow the verification algorithm of RFC 9162 §2.1.4.2. Raises
    ``VerificationFailed``.
    """
    where = "consistency proof"
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    if old_size < 0 or new_size < 0:
        raise VerificationFailed(
            f"sizes {old_size} and {new_size} must not be negative", where=where
        )
    if old_size > new_size:
        raise VerificationFailed(
            f"old size {old_size} is larger than new size {new_size}", where=where
        )
    if old_size == new_size or old_size == 0:
        _check_proof(proof, 0, where)
        want_root = new_root if old_size == new_size else EMPTY_ROOT
        if old_root != want_root:
            raise VerificationFailed(
                f"old root {old_root.hex()} at size {old_size} differs from {want_root.hex()}",
                where=where,
            )
        return
    _check_proof(proof, consistency_proof_size(old_size, new_size), where)

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationFailed("proof is longer than the trees allow", where=where)
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("proof is shorter than the trees need", where=where)
    if fr != old_root:
        raise VerificationFailed(
            f"old root mismatch: calculated {fr.hex()}, want {old_root.hex()}", where=where
        )
    if sr != new_root:
        raise VerificationFailed(
            f"new root mismatch: calculated {sr.hex()}, want {new_root.hex()}", where=where
        )


def inclusion_proof_size(index: int, size: int) -> int:
    """Return the number of hashes in PATH(index, D[size]), for 0 <= index < size.

    Below the level where the paths to ``index`` and to the last leaf part, every level
    contributes a sibling ("inner" nodes); above it, only levels where ``index`` is a right
    child contribute one, since the left-balanced tree has no sibling on the right edge.
    """
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(old_size: int, new_size: int) -> int:
    """Return the number of hashes in PROOF(old_size, D[new_size]), for 0 < old_size < new_size.

    The proof is the inclusion path of the old tree's last complete subtree, a node at level
    ``z`` = trailing zeros of ``old_size``, among the ceil(new_size / 2^z) nodes of that
    level; plus that node itself unless it is the whole old tree (old size a power of two).
    """
    level = (old_size & -old_size).bit_length() - 1
    node = (old_size - 1) >> level
    width = ((new_size - 1) >> level) + 1
    seed = 0 if old_size & (old_size - 1) == 0 else 1
    return seed + inclusion_proof_size(node, width)


def _mth(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) with O(log n) memory: fold complete subtrees as they fill up."""
    if start == end:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []
    for i in range(start, end):
        h, level = leaf_hash(leaves[i]), 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def _path(m: int, start: int, end: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, with m relative to ``start``."""
    n = end - start
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, start, start + k, leaves), _mth(leaves, start + k, end)]
    return [*_path(m - k, start + k, end, leaves), _mth(leaves, start, start + k)]


def _subproof(m: int, start: int, end: int, complete: bool, leaves: Sequence[bytes]) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1; ``complete`` is the flag b."""
    n = end - start
    if m == n:
        return [] if complete else [_mth(leaves, start, end)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, start, start + k, complete, leaves), _mth(leaves, start + k, end)]
    return [*_subproof(m - k, start + k, end, False, leaves), _mth(leaves, start, start + k)]


def _check_hash(value: bytes, name: str) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationFailed(f"{name} has {len(value)} bytes, want {HASH_SIZE}", where=name)


def _check_proof(proof: Sequence[bytes], want: int, where: str) -> None:
    if len(proof) != want:
        raise VerificationFailed(f"wrong proof size {len(proof)}, want {want}", where=where)
    for i, element in enumerate(proof):
        if len(element) != HASH_SIZE:
            raise VerificationFailed(
                f"proof element {i} has {len(element)} bytes, want {HASH_SIZE}", where=where
            )
