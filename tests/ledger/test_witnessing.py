"""Witnessing between nodes: tlog-witness statuses, persistence, forks and alarms (R4, R5).

The witness (``node``, on the database under test) witnesses a log node ``a`` (SQLite in a
temporary directory). Pushed checkpoints go through the witness's HTTP route; pull rounds
run over real HTTP on loopback.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from repatria.ledger.checkpoint import Checkpoint, sign_checkpoint
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.cosignature import CosignatureVerifier
from repatria.ledger.note import open_note
from repatria.ledger.witnessing import RefusalReason, format_add_checkpoint
from repatria.service.keys import log_signer
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import verification as ledger_verification
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.node import Node, open_node
from repatria.store.ledger_tables import (
    CheckpointRow,
    CosignatureRow,
    LedgerHeadRow,
    LedgerLeafRow,
    WitnessStateRow,
)
from repatria.web.app import create_app
from repatria.web.witness_status import WITNESS_STATUS
from tests.ledger.ledger_nodes import record, rewrite_hashes
from tests.ledger.served import admin_of, free_port, pair, serving, sqlite_node, vkeys


@pytest.fixture
def log_node(tmp_path: Path) -> Iterator[Node]:
    a = sqlite_node(tmp_path, "gb-a")
    yield a
    a.close()


@pytest.fixture
def witness(node: Node, log_node: Node) -> Node:
    pair(node, "ng", "http://127.0.0.1:9", log_node, "gb-a", "http://127.0.0.1:9")
    return node


@pytest.fixture
def client(witness: Node) -> Iterator[TestClient]:
    with TestClient(create_app(witness.settings, witness), raise_server_exceptions=False) as c:
        yield c


def push(client: TestClient, old: int, proof: list[bytes], note: str) -> httpx.Response:
    return client.post(
        "/api/ledger/add-checkpoint", content=format_add_checkpoint(old, proof, note)
    )


def stored_size(node: Node, origin: str = "repatria/gb-a") -> int | None:
    with node.transaction() as session:
        row = session.get(WitnessStateRow, origin)
        return row.size if row else None


def forged(log_node: Node, size: int) -> str:
    """A checkpoint the log's own key signed for ``size`` over a root that is not its tree."""
    signer = log_signer(log_node)
    checkpoint = Checkpoint("repatria/gb-a", size, secrets.token_bytes(32))
    return sign_checkpoint(checkpoint, signer.name, signer.key).to_text()


def test_push_cosigns_then_extends_with_a_consistency_proof(
    witness: Node, log_node: Node, client: TestClient
) -> None:
    record(log_node, 5, batch=5)
    first = ledger_checkpoints.checkpoint_now(log_node)
    answer = push(client, 0, [], first.note)
    assert answer.status_code == 200, answer.text
    _, witness_vkey = vkeys(witness)
    opened = open_note(first.note + answer.text, [CosignatureVerifier.from_vkey(witness_vkey)])
    m = first.checkpoint.size
    assert opened.verified and stored_size(witness) == m
    record(log_node, 6, batch=3)
    second = ledger_checkpoints.checkpoint_now(log_node)
    n = second.checkpoint.size
    assert n == m + 6
    proof = ledger_proofs.consistency_proof(log_node, m, n)
    assert push(client, m, proof, second.note).status_code == 200
    assert stored_size(witness) == n
    assert push(client, n, [], second.note).status_code == 200  # same again: fine


def test_the_refusal_table(witness: Node, log_node: Node, client: TestClient) -> None:
    """tlog-witness: 404, 403, 400, 409 (body: stored size), 422, and never a cosignature."""
    record(log_node, 4, batch=4)
    cp4 = ledger_checkpoints.checkpoint_now(log_node)
    m = cp4.checkpoint.size
    assert push(client, 0, [], cp4.note).status_code == 200
    record(log_node, 4, batch=4)
    cp8 = ledger_checkpoints.checkpoint_now(log_node)
    n = cp8.checkpoint.size
    proof = ledger_proofs.consistency_proof(log_node, m, n)

    other = sqlite_node(log_node.settings.data_dir.parent, "fr-x")
    record(other, 1)
    unknown = ledger_checkpoints.checkpoint_now(other).note
    other.close()
    assert push(client, 0, [], unknown).status_code == 404
    bad_sig = cp8.note.replace(f"\n{n}\n", f"\n{n + 1}\n", 1)
    assert push(client, m, proof, bad_sig).status_code == 403
    assert push(client, n + 1, proof, cp8.note).status_code == 400
    stale = push(client, m - 1, proof, cp8.note)
    assert stale.status_code == 409 and stale.text == f"{m}\n"
    garbage = [bytes(32)] * len(proof)
    assert push(client, m, garbage, cp8.note).status_code == 422
    lines = "\n".join([base64.b64encode(bytes(32)).decode()] * 64)
    too_many = f"old {m}\n{lines}\n\n{cp8.note}"
    assert client.post("/api/ledger/add-checkpoint", content=too_many).status_code == 400
    assert client.post("/api/ledger/add-checkpoint", content="old 01\n\nx").status_code == 400
    assert stored_size(witness) == m  # nothing above moved the witness
    assert ledger_alarms.alarms(witness) == []  # replayable refusals raise no alarm when pushed
    assert push(client, m, proof, cp8.note).status_code == 200
    assert stored_size(witness) == n


def test_a_split_view_raises_an_alarm_that_stops_cosigning(
    witness: Node, log_node: Node, client: TestClient
) -> None:
    record(log_node, 6, batch=6)
    good = ledger_checkpoints.checkpoint_now(log_node)
    n = good.checkpoint.size
    assert push(client, 0, [], good.note).status_code == 200
    fork = forged(log_node, n)
    assert push(client, n, [], fork).status_code == 422
    [alarm] = ledger_alarms.alarms(witness)
    assert alarm.kind == "split-view"
    # The evidence verifies offline under the log's key: two roots, one size.
    log_vkey, _ = vkeys(log_node)
    from repatria.ledger.checkpoint import verify_note
    from repatria.ledger.note import Ed25519Verifier

    key = [Ed25519Verifier.from_vkey(log_vkey)]
    one, two = (
        verify_note(alarm.previous_checkpoint, key),
        verify_note(alarm.new_checkpoint, key),
    )
    assert one.size == two.size and one.root_hash != two.root_hash
    # Cosigning stops for this origin, even for the honest checkpoint, and across a restart.
    assert push(client, n, [], good.note).status_code == 422
    reopened = open_node(witness.settings)
    try:
        assert [a.id for a in ledger_alarms.alarms(reopened)] == [alarm.id]
    finally:
        reopened.close()
    ledger_alarms.clear_alarm(
        witness, admin_of(witness), alarm.id, "log operator explained; keys reviewed"
    )
    assert push(client, n, [], good.note).status_code == 200


@pytest.mark.process
def test_concurrent_pushes_never_move_the_witness_backwards(witness: Node, log_node: Node) -> None:
    """R5: 40 concurrent requests with interleaved sizes over real HTTP; stored size monotonic."""
    notes: dict[int, str] = {}
    for _ in range(5):
        record(log_node, 3, batch=3)
        cp = ledger_checkpoints.checkpoint_now(log_node)
        notes[cp.checkpoint.size] = cp.note
    sizes = sorted(notes)
    bodies = []
    for i in range(40):
        old = sizes[i % 3]
        new = sizes[min(i % 5 + (i % 2), 4)]
        if old > new:
            old, new = new, old
        proof = ledger_proofs.consistency_proof(log_node, old, new)
        bodies.append((old, format_add_checkpoint(old, proof, notes[new])))
    with serving(witness, free_port()) as url:
        first = httpx.post(
            f"{url}/api/ledger/add-checkpoint",
            content=format_add_checkpoint(0, [], notes[sizes[0]]),
        )
        assert first.status_code == 200

        def send(body: tuple[int, str]) -> tuple[int, int]:
            r = httpx.post(f"{url}/api/ledger/add-checkpoint", content=body[1], timeout=30)
            return body[0], r.status_code

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, bodies))
    assert {status for _, status in results} <= {200, 409}
    assert any(status == 200 for _, status in results)
    final = stored_size(witness)
    # A 200 needs the request's old size to equal the stored size at that moment, so the
    # stored size only moved forward, and ends at or above every size that was cosigned.
    cosigned = [
        int(body.split("\n", 1)[0][4:])
        for (_, status), (_, body) in zip(results, bodies, strict=True)
        if status == 200
    ]
    assert final is not None and final >= max(cosigned, default=sizes[0])
    assert final in sizes


@pytest.mark.process
def test_pull_rounds_over_http_cosign_and_catch_a_rewritten_log(
    witness: Node, log_node: Node, tmp_path: Path
) -> None:
    """R4 in small: B pulls A's checkpoint and proof, cosigns, pushes back; A rewrites history."""
    with serving(log_node, free_port()) as a_url, serving(witness, free_port()) as w_url:
        with witness.transaction() as session:
            from repatria.store.ledger_tables import PeerRow

            session.get(PeerRow, "gb-a").url = a_url  # type: ignore[union-attr]
        with log_node.transaction() as session:
            from repatria.store.ledger_tables import PeerRow

            session.get(PeerRow, "ng").url = w_url  # type: ignore[union-attr]
        ids = record(log_node, 9, batch=3)
        result = ledger_witnessing.witness_peer(witness, "gb-a")
        assert result.cosigned and result.pushed, result
        latest = ledger_checkpoints.latest_checkpoint(log_node)
        assert latest is not None and latest.note.count("\u2014 ") == 2  # log + witness
        assert ledger_proofs.event_marks(log_node, ids)[ids[0]].witnessed
        assert ledger_verification.verify_node_log(log_node).cosignatures == {
            "repatria/ng-test/witness": 1
        }
        record(log_node, 4, batch=4)
        assert ledger_witnessing.witness_peer(witness, "gb-a").cosigned
        held = stored_size(witness)
        assert held == ledger_checkpoints.latest_checkpoint(log_node).checkpoint.size  # type: ignore[union-attr]
        # A's operator rewrites the log: drops the last 5 leaves, appends others, re-signs.
        with log_node.transaction() as session:
            session.execute(delete(LedgerLeafRow).where(LedgerLeafRow.leaf_index >= held - 5))
            leaves = list(
                session.scalars(select(LedgerLeafRow.data).order_by(LedgerLeafRow.leaf_index))
            )
            tree = CompactRange(leaves)
            rewrite_hashes(session, tree.rows())
            session.execute(update(LedgerHeadRow).values(size=tree.size, root=tree.root()))
            session.execute(delete(CosignatureRow))
            session.execute(delete(CheckpointRow))
        record(log_node, 6, batch=6)  # one leaf more than before, a different history
        ledger_checkpoints.checkpoint_now(log_node)
        result = ledger_witnessing.witness_peer(witness, "gb-a")
        assert not result.cosigned and result.alarm, result
        [alarm] = ledger_alarms.alarms(witness)
        assert alarm.kind == "inconsistent"
        assert stored_size(witness) == held  # the witness kept what it had cosigned
        assert not ledger_witnessing.witness_peer(witness, "gb-a").cosigned  # stopped until cleared


def test_every_refusal_reason_has_its_tlog_witness_status() -> None:
    """The core gives reasons; only the web shell knows their HTTP status (tlog-witness)."""
    assert set(WITNESS_STATUS) == set(RefusalReason)
    assert WITNESS_STATUS[RefusalReason.OLD_SIZE_MISMATCH][0] == 409
