"""A request round trip to a real ``repatria serve`` process on loopback.

The receiver runs as its own OS process (``tests/ledger/harness/node_process.py``); the
sender is a node in this process that seals, queues and delivers over HTTP with
``HttpTransport``. Checked: the receipt verifies under the receiver's key from the
directory; a duplicate is answered as duplicate and stored once; a tampered byte and a
misaddressed envelope are refused with 4xx and write no row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from repatria.crypto.keystore import KeyPurpose
from repatria.exchange.directory import KeyUse, NodeEntry, NodeKey, sign_directory
from repatria.exchange.envelope import seal
from repatria.exchange.receipt import ReceiptStatus, verify_receipt
from repatria.service.exchange import accept_directory, deliver_due, enqueue
from repatria.service.exchange_transport import MESSAGES_PATH, HttpTransport
from repatria.service.keys import key_store, log_signer
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from tests.exchange.network import DIRECTORY_KEY, GB, directory, request
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.served import admin_of, free_port, sqlite_node


def _raw(key: object) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


def _entry(node: Node, jurisdiction: str, port: int) -> NodeEntry:
    store = key_store(node.settings)
    hpke = store.hpke_key(store.keyring().current(KeyPurpose.HPKE)).public_key()
    since = utcnow() - timedelta(hours=1)
    return replace(
        GB.entry(),
        node_id=node.config.node_id,
        jurisdiction=jurisdiction,
        endpoint=f"https://127.0.0.1:{port}",
        log_origin=f"repatria/{node.config.node_id}",
        keys=(
            NodeKey(KeyUse.SIGNING, _raw(log_signer(node).key.public_key()), since),
            NodeKey(KeyUse.HPKE, _raw(hpke), since),
        ),
        expires_at=since + timedelta(days=30),
    )


class Loopback(HttpTransport):
    """The directory demands https endpoints; the test server speaks plain HTTP on loopback."""

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        return super().send(endpoint.replace("https://", "http://", 1), envelope)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[Node, Node, NodeProcess]]:
    sender, receiver = sqlite_node(tmp_path, "ng-a"), sqlite_node(tmp_path, "gb-b")
    process = NodeProcess(tmp_path / "gb-b", free_port())
    issued = utcnow() - timedelta(hours=1)
    entries = (_entry(sender, "NG", 9), _entry(receiver, "GB", process.port))
    data = sign_directory(directory(*entries, issued=issued), DIRECTORY_KEY)
    for node in (sender, receiver):
        accept_directory(node, data, DIRECTORY_KEY.public_key(), utcnow())
    process.start()
    try:
        yield sender, receiver, process
    finally:
        process.kill()
        sender.close()
        receiver.close()


def _inbox(node: Node) -> int:
    with node.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(InboxRow)) or 0)


def test_round_trip_duplicate_tampering_and_misaddressing(
    network: tuple[Node, Node, NodeProcess],
) -> None:
    sender, receiver, process = network
    message_id = enqueue(sender, admin_of(sender), request(), "gb-b", utcnow())
    transport = Loopback(timeout=10.0)
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
