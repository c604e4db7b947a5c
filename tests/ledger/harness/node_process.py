"""A repatria node as a real OS process on loopback, killed only by its own PID.

The reliability checks R4, R5 and R7 (shared/design/reliability.md) need nodes that can die
mid-write the way a production node does: ``kill -9`` of the process, not a thread asked to
stop. Each ``NodeProcess`` runs ``repatria serve`` for one data directory; ``kill`` sends
SIGKILL to that PID only, and every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.waiting import wait_until

REPATRIA = Path(sys.executable).with_name("repatria")
# Generous: `repatria serve` takes tens of seconds to answer at load average 8.
START_TIMEOUT = 120.0


class NodeProcess:
    """``repatria serve`` for ``data_dir`` on 127.0.0.1:``port``."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        database_url: str | None = None,
        witnessing: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.database_url = database_url
        self.witnessing = witnessing
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start the process and wait until it answers; return seconds to healthy."""
        # Witnessing on a schedule is off unless a test asks for it: the R4/R5 tests drive
        # every round themselves.
        env = os.environ | {
            "REPATRIA_DATA_DIR": str(self.data_dir),
            "REPATRIA_WITNESSING_WORKER": "true" if self.witnessing else "false",
            "REPATRIA_WITNESSING_SECONDS": "1",
        }
        if self.database_url:
            env["REPATRIA_DATABASE_URL"] = self.database_url
        began = time.monotonic()
        log = (self.data_dir / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [str(REPATRIA), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_until(self._answered, what=f"the node on port {self.port} to answer",
                       timeout=START_TIMEOUT)  # fmt: skip
        except AssertionError:
            self.kill()
            raise
        return time.monotonic() - began

    def _answered(self) -> bool:
        """Whether the process answers its health check; fails at once if it has exited."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"node on port {self.port} exited with {self.proc.returncode}")
        try:
            return httpx.get(self.url + "/api/health", timeout=5.0).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL this process (by its own PID) and reap it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> float:
        self.kill()
        return self.start()
