"""A request round trip to a real ``repatria serve`` process on loopback.

The receiver runs as its own OS process with its delivery worker off (``served.ServedNode``);
the sender is a node in this process that seals, queues and delivers over HTTP with
``HttpTransport``. Checked: the receipt verifies under the receiver's key from the
directory; a duplicate is answered as duplicate and stored once; a tampered byte and a
misaddressed envelope are refused with 4xx and write no row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from repatria.adapters.http_transport import MESSAGES_PATH, HttpTransport
from repatria.exchange.envelope import seal
from repatria.exchange.receipt import ReceiptStatus, verify_receipt
from repatria.service.exchange import deliver_due, enqueue
from repatria.service.keys import log_signer
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.exchange_tables import OutboxRow, ReceiptRow
from tests.exchange.network import GB, request
from tests.exchange.served import (
    ServedNode,
    counts,
    loopback,
    make_node,
    publish,
    real_entry,
    sign_network,
)
from tests.ledger.served import admin_of, free_port

pytestmark = pytest.mark.process


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[Node, Node, ServedNode]]:
    sender, receiver = make_node(tmp_path, "ng-a", "NG"), make_node(tmp_path, "gb-b", "GB")
    process = ServedNode(tmp_path / "gb-b", free_port())
    entries = [real_entry(sender, loopback(9)), real_entry(receiver, process.url)]
    publish(sign_network(entries, 1, utcnow() - timedelta(hours=1)), [sender, receiver])
    process.start()
    try:
        yield sender, receiver, process
    finally:
        process.kill()
        sender.close()
        receiver.close()


def _inbox(node: Node) -> int:
    return counts(node).inbox


def test_round_trip_duplicate_tampering_and_misaddressing(
    network: tuple[Node, Node, ServedNode],
) -> None:
    sender, receiver, process = network
    message_id = enqueue(sender, admin_of(sender), request(), "gb-b", utcnow())
    transport = HttpTransport(timeout=10.0)
    (attempt,) = deliver_due(sender, transport, utcnow())
    assert (attempt.state, attempt.error) == ("delivered", "")
    with sender.transaction() as session:
        kept = session.scalars(select(ReceiptRow)).one()
        envelope = session.scalars(select(OutboxRow.envelope)).one()
    receiver_key = log_signer(receiver).key.public_key()
    receipt = verify_receipt(kept.receipt, receiver_key, message_id)
    assert receipt.status is ReceiptStatus.ACCEPTED and _inbox(receiver) == 1

    url = process.url + MESSAGES_PATH
    again = httpx.post(url, content=envelope, timeout=10.0)
    assert again.status_code == 200, again.text
    assert again.headers["X-Repatria-Duplicate"] == "true"
    duplicate = verify_receipt(again.content, receiver_key, message_id)
    assert duplicate.status is ReceiptStatus.DUPLICATE
    assert duplicate.accepted_at == receipt.accepted_at and _inbox(receiver) == 1

    tampered = bytearray(envelope)
    tampered[len(tampered) // 2] ^= 0x01
    refused = httpx.post(url, content=bytes(tampered), timeout=10.0)
    assert refused.status_code == 400 and "rejected:" in refused.json()["error"]["type"]

    elsewhere = seal(request(), GB.sign, "gb-uka", "ch-fojo", GB.hpke.public_key(),
                     signer_key_id=GB.sign_id, recipient_hpke_key_id=GB.hpke_id,
                     now=utcnow())  # fmt: skip
    misaddressed = httpx.post(url, content=elsewhere, timeout=10.0)
    assert misaddressed.status_code == 400
    assert misaddressed.json()["error"]["type"] == "rejected:misaddressed"
    assert _inbox(receiver) == 1
