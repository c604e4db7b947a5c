"""The outbox: queue, deliver with back-off, keep the verified receipt (two nodes in process)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from repatria.crypto.keystore import KeyPurpose
from repatria.exchange.directory import KeyUse, NodeEntry, NodeKey, sign_directory
from repatria.exchange.receipt import ReceiptStatus
from repatria.service.actor import Actor
from repatria.service.exchange import (
    MAX_ATTEMPTS,
    TransportError,
    accept_directory,
    deliver_due,
    enqueue,
    receive,
    retry_delay,
)
from repatria.service.keys import key_store, log_signer
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from tests.conftest import People
from tests.exchange.network import DIRECTORY_KEY, GB, NOW, T0, directory, request


def _raw(key: object) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


def _entry(node: Node, jurisdiction: str) -> NodeEntry:
    store = key_store(node.settings)
    hpke = store.hpke_key(store.keyring().current(KeyPurpose.HPKE)).public_key()
    return replace(
        GB.entry(),
        node_id=node.config.node_id,
        jurisdiction=jurisdiction,
        endpoint=f"https://{node.config.node_id}.repatria.example",
        log_origin=f"repatria/{node.config.node_id}",
        keys=(
            NodeKey(KeyUse.SIGNING, _raw(log_signer(node).key.public_key()), T0),
            NodeKey(KeyUse.HPKE, _raw(hpke), T0),
        ),
    )


@pytest.fixture
def peer(tmp_path: Path, sqlite_template: Path) -> Iterator[Node]:
    data_dir = tmp_path / "peer"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "repatria.db")
    settings = Settings(data_dir=data_dir)
    init_node(settings, node_id="gb-test", jurisdiction="GB",
              authority="UK Central Authority (test)", languages=["en"])  # fmt: skip
    opened = open_node(settings)
    yield opened
    opened.close()


@pytest.fixture
def pair(node: Node, peer: Node) -> tuple[Node, Node]:
    data = sign_directory(directory(_entry(node, "NG"), _entry(peer, "GB")), DIRECTORY_KEY)
    for one in (node, peer):
        accept_directory(one, data, DIRECTORY_KEY.public_key(), NOW)
    return node, peer


class InProcess:
    """A transport that hands the envelope straight to the peer's ``receive``."""

    def __init__(self, peer: Node, failures: int = 0) -> None:
        self.peer, self.failures, self.calls = peer, failures, 0

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransportError(f"connection refused by {endpoint}")
        return receive(self.peer, envelope, NOW).receipt


def _outbox(node: Node) -> OutboxRow:
    with node.transaction() as session:
        return session.scalars(select(OutboxRow)).one()


def _count(node: Node, model: type[InboxRow | ReceiptRow]) -> int:
    with node.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_queued_request_is_delivered_and_its_receipt_kept(
    pair: tuple[Node, Node], people: People
) -> None:
    sender, receiver = pair
    actor: Actor = people.officer
    message_id = enqueue(sender, actor, request(), "gb-test", NOW)
    attempts = deliver_due(sender, InProcess(receiver), NOW)
    assert [(a.message_id, a.state, a.attempts) for a in attempts] == [(message_id, "delivered", 1)]
    with receiver.transaction() as session:
        assert session.scalars(select(InboxRow.message_id)).all() == [message_id]
    with sender.transaction() as session:
        kept = session.scalars(select(ReceiptRow)).one()
        assert (kept.message_id, kept.status) == (message_id, ReceiptStatus.ACCEPTED.value)
    assert deliver_due(sender, InProcess(receiver), NOW + timedelta(hours=1)) == []


def test_failures_back_off_exponentially_then_deliver(
    pair: tuple[Node, Node], people: People
) -> None:
    sender, receiver = pair
    enqueue(sender, people.officer, request(), "gb-test", NOW)
    transport = InProcess(receiver, failures=2)
    first = deliver_due(sender, transport, NOW)
    assert first[0].state == "pending" and "connection refused" in first[0].error
    assert _outbox(sender).next_attempt_at == NOW + retry_delay(1)
    assert deliver_due(sender, transport, NOW + retry_delay(1) - timedelta(seconds=1)) == []
    second = NOW + retry_delay(1)
    deliver_due(sender, transport, second)
    assert _outbox(sender).next_attempt_at == second + retry_delay(2)
    third = deliver_due(sender, transport, second + retry_delay(2))
    assert (third[0].state, third[0].attempts) == ("delivered", 3)
    assert _count(receiver, InboxRow) == 1 and _count(sender, ReceiptRow) == 1


def test_a_row_fails_after_the_last_attempt(pair: tuple[Node, Node], people: People) -> None:
    sender, receiver = pair
    enqueue(sender, people.officer, request(), "gb-test", NOW)
    transport, when = InProcess(receiver, failures=MAX_ATTEMPTS), NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (result,) = deliver_due(sender, transport, when)
        assert result.attempts == attempt
        when += retry_delay(attempt)
    assert _outbox(sender).state == "failed" and _count(receiver, InboxRow) == 0


def test_retry_delay_doubles_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 16)]
    assert delays[0] == timedelta(seconds=30)
    assert all(b == min(2 * a, timedelta(hours=1)) for a, b in pairwise(delays))
    assert sum(delays[:MAX_ATTEMPTS], timedelta()) < timedelta(days=7)
