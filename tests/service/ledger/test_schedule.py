"""Witnessing on a schedule (service/ledger/schedule.py, issue 14.4): new leaves cosigned
without a command, a peer that is down retried with back-off and shown, and a served node
that does it on its own.

Two SQLite nodes pair as each other's witness over real HTTP on loopback (tests/ledger/
served.py). The rounds are driven with explicit times, so no test waits on the clock except
the last, which waits for a served node's worker with a deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from hypothesis import given
from hypothesis import strategies as st

from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import schedule
from repatria.service.node import Node, open_node
from repatria.web.app import create_app
from tests.ledger.ledger_nodes import log_size, record
from tests.ledger.served import free_port, pair, serving, sqlite_node
from tests.waiting import wait_until

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=20)  # Settings.witnessing_seconds by default


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node, int]]:
    a, b = sqlite_node(tmp_path, "gb-a"), sqlite_node(tmp_path, "gb-b")
    port_b = free_port()
    pair(a, "gb-a", "http://127.0.0.1:9", b, "gb-b", f"http://127.0.0.1:{port_b}")
    yield a, b, port_b
    a.close()
    b.close()


def _witnessed(node: Node, event_ids: list[int]) -> bool:
    marks = ledger_proofs.event_marks(node, event_ids)
    return bool(marks) and all(m.witnessed for m in marks.values())


@pytest.mark.process
def test_new_leaves_are_cosigned_by_the_next_round_without_a_command(
    nodes: tuple[Node, Node, int],
) -> None:
    a, b, port_b = nodes
    ids = record(a, 5, batch=5)
    assert not _witnessed(a, ids)
    with serving(b, port_b):
        [first] = schedule.run_due(a, NOW)
        assert first.ok, first.error
        assert first.publication is not None and first.publication.cosignatures == 1
        assert first.gossip is not None and first.gossip.alarms == ()
        assert first.next_attempt_at == NOW + INTERVAL
        assert _witnessed(a, ids)
        assert schedule.run_due(a, NOW + INTERVAL / 2) == []  # not due yet
        [quiet] = schedule.run_due(a, NOW + INTERVAL)
        assert quiet.ok and quiet.publication is None  # nothing new: gossip only
        later = record(a, 2)
        [again] = schedule.run_due(a, NOW + 2 * INTERVAL)
        assert again.ok and again.publication is not None
        assert _witnessed(a, later)
    [status] = schedule.schedules(a)
    assert (status.peer, status.failures, status.cosigned_size) == ("gb-b", 0, log_size(a))
    assert status.last_success_at == NOW + 2 * INTERVAL


@pytest.mark.process
def test_a_witness_that_is_down_is_retried_with_back_off_and_shown(
    nodes: tuple[Node, Node, int],
) -> None:
    """The wait doubles with each failure; the error is kept for the admin page; once the
    witness answers again, the next round succeeds and the count starts over."""
    a, b, port_b = nodes
    ids = record(a, 3)
    at = NOW
    for failures in (1, 2, 3):
        [down] = schedule.run_due(a, at)
        assert not down.ok and down.error
        assert down.next_attempt_at == at + INTERVAL * 2**failures
        assert schedule.run_due(a, down.next_attempt_at - timedelta(seconds=1)) == []
        at = down.next_attempt_at
    [status] = schedule.schedules(a)
    assert status.failures == 3 and status.last_success_at is None and status.last_error
    assert not _witnessed(a, ids)
    with serving(b, port_b):
        [back] = schedule.run_due(a, at)
    assert back.ok, back.error
    assert _witnessed(a, ids)
    [status] = schedule.schedules(a)
    assert (status.failures, status.last_error, status.last_success_at) == (0, "", at)


@pytest.mark.process
def test_nothing_is_pushed_while_a_self_audit_alarm_is_open(
    nodes: tuple[Node, Node, int],
) -> None:
    a, b, port_b = nodes
    record(a, 3)
    ledger_alarms.raise_alarm(a, "repatria/gb-a", "self-audit", "test: a damaged hash")
    with serving(b, port_b):
        [held] = schedule.run_due(a, NOW)
    assert not held.ok and "self-audit alarm" in held.error
    assert held.publication is None
    kinds = [alarm.kind for alarm in ledger_alarms.alarms(a)]
    assert kinds.count("self-audit") == 1  # the round raised no second one


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=3600))
def test_the_wait_doubles_per_failure_up_to_half_an_hour(failures: int, seconds: int) -> None:
    interval = timedelta(seconds=seconds)
    wait = schedule.wait_after(failures, interval)
    assert wait <= max(interval, schedule.LONGEST_WAIT)
    assert wait >= min(interval, schedule.LONGEST_WAIT)
    assert schedule.wait_after(failures + 1, interval) >= wait or failures == 0


@pytest.mark.process
def test_a_served_node_has_its_ledger_witnessed_on_its_own(tmp_path: Path) -> None:
    """What ``repatria serve`` runs (``create_app`` opening its own node, workers on): events
    recorded on A while it is served show "witnessed" within the schedule, no command typed."""
    a, b = sqlite_node(tmp_path, "gb-a"), sqlite_node(tmp_path, "gb-b")
    port_a, port_b = free_port(), free_port()
    pair(a, "gb-a", f"http://127.0.0.1:{port_a}", b, "gb-b", f"http://127.0.0.1:{port_b}")
    settings = a.settings.model_copy(update={"witnessing_seconds": 1.0, "exchange_worker": False})
    a.close()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port_a, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    try:
        with serving(b, port_b):
            thread.start()
            wait_until(lambda: server.started, what="node A served with its workers")
            writer = open_node(settings)
            try:
                ids = record(writer, 4)
                wait_until(
                    lambda: _witnessed(writer, ids),
                    what="A's new events witnessed by B's cosignature",
                    timeout=60,
                )
            finally:
                writer.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    b.close()
