"""A rogue operator of node A, for R4: rewrite A's log and re-sign it with A's own key.

T1 of the threat model (shared/design/reliability.md §2): an operator with full database
access and the node's keys can rewrite history and sign the result. The only defence is
that witnesses hold the checkpoints signed before, and compare what they saw.

``fork`` reads A's stored leaves, rewrites the leaf at ``fork_at`` (its commitment changes,
as if the event had been edited), recomputes the RFC 9162 §2.1 tree over the rewritten
leaves and signs a checkpoint of the same size with A's signing key. It also gives the
consistency proof from any earlier size of the *rewritten* tree, so a witness that only
saw A's history before ``fork_at`` finds the forged checkpoint consistent: each witness on
its own is fooled, and only gossip between witnesses reveals the split view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from repatria.ledger import log, merkle
from repatria.ledger.checkpoint import Checkpoint, sign_checkpoint
from repatria.service.keys import log_signer, origin_of
from repatria.service.node import Node
from repatria.store.ledger_tables import SqlLogStorage


@dataclass(frozen=True, slots=True)
class ForgedLog:
    """A rewritten copy of A's leaves and the checkpoint A's key signed over it."""

    leaves: tuple[bytes, ...]
    note: str

    def consistency_proof(self, old_size: int) -> list[bytes]:
        return merkle.consistency_proof(old_size, self.leaves)


def stored_leaves(node: Node) -> list[bytes]:
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        size = storage.read_head().size
        return [
            x.data
            for start in range(0, size, log.CHUNK)
            for x in storage.leaves(start, min(start + log.CHUNK, size))
        ]


def fork(node: Node, fork_at: int) -> ForgedLog:
    """Rewrite leaf ``fork_at`` of ``node``'s log and sign the new root at the same size."""
    leaves = stored_leaves(node)
    if not 0 <= fork_at < len(leaves):
        raise ValueError(f"fork point {fork_at} is outside the log of size {len(leaves)}")
    original = leaves[fork_at]
    rewritten = original.replace(b'"commitment":"', b'"commitment":"' + b"0" * 8, 1)
    if rewritten == original:  # no commitment field: change the bytes some other way
        rewritten = original + hashlib.sha256(original).hexdigest().encode("ascii")
    leaves[fork_at] = rewritten
    signer = log_signer(node)
    checkpoint = Checkpoint(origin_of(node.config.node_id), len(leaves), merkle.root_hash(leaves))
    return ForgedLog(tuple(leaves), sign_checkpoint(checkpoint, signer.name, signer.key).to_text())
