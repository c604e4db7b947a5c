"""R5, kill part: kill -9 the witness right after it returns a cosignature; it never goes back.

shared/design/reliability.md R5; c2sp.org/tlog-witness requires the witness to persist its
new state before it answers. Witness B is a real ``repatria serve`` process; log node A
pushes a growing checkpoint (``POST /api/ledger/add-checkpoint``), and as soon as B answers
with a cosignature, B gets SIGKILL by its own PID. After each kill, B's stored size must be at
least the size it just cosigned, and after restart B must answer the old size with 409 and
the stored size, never cosign below it. 5 kills in CI, 20 under ``REPATRIA_SOAK=1``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from repatria.ledger.cosignature import CosignatureVerifier
from repatria.ledger.note import open_note
from repatria.ledger.witnessing import format_add_checkpoint
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.node import Node
from repatria.store.ledger_tables import WitnessStateRow
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.ledger_nodes import record
from tests.ledger.served import free_port, pair, sqlite_node, vkeys

pytestmark = pytest.mark.process

KILLS = 20 if os.environ.get("REPATRIA_SOAK") else 5


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node, NodeProcess]]:
    a, b = sqlite_node(tmp_path, "gb-a"), sqlite_node(tmp_path, "gb-b")
    process = NodeProcess(tmp_path / "gb-b", free_port())
    pair(a, "gb-a", "http://127.0.0.1:9", b, "gb-b", process.url)
    try:
        yield a, b, process
    finally:
        process.kill()
        a.close()
        b.close()


def stored_size(witness: Node) -> int:
    with witness.transaction() as session:
        row = session.get(WitnessStateRow, "repatria/gb-a")
        return row.size if row is not None else 0


def test_the_stored_size_survives_kill_9_right_after_a_cosignature(
    nodes: tuple[Node, Node, NodeProcess],
) -> None:
    a, b, process = nodes
    rng = random.Random(5)
    witness_key = CosignatureVerifier.from_vkey(vkeys(b)[1])
    cosigned = 0
    process.start()
    for _ in range(KILLS):
        record(a, rng.randint(1, 9), batch=rng.randint(1, 4))
        signed = ledger_checkpoints.checkpoint_now(a)
        size = signed.checkpoint.size
        proof = ledger_proofs.consistency_proof(a, cosigned, size) if cosigned else []
        answer = httpx.post(
            process.url + "/api/ledger/add-checkpoint",
            content=format_add_checkpoint(cosigned, proof, signed.note),
            timeout=10,
        )
        process.kill()  # SIGKILL the moment the cosignature is in hand
        assert answer.status_code == 200, answer.text
        opened = open_note(signed.note.rstrip("\n") + "\n" + answer.text, [witness_key])
        assert len(opened.verified) == 1  # a real cosignature of this checkpoint
        assert stored_size(b) >= size > cosigned
        cosigned = size
        process.start()
        if cosigned > 1:
            # Replaying an older size after the restart: 409 with the stored size, no cosignature.
            stale = httpx.post(
                process.url + "/api/ledger/add-checkpoint",
                content=format_add_checkpoint(cosigned - 1, [], signed.note),
                timeout=10,
            )
            assert stale.status_code == 409 and stale.text == f"{cosigned}\n"
    assert stored_size(b) == cosigned
