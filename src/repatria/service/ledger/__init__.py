"""The node's ledger as use cases, one job a module.

- ``append``: the hook every write goes through. ``record_event`` stages a leaf inside the
  use case's transaction; the leaves of one transaction are appended as one batch just before
  it commits, so a failed append rolls the state change back (reliability.md R20).
- ``checkpoints``: signing the tree head after the self-audit (R3), the latest and served
  checkpoint, cosignatures received for our checkpoints (C2SP tlog-checkpoint, tlog-cosignature).
- ``proofs``: inclusion and consistency proofs (RFC 9162 §2.1.3-§2.1.4) and timeline marks.
- ``alarms``: split views, rollbacks, failed self-audits and deliveries, kept until an operator
  clears them.
- ``verification``: ``repatria ledger verify`` and the offline bundle.
- ``witnessing``: peers, cosigning their checkpoints, gossip (R4) and publishing ours.

The package imports none of its modules here, so that ``append`` (imported by every use case
through ``service.events``) pulls in nothing but the store and the log.
"""
