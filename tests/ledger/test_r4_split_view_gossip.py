"""R4: a split view and a rollback of node A are caught between witnesses B and C.

shared/design/reliability.md R4; c2sp.org/tlog-witness (record, never cosign a fork);
Go sumdb's "proof of misbehavior"; CT gossip. B and C are real ``repatria serve``
processes on loopback. A rogue operator of A (``harness/rogue.py``) rewrites a leaf at a
random fork point after the size both witnesses saw, re-signs with A's own key, and shows
the real checkpoint to B and the forged one, of the same size, to C, each with a
consistency proof that verifies, so neither witness alone can tell. One gossip round
(``repatria ledger gossip``: B fetches ``GET /api/ledger/seen`` from C and runs
``witness.find_forks``) must raise the alarm, with both signed checkpoints verifiable
offline under A's key; cosigning for A then stops until an operator clears it, and the
alarm survives kill -9 and restart of B and C. CI runs 20 seeded random forks;
``REPATRIA_SOAK=1`` runs 100.
The rollback half of R4 is in ``test_r4_rollback.py``.
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from repatria.ledger.checkpoint import verify_note
from repatria.ledger.note import Ed25519Verifier
from repatria.ledger.witnessing import format_add_checkpoint
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.ledger.alarms import AlarmView
from repatria.service.node import Node
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.harness.rogue import fork
from tests.ledger.ledger_nodes import record
from tests.ledger.served import admin_of, free_port, pair, sqlite_node, vkeys

pytestmark = pytest.mark.process

SOAK = bool(os.environ.get("REPATRIA_SOAK"))
FORKS = 100 if SOAK else 20
SEED = int(os.environ.get("REPATRIA_R4_SEED", "20261129"))

Cosigned = dict[tuple[str, str, int], set[bytes]]


class Witness:
    """A witness node: its database (opened here, as the CLI would) and its process."""

    def __init__(self, base: Path, name: str) -> None:
        self.name = name
        self.node = sqlite_node(base, name)
        self.process = NodeProcess(base / name, free_port())

    def push(self, old: int, proof: list[bytes], note: str) -> httpx.Response:
        return httpx.post(
            self.process.url + "/api/ledger/add-checkpoint",
            content=format_add_checkpoint(old, proof, note),
            timeout=10,
        )


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[tuple[Witness, Witness]]:
    b, c = Witness(tmp_path, "gb-b"), Witness(tmp_path, "gb-c")
    pair(b.node, "gb-b", b.process.url, c.node, "gb-c", c.process.url)
    try:
        b.process.start()
        c.process.start()
        yield b, c
    finally:
        for w in (b, c):
            w.process.kill()
            w.node.close()


def push_and_track(w: Witness, old: int, proof: list[bytes], note: str, seen: Cosigned) -> int:
    """Push ``note`` to ``w``; remember every root it cosigned per (witness, origin, size)."""
    answer = w.push(old, proof, note)
    if answer.status_code == 200:
        cp = verify_note(note, [Ed25519Verifier.from_vkey(LOG_KEYS[note_origin(note)])])
        seen[(w.name, cp.origin, cp.size)].add(cp.root_hash)
    return answer.status_code


LOG_KEYS: dict[str, str] = {}


def note_origin(note: str) -> str:
    return note.split("\n", 1)[0]


def enrol(base: Path, name: str, b: Witness, c: Witness) -> tuple[Node, Ed25519Verifier]:
    """A fresh log node A that B and C witness."""
    a = sqlite_node(base, name)
    log_vkey, witness_vkey = vkeys(a)
    for w in (b, c):
        ledger_witnessing.add_peer(
            w.node, admin_of(w.node), name, "http://127.0.0.1:9", log_vkey, witness_vkey
        )
    verifier = Ed25519Verifier.from_vkey(log_vkey)
    LOG_KEYS[verifier.name] = log_vkey
    return a, verifier


def open_alarms(w: Witness, origin: str) -> list[AlarmView]:
    return [x for x in ledger_alarms.alarms(w.node) if x.origin == origin]


def test_a_split_view_is_caught_in_one_gossip_round(
    tmp_path: Path, witnesses: tuple[Witness, Witness]
) -> None:
    b, c = witnesses
    rng = random.Random(SEED)
    cosigned: Cosigned = defaultdict(set)
    caught = 0
    logs: list[tuple[Node, Ed25519Verifier]] = []
    for i in range(FORKS):
        a, verifier = enrol(tmp_path / "logs", f"gb-a{i}", b, c)
        logs.append((a, verifier))
        origin = verifier.name
        m = rng.randint(1, 8)
        record(a, m, batch=rng.randint(1, m))
        honest = ledger_checkpoints.checkpoint_now(a).note
        assert push_and_track(b, 0, [], honest, cosigned) == 200
        assert push_and_track(c, 0, [], honest, cosigned) == 200
        record(a, rng.randint(1, 12), batch=3)
        real = ledger_checkpoints.checkpoint_now(a)
        n = real.checkpoint.size
        fork_at = rng.randrange(m, n)
        forged = fork(a, fork_at)
        # Each witness alone sees a consistent history and cosigns it.
        assert (
            push_and_track(b, m, ledger_proofs.consistency_proof(a, m, n), real.note, cosigned)
            == 200
        )
        assert push_and_track(c, m, forged.consistency_proof(m), forged.note, cosigned) == 200

        found_b = ledger_witnessing.gossip_with(b.node, "gb-c")
        found_c = ledger_witnessing.gossip_with(c.node, "gb-b")
        alarms_b, alarms_c = open_alarms(b, origin), open_alarms(c, origin)
        if found_b.alarms and found_c.alarms:
            caught += 1
        for alarm in alarms_b + alarms_c:
            assert alarm.kind == "split-view"
            # Offline: both notes verify under A's key alone, same size, different roots.
            first = verify_note(str(alarm.previous_checkpoint), [verifier])
            second = verify_note(str(alarm.new_checkpoint), [verifier])
            assert first.size == second.size == n and first.root_hash != second.root_hash
        assert {a_.id for a_ in alarms_b} == set(found_b.alarms)
        # Cosigning for A has stopped at both witnesses, for the real and the forged log.
        record(a, 1)
        later = ledger_checkpoints.checkpoint_now(a)
        proof = ledger_proofs.consistency_proof(a, n, later.checkpoint.size)
        assert push_and_track(b, n, proof, later.note, cosigned) == 422
        assert push_and_track(c, n, forged.consistency_proof(n), real.note, cosigned) == 422
        assert push_and_track(b, n, [], forged.note, cosigned) == 422
        # A second round raises nothing new.
        assert ledger_witnessing.gossip_with(b.node, "gb-c").alarms == ()
    assert caught == FORKS, f"caught {caught} of {FORKS} forks within one gossip round"
    # No witness ever cosigned two roots for one size of any log.
    assert all(len(roots) == 1 for roots in cosigned.values()), cosigned

    # The alarms survive kill -9 and restart of B and C; cosigning stays stopped.
    b.process.restart()
    c.process.restart()
    a, verifier = logs[0]
    origin = verifier.name
    for w in (b, c):
        assert len(open_alarms(w, origin)) == 1
        served = httpx.get(w.process.url + f"/api/ledger/seen?origin={origin}", timeout=10)
        assert len(served.json()["checkpoints"]) >= 3
    record(a, 2)
    latest = ledger_checkpoints.checkpoint_now(a)
    stored_b = next(p.witnessed_size for p in ledger_witnessing.peers(b.node) if p.origin == origin)
    proof = ledger_proofs.consistency_proof(a, stored_b, latest.checkpoint.size)
    assert push_and_track(b, stored_b, proof, latest.note, cosigned) == 422
    # An operator clears B's alarm: B cosigns A's real log again; C still refuses.
    alarm_id = open_alarms(b, origin)[0].id
    ledger_alarms.clear_alarm(b.node, admin_of(b.node), alarm_id, "A's operator explained the fork")
    assert push_and_track(b, stored_b, proof, latest.note, cosigned) == 200
    assert c.push(0, [], latest.note).status_code == 422
    assert all(len(roots) == 1 for roots in cosigned.values()), cosigned
    for a, _ in logs:
        a.close()
