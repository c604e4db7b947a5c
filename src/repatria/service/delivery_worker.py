"""The delivery worker: a thread of ``repatria serve`` that drains the outbox.

The outbox is written in the transaction of each state change (``service.exchange``); this
thread sends what is due over HTTP, wakes at once when its own process queues a message
(``OUTBOX_SIGNAL``) and otherwise every ``exchange_poll_seconds``. Being the only moving part
between a commit and the peer's receipt, it never dies on an error: each failure is logged
and the next round tries again, while the per-message back-off and failure evidence live in
``deliver_due`` (reliability.md R10: nothing lost, nothing failing silently).

Each round first fetches the network directory from its publication point when one is set
(``REPATRIA_DIRECTORY_URL``, every ``REPATRIA_DIRECTORY_FETCH_SECONDS``;
``service.directory_fetch``), so a new node or a rotated key reaches this node unasked.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import structlog

from repatria.adapters.http_transport import HttpTransport
from repatria.errors import RepatriaError
from repatria.service.directory_fetch import FetchOutcome, fetch_directory
from repatria.service.exchange import OUTBOX_SIGNAL, Attempt, deliver_due
from repatria.service.network_directory import check_directory
from repatria.service.node import Node

log = structlog.get_logger(__name__)


class DeliveryWorker:
    """Runs ``deliver_due`` for ``node`` in a daemon thread until ``stop``."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.poll = node.settings.exchange_poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="delivery-worker", daemon=True)
        self._waiting_for_directory = False
        self._last_warning: str | None = None
        self._next_fetch = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        OUTBOX_SIGNAL.set()
        self._thread.join(timeout)

    def round(self, transport: HttpTransport) -> list[Attempt]:
        """One pass over the due messages; errors are logged, never raised."""
        now = datetime.now(UTC)
        self._fetch_directory(now)
        try:
            warning = check_directory(self.node, now)
            if warning is not None and warning != self._last_warning:
                log.warning("directory.renewal", warning=warning)
            self._last_warning = warning
            attempts = deliver_due(self.node, transport, now)
        except RepatriaError as problem:  # e.g. no directory accepted yet
            if not self._waiting_for_directory:
                log.warning("delivery.waiting", reason=str(problem))
            self._waiting_for_directory = True
            return []
        except Exception:
            log.exception("delivery.round-failed")
            return []
        self._waiting_for_directory = False
        for attempt in attempts:
            log.info(
                "delivery.attempt",
                message_id=attempt.message_id,
                state=attempt.state,
                attempts=attempt.attempts,
                error=attempt.error or None,
            )
        return attempts

    def _fetch_directory(self, now: datetime) -> None:
        """Fetch the directory from its publication point when one is set and it is time
        (``service.directory_fetch``); the outcome is logged, and a refusal kept as an alarm
        there when it is a rollback."""
        if not self.node.settings.directory_url or time.monotonic() < self._next_fetch:
            return
        self._next_fetch = time.monotonic() + self.node.settings.directory_fetch_seconds
        try:
            fetched = fetch_directory(self.node, now)
        except Exception:
            log.exception("directory.fetch-failed")
            return
        if fetched.outcome is FetchOutcome.ACCEPTED:
            log.info("directory.fetched", url=fetched.url, version=fetched.version)
        elif fetched.outcome is not FetchOutcome.UNCHANGED:
            log.warning(
                "directory.fetch", url=fetched.url, outcome=fetched.outcome.value,
                reason=fetched.reason,
            )  # fmt: skip

    def _run(self) -> None:
        transport = HttpTransport(timeout=self.node.settings.peer_timeout_seconds)
        try:
            while not self._stop.is_set():
                OUTBOX_SIGNAL.clear()
                self.round(transport)
                OUTBOX_SIGNAL.wait(self.poll)
        finally:
            transport.close()
