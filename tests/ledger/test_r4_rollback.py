"""R4, rollback: node A's database is restored from a backup while A runs; B's pull catches it.

shared/design/reliability.md R4; c2sp.org/tlog-witness. A and B are real ``repatria serve``
processes on loopback. B cosigns A's checkpoint of size n by pulling (``repatria ledger
witness``). A's operator then stops A, restores the database copied at size m < n, appends a
seeded random number of other events and starts A again. B's next pull must raise the alarm
of the kind that history shows: ``rollback`` (size below n), ``split-view`` (size n, another
root) or ``inconsistent`` (larger, no valid consistency proof); the alarm carries both signed
checkpoints, verifiable offline under A's key, and survives kill -9 and restart of B, which
keeps refusing to cosign A.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from repatria.ledger.checkpoint import verify_note
from repatria.ledger.note import Ed25519Verifier
from repatria.ledger.witnessing import RefusalReason
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.ledger.alarms import AlarmView
from repatria.service.node import Node, open_node
from repatria.settings import Settings
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.ledger_nodes import log_size, record
from tests.ledger.served import free_port, pair, sqlite_node, vkeys

pytestmark = pytest.mark.process

SEED = int(os.environ.get("REPATRIA_R4_SEED", "20261129"))


class Witness:
    def __init__(self, base: Path, name: str) -> None:
        self.node = sqlite_node(base, name)
        self.process = NodeProcess(base / name, free_port())


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[Witness]:
    b = Witness(tmp_path, "gb-b")
    try:
        yield b
    finally:
        b.process.kill()
        b.node.close()


def open_alarms(node: Node, origin: str) -> list[AlarmView]:
    return [x for x in ledger_alarms.alarms(node) if x.origin == origin]


def reopen(data_dir: Path) -> Node:
    return open_node(Settings(data_dir=data_dir))


@pytest.mark.parametrize("kind", ["rollback", "split-view", "inconsistent"])
def test_a_restored_backup_of_a_is_caught_on_the_next_pull(
    tmp_path: Path, witness: Witness, kind: str
) -> None:
    """A runs as a third process; its database is restored from a backup; B pulls from it."""
    b = witness
    rng = random.Random(f"{SEED}-{kind}")
    a = sqlite_node(tmp_path, "gb-a")
    a_proc = NodeProcess(tmp_path / "gb-a", free_port())
    pair(b.node, "gb-b", b.process.url, a, "gb-a", a_proc.url)
    record(a, rng.randint(1, 10))
    m = log_size(a)
    a.close()
    shutil.copytree(tmp_path / "gb-a", tmp_path / "gb-a.backup")
    a = reopen(tmp_path / "gb-a")
    grown = rng.randint(1, 10)
    record(a, grown)
    n = log_size(a)
    assert n == m + grown
    a.close()
    try:
        b.process.start()
        a_proc.start()
        first = ledger_witnessing.witness_peer(b.node, "gb-a")
        assert first.cosigned and first.size == n, first
        a_proc.kill()
        shutil.rmtree(tmp_path / "gb-a")
        shutil.copytree(tmp_path / "gb-a.backup", tmp_path / "gb-a")
        a = reopen(tmp_path / "gb-a")
        extra = {"rollback": rng.randint(0, n - m - 1), "split-view": n - m}.get(
            kind, n - m + rng.randint(1, 5)
        )
        record(a, extra, action="test.rewritten")
        a.close()
        a_proc.start()
        second = ledger_witnessing.witness_peer(b.node, "gb-a")
        assert not second.cosigned and second.alarm, second
        (alarm,) = open_alarms(b.node, "repatria/gb-a")
        assert alarm.kind == kind and alarm.id == second.alarm
        a = reopen(tmp_path / "gb-a")
        verifier = Ed25519Verifier.from_vkey(vkeys(a)[0])
        a.close()
        old = verify_note(str(alarm.previous_checkpoint), [verifier])
        new = verify_note(str(alarm.new_checkpoint), [verifier])
        assert old.size == n and new.size == m + extra
        b.process.restart()
        assert len(open_alarms(b.node, "repatria/gb-a")) == 1
        third = ledger_witnessing.witness_peer(b.node, "gb-a")
        assert not third.cosigned and third.refusal is RefusalReason.INCONSISTENT
    finally:
        a_proc.kill()
