"""The tamper-evident ledger: RFC 9162 Merkle log, C2SP checkpoints, cosignatures, witnessing.

Pure modules (no I/O): ``merkle`` (hashing, proofs, verification), ``subtree`` (proofs from
stored subtree hashes), ``compact_range`` (in-memory tree of complete subtrees), ``note``
(C2SP signed notes, vkeys), ``checkpoint`` (C2SP tlog-checkpoint), ``cosignature`` (C2SP
tlog-cosignature v1) and ``witness`` (the tlog-witness update rule and fork checks). The
persistent log lives in ``log`` and is the only module here that touches storage.
"""
