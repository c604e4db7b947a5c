"""R7: kill -9 during concurrent appends on SQLite and PostgreSQL; nothing acknowledged is lost.

shared/design/reliability.md R7 and §1.11 (Jepsen-style process kills with an
acknowledgement ledger). ``harness/appender.py`` runs as a node process appending events from
4 threads and acknowledging each commit in a file. On SQLite the appender itself gets SIGKILL
at random times, 5 times in CI and 50 under ``REPATRIA_SOAK=1``; on PostgreSQL the postmaster
of a throwaway cluster (``scripts/postgres-cluster``) gets SIGKILL by the PID in its own
``postmaster.pid``, 5 times in CI and 20 under soak, and is restarted with ``pg_ctl start``.
Afterwards: every acknowledged event is stored with exactly one leaf, no token is stored twice,
the leaves are a contiguous prefix of the head's size, ``repatria ledger verify`` exits 0, and
``PRAGMA integrity_check`` or ``pg_amcheck --heapallindexed`` is clean. The durability
settings are asserted too, so a configuration change fails here: SQLite WAL with
``synchronous=FULL``, PostgreSQL ``synchronous_commit=on`` and ``fsync=on``.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.ledger_tables import LedgerHeadRow, LedgerLeafRow
from repatria.store.tables import EventRow
from tests.ledger.served import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.process

SOAK = bool(os.environ.get("REPATRIA_SOAK"))
SQLITE_KILLS = 50 if SOAK else 5
PG_KILLS = 20 if SOAK else 5
REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
WAIT = 60.0  # generous: a deadline ends a hung run, it does not measure speed
FURTHER_ACKS = 200


def start_appender(data_dir: Path, acks: Path, database_url: str | None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "tests.ledger.harness.appender", str(data_dir), str(acks)]
    args += ["4", "240", *([database_url] if database_url else [])]
    log = (data_dir / "appender.log").open("ab")
    try:
        return subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def ack_count(acks: Path) -> int:
    return acks.read_text(encoding="ascii").count("\n") if acks.exists() else 0


def wait_for_more_acks(acks: Path, than: int, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the appender has acknowledged more than ``than`` appends (failing at once if
    it exited)."""

    def more() -> bool:
        assert proc.poll() is None, f"appender exited with {proc.returncode}"
        return ack_count(acks) > than

    wait_until(more, what=f"more than {than} acknowledged appends", timeout=WAIT)


def acknowledged(acks: Path) -> dict[int, str]:
    """Complete ack lines only (a kill may cut the last line short)."""
    found: dict[int, str] = {}
    for line in acks.read_text(encoding="ascii").splitlines():
        parts = line.split(" ")
        if len(parts) == 2 and parts[0].isdigit() and parts[1].count("-") == 3:
            found[int(parts[0])] = parts[1]
    return found


def check_nothing_lost(node: Node, acks: Path) -> int:
    acked = acknowledged(acks)
    with node.transaction() as session:
        size = int(session.scalar(select(LedgerHeadRow.size)) or 0)
        leaves = session.execute(select(LedgerLeafRow.leaf_index, LedgerLeafRow.event_id)).all()
        events = dict(
            session.execute(
                select(EventRow.id, EventRow.why).where(EventRow.action == "test.r7")
            ).all()
        )
    assert sorted(i for i, _ in leaves) == list(range(size)), "leaves are not a contiguous prefix"
    logged = [e for _, e in leaves if e is not None]
    assert len(logged) == len(set(logged)), "an event has two leaves"
    assert len(set(events.values())) == len(events), "a token is stored twice"
    lost = [i for i, token in acked.items() if events.get(i) != token]
    assert lost == [], f"{len(lost)} acknowledged events lost: {lost[:10]}"
    assert set(events) <= set(logged), "a stored event has no leaf"
    # Signing recomputes and audits every leaf and stored hash first (log.py, R3).
    assert ledger_checkpoints.checkpoint_now(node).checkpoint.size == size
    report = ledger_verification.verify_node_log(node)
    assert report.ok, report.problems
    return len(acked)


def cli_verify(data_dir: Path, database_url: str | None) -> None:
    env = os.environ | {"REPATRIA_DATA_DIR": str(data_dir)}
    if database_url:
        env["REPATRIA_DATABASE_URL"] = database_url
    done = subprocess.run(
        [str(Path(sys.executable).with_name("repatria")), "ledger", "verify"],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def new_node(data_dir: Path, database_url: str | None = None) -> None:
    settings = Settings(data_dir=data_dir, database_url=database_url)
    init_node(settings, node_id="gb-r7", jurisdiction="GB", authority="r7", languages=["en"])


def test_kill_9_of_the_node_process_on_sqlite(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    new_node(data_dir)
    acks = data_dir / "acks.txt"
    rng = random.Random(7)
    for _ in range(SQLITE_KILLS):
        proc = start_appender(data_dir, acks, None)
        try:
            # Kill after a random number of further acknowledgements: a point in the stream of
            # appends, wherever it falls in time on this machine.
            wait_for_more_acks(acks, ack_count(acks) + rng.randint(0, FURTHER_ACKS), proc)
        finally:
            kill(proc)
    node = open_node(Settings(data_dir=data_dir))
    try:
        with node.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert check_nothing_lost(node, acks) > 0
    finally:
        node.close()
    cli_verify(data_dir, None)


class Cluster:
    """A throwaway PostgreSQL 15 cluster from scripts/postgres-cluster, killed by its own PID."""

    def __init__(self) -> None:
        # Under /tmp, not pytest's root-only directory: the postgres user must reach it.
        self.dir = Path(tempfile.mkdtemp(prefix="repatria-r7-pg-", dir="/tmp"))
        self.port = free_port()
        started = subprocess.run(
            [
                "bash",
                str(REPO / "scripts/postgres-cluster"),
                "start",
                str(self.dir),
                str(self.port),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
        self.url = started.stdout.strip().splitlines()[-1]

    def as_pg(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else list(args)

    def kill_postmaster(self) -> None:
        pid = int((self.dir / "data/postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)

    def start(self) -> float:
        """``pg_ctl start``, retried while the killed postmaster's backends still linger."""
        began = time.monotonic()
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        tries: list[subprocess.CompletedProcess[str]] = []

        def started() -> bool:
            done = subprocess.run(
                self.as_pg(
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-l",
                    str(self.dir / "server.log"),
                    "-w",
                    "-t",
                    "20",
                    "-o",
                    opts,
                    "start",
                ),
                capture_output=True,
                check=False,
                text=True,
                timeout=60,
                cwd="/",
            )
            tries.append(done)
            return done.returncode == 0

        wait_until(started, what="pg_ctl start after the postmaster's kill", timeout=WAIT,
                   describe=lambda: tries[-1].stdout + tries[-1].stderr, interval=0.2)  # fmt: skip
        return time.monotonic() - began

    def amcheck(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.as_pg(
                str(PG_BIN / "pg_amcheck"),
                "--heapallindexed",
                "--install-missing",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "repatria_test",
            ),
            capture_output=True,
            check=False,
            text=True,
            timeout=120,
            cwd="/",
        )

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(REPO / "scripts/postgres-cluster"), "stop", str(self.dir)],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "pg_ctl").exists():
        subprocess.run(["bash", str(REPO / "scripts/system-packages")], check=True, timeout=600)
    made = Cluster()
    try:
        yield made
    finally:
        made.stop()


def test_kill_9_of_the_postmaster_on_postgresql(tmp_path: Path, cluster: Cluster) -> None:
    data_dir = tmp_path / "node"
    new_node(data_dir, cluster.url)
    acks = data_dir / "acks.txt"
    rng = random.Random(17)
    restarts: list[float] = []
    proc = start_appender(data_dir, acks, cluster.url)
    try:
        for _ in range(PG_KILLS):
            # Kill after a random number of further acknowledgements: a point in the stream of
            # appends, wherever it falls in time on this machine.
            wait_for_more_acks(acks, ack_count(acks) + rng.randint(0, FURTHER_ACKS), proc)
            cluster.kill_postmaster()
            restarts.append(cluster.start())
        wait_for_more_acks(acks, ack_count(acks), proc)  # the node recovered by itself
    finally:
        kill(proc)
    assert max(restarts) < 10, restarts
    node = open_node(Settings(data_dir=data_dir, database_url=cluster.url))
    try:
        with node.engine.connect() as conn:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
        assert check_nothing_lost(node, acks) > 0
    finally:
        node.close()
    cli_verify(data_dir, cluster.url)
    checked = cluster.amcheck()
    assert checked.returncode == 0 and checked.stdout.strip() == "", checked.stdout + checked.stderr
