"""The witnessing worker: a thread of ``repatria serve`` that has the node's ledger cosigned
and gossiped on a schedule (``service.ledger.schedule``, issue 14.4).

It wakes every few seconds and runs the rounds that are due; when and how often a peer is
tried, and the back-off from a peer that is down, are decided in ``schedule``. Like the
delivery worker it never dies on an error: each failure is logged, kept for the admin page,
and tried again later.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import structlog

from repatria.service.ledger.schedule import PeerRound, run_due
from repatria.service.node import Node

log = structlog.get_logger(__name__)

LONGEST_TICK = 5.0
"""Seconds between two looks at which peers are due, at most."""


class WitnessingWorker:
    """Runs ``run_due`` for ``node`` in a daemon thread until ``stop``."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.tick = min(LONGEST_TICK, node.settings.witnessing_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="witnessing-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def round(self) -> list[PeerRound]:
        """The rounds due now; errors are logged, never raised."""
        try:
            done = run_due(self.node, datetime.now(UTC))
        except Exception:
            log.exception("witnessing.round-failed")
            return []
        for peer_round in done:
            if peer_round.ok:
                log.info(
                    "witnessing.round",
                    peer=peer_round.peer,
                    cosignatures=(
                        peer_round.publication.cosignatures if peer_round.publication else 0
                    ),
                    alarms=len(peer_round.gossip.alarms) if peer_round.gossip else 0,
                )
            else:
                log.warning(
                    "witnessing.failed",
                    peer=peer_round.peer,
                    error=peer_round.error,
                    next_attempt_at=peer_round.next_attempt_at.isoformat(),
                )
        return done

    def _run(self) -> None:
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self.tick)
