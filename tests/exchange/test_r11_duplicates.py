"""R11: duplicate elimination and lost receipts, end to end over HTTP.

reliability.md R11 (after AS4 duplicate detection and Domibus, which answers a duplicate with
a receipt but never stores it twice). The receiver is a real ``repatria serve`` process on
SQLite; the sender is a node in this process delivering with ``HttpTransport``.

- The same envelope POSTed 1,000 times, sequentially and 20 at a time: every answer is 200
  with a receipt that verifies under the receiver's key for the original message, all but one
  marked duplicate, all naming the same ``accepted_at``; stored once, one ``message.received``
  event and one ledger leaf, one incoming request (the "one case entry").
- Through a proxy that resets 30 % of connections after the receiver answered: 100 queued
  requests are delivered by ``deliver_due`` retrying with the same id; each is stored once,
  and the sender keeps exactly one verifying receipt per message id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from repatria.exchange.receipt import Receipt, ReceiptStatus, verify_receipt
from repatria.service.exchange import LONGEST_RETRY, deliver_due, enqueue, seal_for
from repatria.service.keys import log_signer
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow
from tests.exchange.fault_proxy import FaultProxy
from tests.exchange.served import (
    ServedNode,
    counts,
    fresh_connection_transport,
    incoming_requests,
    leaves_of,
    loopback,
    make_node,
    post,
    publish,
    real_entry,
    receipts_by_message,
    received_events,
    request_message,
    sign_network,
    stored_copies,
)
from tests.ledger.served import admin_of, free_port

pytestmark = [pytest.mark.slow, pytest.mark.process]

SENDER, RECEIVER = "ng-a", "gb-c"
RESENDS = 1_000
CONCURRENCY = 20
QUEUED = 100
DROP = 0.3


@dataclass
class Network:
    sender: Node
    receiver: Node
    """A second ``Node`` on the receiver process's data directory, to count what it wrote."""
    process: ServedNode
    proxy: FaultProxy

    @property
    def receiver_key(self) -> Ed25519PublicKey:
        return log_signer(self.receiver).key.public_key()


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    base = tmp_path_factory.mktemp("r11")
    sender, receiver = make_node(base, SENDER, "NG"), make_node(base, RECEIVER, "GB")
    process = ServedNode(base / RECEIVER, free_port())
    proxy = FaultProxy(process.port, seed=11).start()
    try:
        # The directory names the proxy as the receiver's endpoint: the sender's deliveries
        # go through it; direct POSTs in the tests go to ``process.url``.
        entries = [real_entry(sender, loopback(9)), real_entry(receiver, proxy.url)]
        publish(sign_network(entries, 1, utcnow() - timedelta(minutes=1)), [sender, receiver])
        process.start()
        yield Network(sender, receiver, process, proxy)
    finally:
        process.kill()
        proxy.stop()
        sender.close()
        receiver.close()


def _check_answers(
    network: Network, answers: list[httpx.Response], message_id: str, envelope: bytes
) -> list[Receipt]:
    assert len(answers) == RESENDS
    assert [a.status_code for a in answers] == [200] * RESENDS, answers[0].text
    receipts = [verify_receipt(a.content, network.receiver_key, message_id) for a in answers]
    digest = hashlib.sha256(envelope).hexdigest()
    assert {r.envelope_digest for r in receipts} == {digest}
    assert {r.message_id for r in receipts} == {message_id}
    flags = [a.headers["X-Repatria-Duplicate"] for a in answers]
    for receipt, flag in zip(receipts, flags, strict=True):
        assert (receipt.status is ReceiptStatus.DUPLICATE) == (flag == "true")
    return receipts


def _stored_once(network: Network, message_id: str, reference: str) -> None:
    receiver = network.receiver
    assert stored_copies(receiver, message_id) == 1
    events = received_events(receiver, message_id)
    assert len(events) == 1, f"{len(events)} message.received events for one message"
    assert leaves_of(receiver, events) == 1
    assert incoming_requests(receiver, reference) == 1, "one case entry per request"


def _accepted_at_of(network: Network, message_id: str) -> object:
    with network.receiver.transaction() as session:
        return session.scalars(
            select(InboxRow.received_at).where(InboxRow.message_id == message_id)
        ).one()


def test_the_same_envelope_resent_1000_times_is_stored_once(network: Network) -> None:
    reference = "NG-2025-0042/R11-SEQ"
    sealed = seal_for(network.sender, request_message(reference, SENDER), RECEIVER, utcnow())
    with httpx.Client(timeout=15.0) as client:
        answers = [post(network.process.url, sealed.envelope, client)]
        first = counts(network.receiver)
        answers += [post(network.process.url, sealed.envelope, client) for _ in range(RESENDS - 1)]
    assert counts(network.receiver) == first, "a duplicate wrote rows"
    receipts = _check_answers(network, answers, sealed.message_id, sealed.envelope)
    assert receipts[0].status is ReceiptStatus.ACCEPTED
    assert all(r.status is ReceiptStatus.DUPLICATE for r in receipts[1:])
    assert {r.accepted_at for r in receipts} == {receipts[0].received_at}
    assert all(r.received_at >= r.accepted_at for r in receipts[1:])
    _stored_once(network, sealed.message_id, reference)


def test_the_same_envelope_resent_20_at_a_time_is_stored_once(network: Network) -> None:
    # A fresh envelope, so the first wave of 20 races on a message the receiver never saw.
    reference = "NG-2025-0042/R11-CONCURRENT"
    sealed = seal_for(network.sender, request_message(reference, SENDER), RECEIVER, utcnow())
    before = counts(network.receiver)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with (
        httpx.Client(timeout=30.0, limits=limits) as client,
        ThreadPoolExecutor(CONCURRENCY) as pool,
    ):
        answers = list(
            pool.map(lambda _: post(network.process.url, sealed.envelope, client), range(RESENDS))
        )
    receipts = _check_answers(network, answers, sealed.message_id, sealed.envelope)
    accepted = [r for r in receipts if r.status is ReceiptStatus.ACCEPTED]
    assert len(accepted) == 1, f"{len(accepted)} deliveries were each taken as the first"
    assert {r.accepted_at for r in receipts} == {accepted[0].accepted_at}
    after = counts(network.receiver)
    grown = (after.inbox - before.inbox, after.requests - before.requests,
             after.cases - before.cases)  # fmt: skip
    assert grown == (1, 1, 1), "one message, one incoming request, one case"
    assert after.leaves - before.leaves == after.events - before.events  # every event logged
    stored_at = _accepted_at_of(network, sealed.message_id)
    assert accepted[0].accepted_at == stored_at
    _stored_once(network, sealed.message_id, reference)


def test_a_lost_receipt_the_message_is_stored_and_the_retry_gets_its_receipt(
    network: Network,
) -> None:
    reference = "NG-2025-0042/R11-LOST"
    sealed = seal_for(network.sender, request_message(reference, SENDER), RECEIVER, utcnow())
    proxy = network.proxy
    before = proxy.counts()
    proxy.set_drop(1.0)
    try:
        with pytest.raises(httpx.HTTPError):
            post(proxy.url, sealed.envelope)
    finally:
        proxy.set_drop(0.0)
    after = proxy.counts()
    assert (after.connections - before.connections, after.dropped - before.dropped) == (1, 1)
    # The receiver stored and logged it although the sender never saw the answer ...
    _stored_once(network, sealed.message_id, reference)
    # ... and the retry with the same bytes is answered with a receipt for the original.
    again = post(proxy.url, sealed.envelope)
    assert again.status_code == 200, again.text
    receipt = verify_receipt(again.content, network.receiver_key, sealed.message_id)
    assert receipt.status is ReceiptStatus.DUPLICATE
    assert receipt.accepted_at == _accepted_at_of(network, sealed.message_id)
    _stored_once(network, sealed.message_id, reference)


@pytest.mark.parametrize("batch", [1, 10], ids=["one-by-one", "batches-of-10"])
def test_30_percent_lost_receipts_each_message_stored_once_one_receipt_each(
    network: Network, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lost answer loses the receipts of every envelope it carried: in batches, each of
    them is sent again and gets its receipt, and still nothing is stored twice."""
    sender, proxy = network.sender, network.proxy
    monkeypatch.setattr(sender.settings, "exchange_batch_size", batch)
    admin = admin_of(sender)
    start = utcnow()
    references = {f"NG-2025-0042/R11-{batch}-{i:03d}": "" for i in range(QUEUED)}
    for reference in references:
        references[reference] = enqueue(
            sender, admin, request_message(reference, SENDER), RECEIVER, start
        )
    ids = set(references.values())
    before = proxy.counts()
    proxy.set_drop(DROP, seed=11)
    transport = fresh_connection_transport()
    now, rounds = start, 0
    try:
        while rounds < 20:
            rounds += 1
            attempts = deliver_due(sender, transport, now)
            if not any(a.state == "pending" for a in attempts):
                break
            now += LONGEST_RETRY + timedelta(seconds=1)  # every back-off has run out
    finally:
        proxy.set_drop(0.0)
        transport.close()

    with sender.transaction() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.message_id.in_(ids))).all()
    assert len(rows) == QUEUED
    assert {r.state for r in rows} == {"delivered"}, [r.last_error for r in rows][:3]
    sent = sum(r.attempts for r in rows)
    after = proxy.counts()
    connections = after.connections - before.connections
    dropped = after.dropped - before.dropped
    assert after.failed == before.failed
    if batch == 1:  # one connection per attempt: the drop rate is the proxy's
        assert connections == sent and dropped == sent - QUEUED
    else:  # each connection carried up to `batch` attempts, and a drop lost all of them
        assert QUEUED // batch <= connections - dropped and connections < sent
        assert dropped > 0 and sent - QUEUED >= dropped
    assert 0.15 < dropped / connections < 0.45, (dropped, connections)

    kept = receipts_by_message(sender)
    retried = {r.message_id for r in rows if r.attempts > 1}
    assert retried, "the proxy dropped no first answer; the test proved nothing"
    for reference, message_id in references.items():
        assert len(kept.get(message_id, [])) == 1, f"{message_id} has {kept.get(message_id)}"
        receipt = verify_receipt(kept[message_id][0], network.receiver_key, message_id)
        # A message whose first answer was lost was stored then: its receipt is a duplicate's.
        want = ReceiptStatus.DUPLICATE if message_id in retried else ReceiptStatus.ACCEPTED
        assert receipt.status is want
        assert receipt.accepted_at == _accepted_at_of(network, message_id)
        _stored_once(network, message_id, reference)
