"""R4, gossip inputs: what a peer claims to have seen counts only if the log's key signed it.

A witness gossiping with a peer must not raise an alarm on notes the peer made up: a note
that does not verify under the origin's configured log key proves nothing about that log
(c2sp.org/signed-note; docs/ledger.md, "Gossip"). Servers run in threads on loopback here;
the process-level runs are in ``test_r4_split_view_gossip.py``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.ledger.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from repatria.ledger.cosignature import Cosignature
from repatria.service.keys import log_signer
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.store.ledger_tables import SqlWitnessStore
from tests.ledger.ledger_nodes import record
from tests.ledger.served import admin_of, free_port, pair, serving, sqlite_node, vkeys

pytestmark = pytest.mark.process


def test_gossip_keeps_only_notes_signed_by_the_log_and_alarms_on_a_real_split(
    tmp_path: Path,
) -> None:
    a, b, c = (sqlite_node(tmp_path, n) for n in ("gb-a", "gb-b", "gb-c"))
    port = free_port()
    pair(b, "gb-b", "http://127.0.0.1:9", c, "gb-c", f"http://127.0.0.1:{port}")
    log_vkey, witness_vkey = vkeys(a)
    for w in (b, c):
        ledger_witnessing.add_peer(
            w, admin_of(w), "gb-a", "http://127.0.0.1:9", log_vkey, witness_vkey
        )
    record(a, 3)
    real = ledger_checkpoints.checkpoint_now(a)
    size = real.checkpoint.size
    # C claims to have seen another root at the same size, signed by a key that is not A's.
    impostor = sign_checkpoint(
        Checkpoint("repatria/gb-a", size, secrets.token_bytes(32)),
        "repatria/gb-a",
        Ed25519PrivateKey.generate(),
    ).to_text()
    with c.transaction() as session:
        SqlWitnessStore(session).record_seen(SignedCheckpoint(real.checkpoint, real.note))
        SqlWitnessStore(session).record_seen(SignedCheckpoint(real.checkpoint, impostor))
    assert isinstance(
        ledger_witnessing.witness_add_checkpoint(b, f"old 0\n\n{real.note}"), Cosignature
    )
    try:
        with serving(c, port):
            result = ledger_witnessing.gossip_with(b, "gb-c")
            assert (result.fetched, result.rejected, result.alarms) == (1, 1, ())
            assert ledger_alarms.alarms(b) == []
            # Now C holds a forged note that A's own key signed: that is a split view.
            signer = log_signer(a)
            forged = sign_checkpoint(
                Checkpoint("repatria/gb-a", size, secrets.token_bytes(32)), signer.name, signer.key
            ).to_text()
            with c.transaction() as session:
                SqlWitnessStore(session).record_seen(
                    SignedCheckpoint(Checkpoint.from_text(forged.split("\n\n")[0] + "\n"), forged)
                )
            found = ledger_witnessing.gossip_with(b, "gb-c")
            assert len(found.alarms) == 1
            (alarm,) = ledger_alarms.alarms(b)
            assert alarm.kind == "split-view"
            assert {alarm.previous_checkpoint, alarm.new_checkpoint} == {real.note, forged}
            assert ledger_witnessing.gossip_with(b, "gb-c").alarms == ()  # not raised twice
    finally:
        for n in (a, b, c):
            n.close()
