"""A node process that appends events from several threads and acknowledges each commit.

Used by R7 (shared/design/reliability.md §1.11, "an acknowledgement ledger"): each thread
records 1-3 events per transaction through the node's own use-case path
(``service.events.record_event``, which stages the ledger leaves appended before commit),
and only after the commit returns writes ``<event id> <token>`` lines to the ack file. The
test kills this process (or the database under it) with SIGKILL at random times; whatever
was acknowledged must be stored exactly once afterwards. Each attempt carries a fresh token
and is never retried under the same token, so an attempt whose commit fate is unknown (the
database died mid-commit) can be stored at most once.

    python -m tests.ledger.harness.appender DATA_DIR ACK_FILE THREADS SECONDS [DATABASE_URL]
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from repatria.service.events import record_event
from repatria.service.node import open_node
from repatria.settings import Settings
from tests.waiting import wait_until

WAIT = 60.0  # the test restarts a killed database within this


def main(argv: list[str]) -> None:
    data_dir, ack_path, threads, seconds = (
        Path(argv[0]),
        Path(argv[1]),
        int(argv[2]),
        float(argv[3]),
    )
    database_url = argv[4] if len(argv) > 4 else None
    node = open_node(Settings(data_dir=data_dir, database_url=database_url))
    acks = ack_path.open("a", encoding="ascii")
    ack_lock = threading.Lock()
    deadline = time.monotonic() + seconds
    pid = os.getpid()

    def answers() -> bool:
        try:
            with node.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def work(worker: int) -> None:
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            batch = 1 + attempt % 3
            tokens = [f"{pid}-{worker}-{attempt}-{k}" for k in range(batch)]
            try:
                with node.transaction() as session:
                    ids = [
                        record_event(
                            session, actor="r7", action="test.r7", why=t, details={"token": t}
                        ).id
                        for t in tokens
                    ]
            except Exception:  # noqa: BLE001  (the database is being killed under us)
                wait_until(answers, what="the database to answer again", timeout=WAIT)
                continue
            with ack_lock:
                acks.write("".join(f"{i} {t}\n" for i, t in zip(ids, tokens, strict=True)))
                acks.flush()

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    node.close()


if __name__ == "__main__":
    main(sys.argv[1:])
