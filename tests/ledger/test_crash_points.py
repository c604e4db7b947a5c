"""R6: a crash or an I/O error at any write of an append leaves a log that verifies.

The Tessera method (reliability.md §1.3): a child process appends one batch of 5 events in
one transaction, prints ``ACK`` once it committed, then signs a checkpoint. Under strace it
is killed (SIGKILL) or failed (EIO) at the n-th ``pwrite64`` / ``fdatasync`` / ``unlink``,
on a fresh copy of a small node each time. After each run: SQLite's integrity check says ok,
``verify_node_log`` passes, every acknowledged event has its leaf, and a run that failed
before its ACK left the log exactly as it was. The CI size samples pwrite64 points;
``REPATRIA_SOAK=1`` (``make soak``) tries every point. SQLite only: PostgreSQL's own
durability is its WAL's (R7).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import init_node, open_node
from repatria.settings import Settings
from tests.ledger.ledger_nodes import log_size, record

pytestmark = pytest.mark.process

PASSPHRASE = "crash-point passphrase"
SOAK = os.environ.get("REPATRIA_SOAK") == "1"
CHILD = """
import sys
from pathlib import Path
from repatria.service.events import record_event
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.node import open_node
from repatria.settings import Settings

node = open_node(Settings(data_dir=Path(sys.argv[1])), upgrade=False)
with node.transaction() as session:
    ids = [record_event(session, actor="t", action="test.event", why="w").id for _ in range(5)]
print("ACK", *ids, flush=True)
ledger_checkpoints.checkpoint_now(node)
print("CP", flush=True)
"""


def _run(data_dir: Path, syscall: str | None, when: int = 0, fault: str = "") -> tuple[int, str]:
    env = {**os.environ, "REPATRIA_KEY_PASSPHRASE": PASSPHRASE}
    env.pop("REPATRIA_DATABASE_URL", None)
    command = [sys.executable, "-c", CHILD, str(data_dir)]
    if syscall is not None:
        command = [
            "strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
            "-e", f"inject={syscall}:{fault}:when={when}", *command,
        ]  # fmt: skip
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout


def _counts(data_dir: Path, syscalls: tuple[str, ...]) -> dict[str, int]:
    """How many times one clean append calls each syscall (strace -c)."""
    env = {**os.environ, "REPATRIA_KEY_PASSPHRASE": PASSPHRASE}
    out = data_dir.parent / "syscalls.count"
    subprocess.run(
        ["strace", "-f", "-c", "-o", str(out), "-e", f"trace={','.join(syscalls)}",
         sys.executable, "-c", CHILD, str(data_dir)],
        env=env, capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    counts = dict.fromkeys(syscalls, 0)
    for line in out.read_text().splitlines():
        parts = line.split()
        if parts and parts[-1] in counts:
            counts[parts[-1]] = int(parts[3])
    return counts


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "base"
    settings = Settings(data_dir=root, key_passphrase=PASSPHRASE)  # type: ignore[arg-type]
    init_node(settings, node_id="ng-crash", jurisdiction="NG", authority="A", languages=["en"])
    node = open_node(settings)
    record(node, 7, batch=3)
    ledger_checkpoints.checkpoint_now(node)
    node.close()
    return root


# (syscall, stride for SIGKILL, stride for EIO); the soak tries every point.
PLAN = (("fdatasync", 1, 2), ("pwrite64", 16, 16), ("unlink", 0, 0))
SOAK_PLAN = (("fdatasync", 1, 1), ("pwrite64", 1, 1), ("unlink", 1, 1))


def _points(base: Path) -> list[tuple[str, int, str]]:
    scratch = base.parent / "count"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(base, scratch)
    plan = SOAK_PLAN if SOAK else PLAN
    counts = _counts(scratch, tuple(name for name, _, _ in plan))
    assert counts["fdatasync"] > 0 and counts["pwrite64"] > 0, f"strace saw {counts}"
    points = []
    for syscall, kill_stride, eio_stride in plan:
        for stride, fault in ((kill_stride, "signal=KILL"), (eio_stride, "error=EIO")):
            if stride:
                points += [(syscall, n, fault) for n in range(1, counts[syscall] + 1, stride)]
    return points


def test_every_injected_crash_leaves_a_log_that_verifies(base: Path) -> None:
    base_settings = Settings(data_dir=base, key_passphrase=PASSPHRASE)  # type: ignore[arg-type]
    base_node = open_node(base_settings, upgrade=False)
    before = log_size(base_node)
    base_node.close()
    points = _points(base)
    assert len(points) >= 15
    failures = []
    for syscall, when, fault in points:
        copy = base.parent / "run"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(base, copy)
        code, stdout = _run(copy, syscall, when, fault)
        acked = [
            int(x)
            for line in stdout.splitlines()
            if line.startswith("ACK")
            for x in line.split()[1:]
        ]
        with sqlite3.connect(copy / "repatria.db") as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        node = open_node(Settings(data_dir=copy, key_passphrase=PASSPHRASE), upgrade=False)  # type: ignore[arg-type]
        try:
            report = ledger_verification.verify_node_log(node)
            size = log_size(node)
            from tests.ledger.ledger_nodes import leaf_of

            missing = [e for e in acked if leaf_of(node, e) is None]
        finally:
            node.close()
        where = f"{fault} at {syscall} #{when} (exit {code})"
        if integrity != "ok":
            failures.append(f"{where}: integrity_check {integrity}")
        if not report.ok:
            failures.append(f"{where}: {report.problems[:2]}")
        if missing:
            failures.append(f"{where}: acknowledged events {missing} have no leaf")
        if not acked and size not in (before, before + 5):
            failures.append(f"{where}: unacknowledged run left {size} leaves, not {before}")
        if fault == "error=EIO" and not acked and code == 0:
            failures.append(f"{where}: EIO before the commit did not reach the caller")
    assert failures == [], failures
