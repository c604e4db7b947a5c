"""The inbox: a sealed request is stored once, logged, and answered with a verifiable receipt."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import NotFound, RepatriaError, VerificationFailed
from repatria.exchange.directory import KeyUse, NodeKey, sign_directory
from repatria.exchange.envelope import seal
from repatria.exchange.messages import AdditionalInformation, AttachedFile, Message
from repatria.exchange.receipt import RECEIVED_KIND, ReceiptStatus, verify_receipt
from repatria.exchange.rejection import Reason, Rejected, reason_of
from repatria.service.exchange import (
    Delivery,
    Refused,
    accept_directory,
    current_directory,
    receive,
    receive_batch,
)
from repatria.service.keys import key_store, log_signer
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.node import Node
from repatria.store.exchange_tables import InboxRow
from repatria.store.ledger_tables import CheckpointRow, LedgerLeafRow
from repatria.store.tables import EventRow, RequestRow
from tests.exchange.network import DIRECTORY_KEY, GB, NOW, T0, directory, handling, request


def _raw(key: object) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


def _join(node: Node) -> bytes:
    """A directory listing the test node with its real keys next to the test network's GB."""
    store = key_store(node.settings)
    hpke = store.hpke_key(store.keyring().current(KeyPurpose.HPKE)).public_key()
    entry = replace(
        GB.entry(),
        node_id=node.config.node_id,
        jurisdiction="NG",
        endpoint="https://ng-test.repatria.example",
        log_origin=f"repatria/{node.config.node_id}",
        keys=(
            NodeKey(KeyUse.SIGNING, _raw(log_signer(node).key.public_key()), T0),
            NodeKey(KeyUse.HPKE, _raw(hpke), T0),
        ),
    )
    data = sign_directory(directory(GB.entry(), entry), DIRECTORY_KEY)
    accept_directory(node, data, DIRECTORY_KEY.public_key(), NOW)
    return _raw(hpke)


def _envelope(node: Node, hpke_raw: bytes, summary: str = "Licence fees via London.") -> bytes:
    directory_now = current_directory(node)
    hpke = directory_now.entry(node.config.node_id).current_key(KeyUse.HPKE, NOW)
    return seal(
        request(summary),
        GB.sign,
        "gb-uka",
        node.config.node_id,
        X25519PublicKey.from_public_bytes(hpke_raw),
        signer_key_id=GB.sign_id,
        recipient_hpke_key_id=hpke.key_id,
        now=NOW,
    )


def _count(node: Node, model: type[InboxRow | EventRow]) -> int:
    with node.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _damage_first_leaf(node: Node) -> None:
    """Change leaf 0 in the database, as someone with access to it could (R3)."""
    with node.transaction() as session:
        leaf = session.get(LedgerLeafRow, 0)
        assert leaf is not None
        session.execute(
            update(LedgerLeafRow)
            .where(LedgerLeafRow.leaf_index == 0)
            .values(data=leaf.data.replace(b'"v":1', b'"v":2'))
        )


def test_a_request_is_stored_logged_and_receipted(node: Node) -> None:
    envelope = _envelope(node, _join(node))
    events_before = _count(node, EventRow)
    delivery = receive(node, envelope, NOW)
    receipt = verify_receipt(delivery.receipt, log_signer(node).key.public_key(),
                             delivery.message_id)  # fmt: skip
    assert receipt.status is ReceiptStatus.ACCEPTED and not delivery.duplicate
    assert (receipt.sender, receipt.receiver) == ("gb-uka", node.config.node_id)
    assert _count(node, InboxRow) == 1
    with node.transaction() as session:
        row = session.scalars(select(InboxRow)).one()
        event = session.get(EventRow, row.event_id)
        assert event is not None and event.action == RECEIVED_KIND
        assert event.details["message_id"] == delivery.message_id == row.message_id
        assert (row.message_type, row.case_ref, row.request_ref) == (
            "request", "NG-2025-0042", "NG-2025-0042/1")  # fmt: skip
        # its effect, in the same transaction: a case and an incoming request (46(13))
        incoming = session.scalars(select(RequestRow)).one()
        assert (incoming.direction, incoming.state, incoming.peer_node) == (
            "incoming", "sent", "gb-uka")  # fmt: skip
        assert incoming.foreign_reference == "NG-2025-0042/1"
        assert (row.request_id, row.case_id) == (incoming.id, incoming.case_id)
        assert row.handling["originator"] == "ng-moj" and row.level == "restricted"
        actions = session.scalars(
            select(EventRow.action).where(EventRow.id > event.id).order_by(EventRow.id)
        ).all()
        assert actions == ["case.opened", "request.received"]
    assert _count(node, EventRow) == events_before + 3


def test_a_duplicate_is_not_stored_again_and_its_receipt_names_the_first(node: Node) -> None:
    envelope = _envelope(node, _join(node))
    first = receive(node, envelope, NOW)
    later = NOW + timedelta(minutes=10)
    again = receive(node, envelope, later)
    key = log_signer(node).key.public_key()
    receipt = verify_receipt(again.receipt, key, first.message_id)
    assert again.duplicate and receipt.status is ReceiptStatus.DUPLICATE
    assert (receipt.accepted_at, receipt.received_at) == (NOW, later)
    assert _count(node, InboxRow) == 1
    assert verify_receipt(first.receipt, key, first.message_id).log.event == receipt.log.event


def test_a_receive_is_one_transaction_on_one_pooled_connection(node: Node) -> None:
    """Issue 14.2: store, apply, log, checkpoint, proof and receipt in one transaction; the
    directory and keys held from the first receive, so a later one reads them from memory."""
    hpke_raw = _join(node)
    receive(node, _envelope(node, hpke_raw, "first"), NOW)
    envelope = _envelope(node, hpke_raw, "second")
    seen = {"begin": 0, "connect": 0}

    def began(*_: object) -> None:
        seen["begin"] += 1

    def connected(*_: object) -> None:
        seen["connect"] += 1

    sa_event.listen(node.engine, "begin", began)
    sa_event.listen(node.engine, "connect", connected)
    try:
        delivery = receive(node, envelope, NOW)
    finally:
        sa_event.remove(node.engine, "begin", began)
        sa_event.remove(node.engine, "connect", connected)
    assert not delivery.duplicate
    assert seen == {"begin": 1, "connect": 0}


def test_a_failed_self_audit_keeps_nothing_of_the_receive_and_raises_the_alarm(
    node: Node,
) -> None:
    """A damaged leaf found by the audit's sweep stops the checkpoint the receipt needs: the
    message is not stored, so the sender keeps it queued and retries once an operator has
    cleared the alarm (R3)."""
    hpke_raw = _join(node)
    receive(node, _envelope(node, hpke_raw, "first"), NOW)
    _damage_first_leaf(node)
    inbox, events = _count(node, InboxRow), _count(node, EventRow)
    with pytest.raises(VerificationFailed, match="refused to sign a checkpoint"):
        receive(node, _envelope(node, hpke_raw, "second"), NOW)
    assert (_count(node, InboxRow), _count(node, EventRow)) == (inbox, events)
    assert [a.kind for a in ledger_alarms.alarms(node)].count("self-audit") == 1


def test_a_tampered_envelope_is_refused_and_nothing_is_written(node: Node) -> None:
    envelope = bytearray(_envelope(node, _join(node)))
    envelope[-5] ^= 0x01
    events_before = _count(node, EventRow)
    with pytest.raises(Rejected) as refused:
        receive(node, bytes(envelope), NOW)
    assert refused.value.reason is Reason.TAMPERED
    assert (_count(node, InboxRow), _count(node, EventRow)) == (0, events_before)


def test_an_envelope_for_another_node_is_refused(node: Node) -> None:
    _join(node)
    misaddressed = seal(request(), GB.sign, "gb-uka", "ch-fojo", GB.hpke.public_key(),
                        signer_key_id=GB.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    with pytest.raises(Rejected) as refused:
        receive(node, misaddressed, NOW)
    assert refused.value.reason is Reason.MISADDRESSED
    assert _count(node, InboxRow) == 0


def test_receiving_needs_an_accepted_directory(node: Node) -> None:
    with pytest.raises(NotFound):
        current_directory(node)


def test_an_older_directory_is_refused_as_rollback(node: Node) -> None:
    newer = sign_directory(directory(GB.entry(), version=5), DIRECTORY_KEY)
    older = sign_directory(directory(GB.entry(), version=4), DIRECTORY_KEY)
    assert accept_directory(node, newer, DIRECTORY_KEY.public_key(), NOW) == 5
    with pytest.raises(Rejected) as refused:
        accept_directory(node, older, DIRECTORY_KEY.public_key(), NOW)
    assert refused.value.reason is Reason.ROLLBACK
    assert current_directory(node).version == 5


def test_a_duplicate_within_the_same_second_is_still_marked_duplicate(node: Node) -> None:
    envelope = _envelope(node, _join(node))
    first = receive(node, envelope, NOW)
    again = receive(node, envelope, NOW + timedelta(milliseconds=300))
    receipt = verify_receipt(again.receipt, log_signer(node).key.public_key(), first.message_id)
    assert receipt.status is ReceiptStatus.DUPLICATE and receipt.accepted_at == NOW
    assert receipt.received_at == NOW and _count(node, InboxRow) == 1  # stated, not inferred


def test_a_document_that_does_not_match_its_hash_refuses_the_message(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    hpke_raw = _join(node)
    hpke = current_directory(node).entry(node.config.node_id).current_key(KeyUse.HPKE, NOW)
    good = AttachedFile.of("order.txt", "text/plain", b"Order of the court.")
    forged = replace(good, content=b"Order of the court, altered.", size=28)
    message = Message(AdditionalInformation("NG-2025-0042/1", "See the order.", (), (forged,)),
                      "NG-2025-0042", handling())  # fmt: skip
    with monkeypatch.context() as sender:  # another implementation, which does not check
        sender.setattr(Message, "from_dict", classmethod(lambda cls, value, where="": message))
        envelope = seal(message, GB.sign, "gb-uka", node.config.node_id,
                        X25519PublicKey.from_public_bytes(hpke_raw), signer_key_id=GB.sign_id,
                        recipient_hpke_key_id=hpke.key_id, now=NOW)  # fmt: skip
    events_before = _count(node, EventRow)
    with pytest.raises(RepatriaError) as refused:
        receive(node, envelope, NOW)
    assert reason_of(refused.value) is Reason.MALFORMED
    assert "does not match its SHA-256" in refused.value.message
    assert refused.value.where == "envelope.signed.message.payload.files[0].sha256"
    assert (_count(node, InboxRow), _count(node, EventRow)) == (0, events_before)


# --- envelopes that arrive together (group commit, issue 14.1) -------------------------------


def test_a_batch_is_stored_under_one_checkpoint_each_with_its_own_receipt(node: Node) -> None:
    hpke_raw = _join(node)
    envelopes = [_envelope(node, hpke_raw, f"batch {i}") for i in range(5)]
    with node.transaction() as session:
        checkpoints_before = int(
            session.scalar(select(func.count()).select_from(CheckpointRow)) or 0
        )
    outcomes = receive_batch(node, envelopes, NOW)
    key = log_signer(node).key.public_key()
    receipts = []
    for outcome in outcomes:
        assert isinstance(outcome, Delivery) and not outcome.duplicate
        receipts.append(verify_receipt(outcome.receipt, key, outcome.message_id))
    assert len({r.message_id for r in receipts}) == 5
    assert len({r.log.checkpoint for r in receipts}) == 1, "one checkpoint signed for the batch"
    assert sorted(r.log.leaf_index for r in receipts) == [r.log.leaf_index for r in receipts]
    with node.transaction() as session:
        checkpoints = int(session.scalar(select(func.count()).select_from(CheckpointRow)) or 0)
    assert checkpoints - checkpoints_before == 1
    assert _count(node, InboxRow) == 5


def test_a_refused_envelope_of_a_batch_is_refused_alone_and_writes_nothing(node: Node) -> None:
    """Garbage, a tampered envelope and a misaddressed one get their reasons at their own
    positions; the good ones around them are stored, and a repeat within the batch is a
    duplicate of the first."""
    hpke_raw = _join(node)
    good, other = _envelope(node, hpke_raw, "good"), _envelope(node, hpke_raw, "other")
    tampered = bytearray(_envelope(node, hpke_raw, "tampered"))
    tampered[-5] ^= 0x01
    misaddressed = seal(request(), GB.sign, "gb-uka", "ch-fojo", GB.hpke.public_key(),
                        signer_key_id=GB.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    outcomes = receive_batch(
        node, [b"not an envelope", good, bytes(tampered), misaddressed, good, other], NOW
    )
    reasons = [reason_of(o.problem) if isinstance(o, Refused) else None for o in outcomes]
    assert reasons == [Reason.MALFORMED, None, Reason.TAMPERED, Reason.MISADDRESSED, None, None]
    first, repeat, last = outcomes[1], outcomes[4], outcomes[5]
    assert isinstance(first, Delivery) and isinstance(repeat, Delivery)
    assert isinstance(last, Delivery)
    assert (first.duplicate, repeat.duplicate, last.duplicate) == (False, True, False)
    assert repeat.message_id == first.message_id
    assert _count(node, InboxRow) == 2


def test_a_batch_of_refused_envelopes_writes_nothing_at_all(node: Node) -> None:
    hpke_raw = _join(node)
    receive(node, _envelope(node, hpke_raw, "first"), NOW)
    tampered = bytearray(_envelope(node, hpke_raw, "tampered"))
    tampered[-5] ^= 0x01
    seen = {"statements": 0}

    def wrote(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen["statements"] += 1

    sa_event.listen(node.engine, "before_cursor_execute", wrote)
    try:
        outcomes = receive_batch(node, [bytes(tampered), b"RPX1 garbage"], NOW)
    finally:
        sa_event.remove(node.engine, "before_cursor_execute", wrote)
    assert all(isinstance(o, Refused) for o in outcomes)
    assert seen["statements"] == 0, "a refused batch wrote to the database"


def test_a_failed_self_audit_refuses_the_whole_batch(node: Node) -> None:
    hpke_raw = _join(node)
    receive(node, _envelope(node, hpke_raw, "first"), NOW)
    _damage_first_leaf(node)
    inbox = _count(node, InboxRow)
    batch = [_envelope(node, hpke_raw, f"after {i}") for i in range(3)]
    with pytest.raises(VerificationFailed, match="refused to sign a checkpoint"):
        receive_batch(node, batch, NOW)
    assert _count(node, InboxRow) == inbox
