"""The outbox: queue, deliver with back-off, keep the verified receipt (two nodes in process)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from repatria.adapters.transport import BatchRefused
from repatria.crypto.keystore import KeyPurpose
from repatria.exchange.directory import KeyUse, NodeEntry, NodeKey, sign_directory
from repatria.exchange.receipt import ReceiptStatus, verify_negative_receipt
from repatria.exchange.rejection import Reason, Rejected, reason_of
from repatria.service.actor import Actor
from repatria.service.exchange import (
    MAX_ATTEMPTS,
    Delivery,
    TransportError,
    accept_directory,
    deliver_due,
    enqueue,
    receive,
    receive_batch,
    refusal_evidence,
    retry_delay,
)
from repatria.service.keys import key_store, log_signer
from repatria.service.ledger.alarms import alarms
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.tables import EventRow
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
    # given up loudly: signed negative evidence, an event and an alarm (R10)
    failed = _outbox(sender)
    assert failed.negative_receipt is not None
    evidence = verify_negative_receipt(
        failed.negative_receipt, log_signer(sender).key.public_key(),
        hashlib.sha256(failed.envelope).hexdigest(),
    )  # fmt: skip
    assert evidence.reason is Reason.NOT_DELIVERED and evidence.message_id == failed.message_id
    assert f"after {MAX_ATTEMPTS} attempt(s)" in evidence.detail
    with sender.transaction() as session:
        event = session.scalars(select(EventRow).where(EventRow.action == "message.failed")).one()
    assert event.details["message_id"] == failed.message_id
    (alarm,) = [a for a in alarms(sender) if a.kind == "delivery-failed"]
    assert failed.message_id in alarm.reason and alarm.origin == "gb-test"


def test_an_expired_directory_entry_is_retried_not_failed(
    pair: tuple[Node, Node], people: People
) -> None:
    sender, receiver = pair
    enqueue(sender, people.officer, request(), "gb-test", NOW)
    late = T0 + timedelta(days=31)  # the test directory's entries expire after 30 days
    (result,) = deliver_due(sender, InProcess(receiver), late)
    assert result.state == "pending" and "renewed network directory" in result.error
    assert _outbox(sender).next_attempt_at == late + retry_delay(1)


def test_a_refusal_by_the_receiver_fails_at_once_with_its_signed_evidence(
    pair: tuple[Node, Node], people: People
) -> None:
    sender, receiver = pair
    enqueue(sender, people.officer, request(), "gb-test", NOW)

    class Refusing:
        def send(self, endpoint: str, envelope: bytes) -> bytes:
            refused = Rejected(Reason.EXPIRED, "stale", where="test")
            refused.evidence = refusal_evidence(receiver, envelope, refused, NOW)
            raise refused

    (result,) = deliver_due(sender, Refusing(), NOW)
    assert (result.state, result.attempts) == ("failed", 1)
    row = _outbox(sender)
    assert row.negative_receipt is not None
    theirs = verify_negative_receipt(row.negative_receipt, log_signer(receiver).key.public_key(),
                                     hashlib.sha256(row.envelope).hexdigest())  # fmt: skip
    assert (theirs.issuer, theirs.reason) == ("gb-test", Reason.EXPIRED)


def test_retry_delay_doubles_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 16)]
    assert delays[0] == timedelta(seconds=30)
    assert all(b == min(2 * a, timedelta(hours=1)) for a, b in pairwise(delays))
    assert sum(delays[:MAX_ATTEMPTS], timedelta()) < timedelta(days=7)


class InBatches(InProcess):
    """``InProcess`` that also carries batches, to the peer's ``receive_batch``; a batch can
    be refused as a whole (a node without the route) or fail (no answer)."""

    def __init__(self, peer: Node, batch_answer: type[Exception] | None = None) -> None:
        super().__init__(peer)
        self.batch_answer = batch_answer
        self.batches: list[int] = []

    def send_batch(self, endpoint: str, envelopes: list[bytes]) -> list[bytes | Rejected]:
        self.batches.append(len(envelopes))
        if self.batch_answer is not None:
            raise self.batch_answer(f"{endpoint} takes no batch")
        return [
            o.receipt if isinstance(o, Delivery) else Rejected(reason_of(o.problem), str(o.problem))
            for o in receive_batch(self.peer, envelopes, NOW)
        ]


def _queue(sender: Node, people: People, count: int) -> list[str]:
    return [enqueue(sender, people.officer, request(f"message {i}"), "gb-test", NOW)
            for i in range(count)]  # fmt: skip


def test_messages_due_together_go_in_batches_each_with_its_receipt(
    pair: tuple[Node, Node], people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, receiver = pair
    monkeypatch.setattr(sender.settings, "exchange_batch_size", 3)
    ids = _queue(sender, people, 7)
    transport = InBatches(receiver)
    attempts = deliver_due(sender, transport, NOW)
    assert [a.message_id for a in attempts] == ids, "answered in the order they were queued"
    assert {(a.state, a.attempts) for a in attempts} == {("delivered", 1)}
    assert (transport.batches, transport.calls) == ([3, 3], 1), "3 + 3, and the last alone"
    assert _count(receiver, InboxRow) == 7 and _count(sender, ReceiptRow) == 7
    with sender.transaction() as session:
        receipted = session.scalars(
            select(EventRow.details).where(EventRow.action == "message.receipted")
        ).all()
    indexes = [d["receiver_log_index"] for d in receipted]
    assert sorted(indexes) == indexes and len(set(indexes)) == 7


class Overlapping(InBatches):
    """``InBatches`` that notes how many batches were in flight at once."""

    def __init__(self, peer: Node) -> None:
        super().__init__(peer)
        self.in_flight = 0
        self.most_in_flight = 0

    def send_batch(self, endpoint: str, envelopes: list[bytes]) -> list[bytes | Rejected]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            answers = super().send_batch(endpoint, envelopes)
        finally:
            self.in_flight -= 1
        return answers


def test_the_next_batch_is_sent_while_one_is_recorded_in_order_one_at_a_time(
    pair: tuple[Node, Node], people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches go out while the receipts of the one before are checked and kept, yet the
    receiver takes them in the order they were queued, one request in flight at a time."""
    sender, receiver = pair
    monkeypatch.setattr(sender.settings, "exchange_batch_size", 2)
    ids = _queue(sender, people, 7)
    transport = Overlapping(receiver)
    attempts = deliver_due(sender, transport, NOW)
    assert [a.message_id for a in attempts] == ids
    assert {a.state for a in attempts} == {"delivered"}
    assert transport.batches == [2, 2, 2] and transport.calls == 1
    assert transport.most_in_flight == 1
    with receiver.transaction() as session:
        received = list(session.scalars(select(InboxRow.message_id).order_by(InboxRow.id)))
    assert received == ids, "stored on the receiver in the order queued"
    assert _count(sender, ReceiptRow) == 7


def test_an_envelope_refused_in_a_batch_fails_alone(
    pair: tuple[Node, Node], people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, receiver = pair
    monkeypatch.setattr(sender.settings, "exchange_batch_size", 4)
    ids = _queue(sender, people, 4)
    with sender.transaction() as session:  # the third one's envelope is damaged in the queue
        row = session.scalars(select(OutboxRow).where(OutboxRow.message_id == ids[2])).one()
        damaged = bytearray(row.envelope)
        damaged[-5] ^= 0x01
        row.envelope = bytes(damaged)
    attempts = deliver_due(sender, InBatches(receiver), NOW)
    assert [a.state for a in attempts] == ["delivered", "delivered", "failed", "delivered"]
    assert attempts[2].error.startswith("tampered")
    assert _count(receiver, InboxRow) == 3


@pytest.mark.parametrize(
    ("answer", "delivered"), [(BatchRefused, True), (TransportError, False)],
    ids=["no-batch-route-one-by-one", "no-answer-all-retried"],
)  # fmt: skip
def test_a_batch_not_taken_is_sent_one_by_one_and_one_not_answered_is_retried(
    pair: tuple[Node, Node], people: People, monkeypatch: pytest.MonkeyPatch,
    answer: type[Exception], delivered: bool,
) -> None:  # fmt: skip
    sender, receiver = pair
    monkeypatch.setattr(sender.settings, "exchange_batch_size", 8)
    _queue(sender, people, 3)
    transport = InBatches(receiver, batch_answer=answer)
    attempts = deliver_due(sender, transport, NOW)
    assert transport.batches == [3]
    if delivered:
        assert transport.calls == 3 and {a.state for a in attempts} == {"delivered"}
    else:
        assert transport.calls == 0 and {a.state for a in attempts} == {"pending"}
        assert all("takes no batch" in a.error for a in attempts)
    assert _count(receiver, InboxRow) == (3 if delivered else 0)
