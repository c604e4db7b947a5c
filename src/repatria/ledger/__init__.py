"""The tamper-evident ledger: RFC 9162 Merkle log, C2SP checkpoints, cosignatures, witnessing.

Pure modules (no I/O): ``merkle`` (hashing, proofs, verification), ``subtree`` (proofs from
stored subtree hashes), ``compact_range`` (in-memory tree of complete subtrees), ``note``
(C2SP signed notes, vkeys), ``checkpoint`` (C2SP tlog-checkpoint), ``cosignature`` (C2SP
tlog-cosignature v1) and ``witness`` (the tlog-witness update rule and fork checks). The
persistent log lives in ``log`` and is the only module here that touches storage. The names
below are the ones other layers use; see docs/ledger.md.
"""

from repatria.ledger.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    sign_checkpoint,
    verify_note,
)
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.cosignature import (
    Cosignature,
    CosignatureVerifier,
    create_cosignature,
    verify_cosignature,
)
from repatria.ledger.merkle import (
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from repatria.ledger.note import Ed25519Verifier, SignedNote, open_note
from repatria.ledger.subtree import (
    Subtree,
    SubtreeHash,
    TreeHashSource,
    consistency_proof_from,
    inclusion_proof_from,
    root_from,
)
from repatria.ledger.witness import Alarm, AlarmKind, Cosign, check_update, find_forks

__all__ = [
    "Alarm",
    "AlarmKind",
    "Checkpoint",
    "CompactRange",
    "Cosign",
    "Cosignature",
    "CosignatureVerifier",
    "Ed25519Verifier",
    "SignedCheckpoint",
    "SignedNote",
    "Subtree",
    "SubtreeHash",
    "TreeHashSource",
    "check_update",
    "consistency_proof_from",
    "create_cosignature",
    "find_forks",
    "inclusion_proof_from",
    "leaf_hash",
    "open_note",
    "root_from",
    "root_hash",
    "sign_checkpoint",
    "verify_consistency",
    "verify_cosignature",
    "verify_inclusion",
    "verify_note",
]
