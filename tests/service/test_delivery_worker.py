"""The delivery worker's round and the directory's renewal alarms."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from repatria.adapters.http_transport import HttpTransport
from repatria.service.delivery_worker import DeliveryWorker
from repatria.service.exchange import enqueue
from repatria.service.ledger.alarms import alarms
from repatria.service.network_directory import check_directory
from repatria.service.node import Node
from tests.conftest import People
from tests.exchange.directory_of import join
from tests.exchange.network import request


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


def _join(node: Node, now: datetime, days: int, endpoint: str) -> None:
    join({endpoint: node}, days=days, now=now)


def test_renewal_is_asked_once_before_expiry_and_again_once_expired(node: Node) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    assert check_directory(node, now) is None  # not on a network: nothing to renew
    _join(node, now, 3, "https://ng.example")
    warning = check_directory(node, now)
    assert warning is not None and "expires on" in warning
    assert check_directory(node, now + timedelta(hours=1)) == warning
    kinds = [a.kind for a in alarms(node)]
    assert kinds.count("directory-expiring") == 1
    expired = check_directory(node, now + timedelta(days=4))
    assert expired is not None and "no message can be sent" in expired
    assert [a.kind for a in alarms(node)].count("directory-expired") == 1


def test_a_round_never_raises_and_backs_off_an_unreachable_peer(node: Node, people: People) -> None:
    worker = DeliveryWorker(node)
    transport = HttpTransport(timeout=2.0)
    try:
        assert worker.round(transport) == []  # no directory yet: logged, not raised
        now = datetime.now(UTC)
        _join(node, now, 30, f"http://127.0.0.1:{_closed_port()}")
        # a message to ourselves through the closed port: the connection is refused
        enqueue(node, people.officer, request(), node.config.node_id, now)
        (attempt,) = worker.round(transport)
        assert (attempt.state, attempt.attempts) == ("pending", 1)
        assert "no answer from" in attempt.error
        assert worker.round(transport) == []  # backing off: not due yet
    finally:
        transport.close()
