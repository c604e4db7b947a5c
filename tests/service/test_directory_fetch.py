"""The directory reaches every node on its own (service/directory_fetch.py, issue 14.5).

A publication point is another node serving ``GET /api/exchange/directory/signed`` over real
HTTP on loopback; the fetching node accepts what it finds there only under the checks of a
directory given by hand: the directory key's signature, no rollback, not expired.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from repatria.adapters.http_transport import HttpTransport
from repatria.exchange.directory import sign_directory
from repatria.service import directory_fetch
from repatria.service.delivery_worker import DeliveryWorker
from repatria.service.directory_fetch import FetchOutcome
from repatria.service.exchange import accept_directory, current_directory
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.node import Node, open_node
from repatria.settings import Settings
from tests.exchange.network import DIRECTORY_KEY, NOW, directory, signing_key
from tests.ledger.served import free_port, serving, sqlite_node

pytestmark = pytest.mark.process

ANCHOR = base64.b64encode(
    DIRECTORY_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()


def _signed(version: int, key: object = DIRECTORY_KEY) -> bytes:
    return sign_directory(directory(version=version), key)  # type: ignore[arg-type]


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[Node, str]]:
    """A node that accepted version 2, served: the publication point."""
    node = sqlite_node(tmp_path, "gb-pub")
    accept_directory(node, _signed(2), DIRECTORY_KEY.public_key(), NOW)
    port = free_port()
    with serving(node, port) as url:
        yield node, f"{url}/api/exchange/directory/signed"
    node.close()


def _fetcher(tmp_path: Path, url: str) -> Node:
    """A node at version 1 that fetches from ``url``."""
    node = sqlite_node(tmp_path, "gb-fetch")
    node.close()
    settings = Settings(data_dir=tmp_path / "gb-fetch", directory_url=url, directory_key=ANCHOR)
    opened = open_node(settings)
    accept_directory(opened, _signed(1), DIRECTORY_KEY.public_key(), NOW)
    return opened


def test_a_newer_directory_is_fetched_and_accepted_once(
    publisher: tuple[Node, str], tmp_path: Path
) -> None:
    _published, url = publisher
    served = httpx.get(url, timeout=10)
    assert served.status_code == 200 and served.content == _signed(2)  # byte for byte
    node = _fetcher(tmp_path, url)
    try:
        first = directory_fetch.fetch_directory(node, NOW)
        assert (first.outcome, first.version) == (FetchOutcome.ACCEPTED, 2)
        assert current_directory(node).version == 2
        again = directory_fetch.fetch_directory(node, NOW + timedelta(minutes=5))
        assert (again.outcome, again.version) == (FetchOutcome.UNCHANGED, 2)
    finally:
        node.close()


def test_an_older_version_at_the_publication_point_is_refused_with_one_alarm(
    tmp_path: Path,
) -> None:
    stale = sqlite_node(tmp_path, "gb-stale")
    accept_directory(stale, _signed(1), DIRECTORY_KEY.public_key(), NOW)
    port = free_port()
    with serving(stale, port) as base:
        url = f"{base}/api/exchange/directory/signed"
        node = _fetcher(tmp_path, url)
        try:
            accept_directory(node, _signed(3), DIRECTORY_KEY.public_key(), NOW)
            for _ in range(2):
                refused = directory_fetch.fetch_directory(node, NOW)
                assert refused.outcome is FetchOutcome.REFUSED and "rollback" in refused.reason
            assert current_directory(node).version == 3
            kinds = [a.kind for a in ledger_alarms.alarms(node)]
            assert kinds.count(directory_fetch.ROLLBACK_ALARM) == 1
        finally:
            node.close()
    stale.close()


def test_a_directory_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    rogue = sqlite_node(tmp_path, "gb-rogue")
    other = signing_key("not-the-directory")
    accept_directory(rogue, _signed(5, other), other.public_key(), NOW)
    port = free_port()
    with serving(rogue, port) as base:
        node = _fetcher(tmp_path, f"{base}/api/exchange/directory/signed")
        try:
            refused = directory_fetch.fetch_directory(node, NOW)
            assert refused.outcome is FetchOutcome.REFUSED and "unknown-key" in refused.reason
            assert current_directory(node).version == 1
        finally:
            node.close()
    rogue.close()


def test_an_unreachable_publication_point_changes_nothing(tmp_path: Path) -> None:
    node = _fetcher(tmp_path, f"http://127.0.0.1:{free_port()}/api/exchange/directory/signed")
    try:
        missed = directory_fetch.fetch_directory(node, NOW)
        assert (missed.outcome, missed.version) == (FetchOutcome.UNREACHABLE, 1)
        assert "did not answer" in missed.reason
    finally:
        node.close()


def test_a_node_with_no_directory_serves_404(tmp_path: Path) -> None:
    empty = sqlite_node(tmp_path, "gb-empty")
    port = free_port()
    with serving(empty, port) as base:
        answer = httpx.get(f"{base}/api/exchange/directory/signed", timeout=10)
    empty.close()
    assert answer.status_code == 404


def test_the_delivery_worker_fetches_on_its_schedule(tmp_path: Path) -> None:
    """``repatria serve``'s delivery worker fetches at its first round, then not again before
    ``REPATRIA_DIRECTORY_FETCH_SECONDS`` (the default, 300 s, has not passed here)."""
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    newer = sign_directory(directory(version=2, issued=issued), DIRECTORY_KEY)
    point = sqlite_node(tmp_path, "gb-point")
    accept_directory(point, newer, DIRECTORY_KEY.public_key(), issued + timedelta(minutes=1))
    port = free_port()
    with serving(point, port) as base:
        node = _fetcher(tmp_path, f"{base}/api/exchange/directory/signed")
        worker = DeliveryWorker(node)
        transport = HttpTransport(timeout=5)
        try:
            worker.round(transport)
            assert current_directory(node).version == 2
            third = sign_directory(directory(version=3, issued=issued), DIRECTORY_KEY)
            accept_directory(point, third, DIRECTORY_KEY.public_key(), issued)
            worker.round(transport)
            assert current_directory(node).version == 2  # not due again yet
        finally:
            transport.close()
            node.close()
    point.close()
