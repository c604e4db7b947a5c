"""R15 over HTTP: key rotation mid-conversation, revocation, directory rollback.

reliability.md R15 (C2SP signed-note: verifiers ignore unknown keys, which is what makes
rotation possible; TUF-style rollback protection; Domibus Dom131/132 revoked and expired
certificates). The receiver ``gb-c`` is a real ``repatria serve`` process; the sender
``ng-a`` a node in this process delivering with ``HttpTransport``. The drill, in order:

1. directory v1; A sends m1 (delivered, receipt r1 under C's first signing key) and queues
   m2, sealed to C's first HPKE key, without delivering it;
2. C's process stops; C's HPKE and signing keys and A's signing key are rotated
   (``service.keys.rotate_key``); C restarts; directory v2 lists the new keys and the old
   ones with ``valid_until`` at the rotation time;
3. m2 (in flight across the rotation) and m3 (sealed after it) are delivered, and m1's
   envelope is replayed;
4. a message sealed to C's retired HPKE key after it retired is refused;
5. directory v3 revokes A's old signing key at *t*; messages it signs after *t* are refused;
6. v1 and v2 offered again are refused as rollbacks.

The drill runs once (module fixture) and records what each step answered; each test checks
one promise of R15 on that record or on the stored evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import select

from repatria.adapters.http_transport import HttpTransport
from repatria.crypto.keystore import KeyPurpose, KeyRecord
from repatria.exchange.canonical import whole_seconds
from repatria.exchange.directory import Directory, KeyUse, make_key_id, verify_directory
from repatria.exchange.envelope import encrypt, read_header, sign_message, verify_origin
from repatria.exchange.receipt import ReceiptStatus, verify_receipt
from repatria.exchange.rejection import Reason, Rejected
from repatria.service.exchange import (
    accept_directory,
    current_directory,
    deliver_due,
    enqueue,
)
from repatria.service.keys import key_store, rotate_key
from repatria.service.network_directory import node_entry
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow
from tests.exchange.network import DIRECTORY_KEY
from tests.exchange.served import (
    Counts,
    ServedNode,
    counts,
    incoming_requests,
    loopback,
    make_node,
    post,
    publish,
    real_entry,
    receipts_by_message,
    request_message,
    sign_network,
    stored_copies,
)
from tests.ledger.served import admin_of, free_port
from tests.waiting import wait_for_a_later_second

pytestmark = [pytest.mark.slow, pytest.mark.process]

SENDER, RECEIVER = "ng-a", "gb-c"
REVOKED_SENDS = 3


@dataclass(frozen=True)
class Refusal:
    status: int
    error_type: str
    before: Counts
    after: Counts


@dataclass
class Drill:
    sender: Node
    receiver: Node
    """A second ``Node`` on the served receiver's data directory."""
    process: ServedNode
    versions: dict[int, bytes]
    receiver_signing: tuple[KeyRecord, KeyRecord]
    """C's signing key before and after the rotation."""
    receiver_hpke: tuple[KeyRecord, KeyRecord]
    sender_signing: tuple[KeyRecord, KeyRecord]
    m1: str
    m2: str
    m3: str
    replay: httpx.Response
    sealed_to_retired: Refusal
    revoked_at: datetime
    signed_after_revocation: list[Refusal]

    def directory(self, version: int) -> Directory:
        return verify_directory(self.versions[version], DIRECTORY_KEY.public_key(), utcnow())


def _rotate(node: Node, purpose: KeyPurpose) -> tuple[KeyRecord, KeyRecord]:
    store = key_store(node.settings)
    old = store.keyring().current(purpose)
    rotate_key(node, admin_of(node), purpose.value, "R15 drill: scheduled rotation")
    ring = store.keyring()
    retired = next(r for r in ring.of(purpose) if r.public_key == old.public_key)
    return retired, ring.current(purpose)


def _public(record: KeyRecord) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(record.public_key)


def _refusal(receiver: Node, url: str, envelope: bytes) -> Refusal:
    before = counts(receiver)
    answer = post(url, envelope)
    error = answer.json().get("error", {}) if answer.status_code == 400 else {}
    return Refusal(answer.status_code, str(error.get("type")), before, counts(receiver))


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    base = tmp_path_factory.mktemp("r15")
    sender, receiver = make_node(base, SENDER, "NG"), make_node(base, RECEIVER, "GB")
    process = ServedNode(base / RECEIVER, free_port())
    admin = admin_of(sender)
    admin_of(receiver)
    transport = HttpTransport(timeout=15.0)
    versions: dict[int, bytes] = {}

    def publish_version(version: int) -> None:
        entries = [real_entry(sender, loopback(9)), real_entry(receiver, process.url)]
        versions[version] = sign_network(entries, version, utcnow() - timedelta(minutes=1))
        publish(versions[version], [sender, receiver])

    def deliver(message_id: str) -> None:
        attempts = deliver_due(sender, transport, utcnow())
        mine = [a for a in attempts if a.message_id == message_id]
        assert [(a.state, a.error) for a in mine] == [("delivered", "")], attempts

    try:
        publish_version(1)
        process.start()
        # 1. Before the rotation: m1 delivered, m2 queued (sealed to C's first HPKE key).
        m1 = enqueue(sender, admin, request_message("NG-2025-0042/R15-1", SENDER), RECEIVER,
                     utcnow())  # fmt: skip
        deliver(m1)
        m2_created = utcnow()
        m2 = enqueue(sender, admin, request_message("NG-2025-0042/R15-2", SENDER), RECEIVER,
                     m2_created)  # fmt: skip
        with sender.transaction() as session:
            m1_envelope = session.scalars(
                select(OutboxRow.envelope).where(OutboxRow.message_id == m1)
            ).one()
        # 2. Rotate while C is down, in a later second than m2's creation (times on the wire
        # are whole seconds).
        process.kill()
        wait_for_a_later_second(m2_created)
        receiver_hpke = _rotate(receiver, KeyPurpose.HPKE)
        receiver_signing = _rotate(receiver, KeyPurpose.SIGNING)
        sender_signing = _rotate(sender, KeyPurpose.SIGNING)
        process.start()
        publish_version(2)
        # 3. m2 crosses the rotation; m3 is sealed after it; m1 is replayed.
        deliver(m2)
        m3 = enqueue(sender, admin, request_message("NG-2025-0042/R15-3", SENDER), RECEIVER,
                     utcnow())  # fmt: skip
        deliver(m3)
        replay = post(process.url, m1_envelope)
        # 4. Sealed to C's retired HPKE key after it retired (a sender with a stale directory).
        new_key = key_store(sender.settings).signing_key(sender_signing[1])
        signed = sign_message(
            request_message("NG-2025-0042/R15-STALE", SENDER), new_key,
            make_key_id(KeyUse.SIGNING, sender_signing[1].public_key), SENDER, RECEIVER,
            utcnow(),
        )  # fmt: skip
        retired_hpke = X25519PublicKey.from_public_bytes(receiver_hpke[0].public_key)
        stale = encrypt(signed, SENDER, RECEIVER, retired_hpke,
                        make_key_id(KeyUse.HPKE, receiver_hpke[0].public_key))  # fmt: skip
        sealed_to_retired = _refusal(receiver, process.url, stale)
        # 5. A's old signing key is reported compromised: revoked at t (v3).
        revoked_at = whole_seconds(utcnow()) - timedelta(seconds=2)
        entries = [real_entry(sender, loopback(9)), real_entry(receiver, process.url)]
        old_id = make_key_id(KeyUse.SIGNING, sender_signing[0].public_key)
        entries[0] = replace(
            entries[0],
            keys=tuple(
                replace(k, revoked_at=revoked_at, revocation_reason="key compromise")
                if k.key_id == old_id
                else k
                for k in entries[0].keys
            ),
        )
        versions[3] = sign_network(entries, 3, utcnow() - timedelta(seconds=30))
        publish(versions[3], [sender, receiver])
        hpke_now = (
            current_directory(sender).node(RECEIVER, utcnow()).current_key(KeyUse.HPKE, utcnow())
        )
        old_key = key_store(sender.settings).signing_key(sender_signing[0])
        after: list[Refusal] = []
        for i in range(REVOKED_SENDS):
            signed = sign_message(
                request_message(f"NG-2025-0042/R15-THIEF-{i}", SENDER), old_key, old_id,
                SENDER, RECEIVER, utcnow(),
            )  # fmt: skip
            envelope = encrypt(signed, SENDER, RECEIVER,
                               X25519PublicKey.from_public_bytes(hpke_now.public_key),
                               hpke_now.key_id)  # fmt: skip
            after.append(_refusal(receiver, process.url, envelope))
        yield Drill(
            sender, receiver, process, versions, receiver_signing, receiver_hpke,
            sender_signing, m1, m2, m3, replay, sealed_to_retired, revoked_at, after,
        )  # fmt: skip
    finally:
        transport.close()
        process.kill()
        sender.close()
        receiver.close()


def _inbox(drill: Drill, message_id: str) -> InboxRow:
    with drill.receiver.transaction() as session:
        return session.scalars(select(InboxRow).where(InboxRow.message_id == message_id)).one()


def _kept_receipt(drill: Drill, message_id: str) -> bytes:
    (receipt,) = receipts_by_message(drill.sender)[message_id]
    return receipt


def test_the_directory_lists_old_keys_retired_at_the_rotation(drill: Drill) -> None:
    entry = drill.directory(2).entry(RECEIVER)
    for old, new in (drill.receiver_signing, drill.receiver_hpke):
        assert old.retired_at is not None and new.retired_at is None
        listed = {k.public_key: k for k in entry.keys}
        until = listed[old.public_key].valid_until
        assert until is not None and abs(until - old.retired_at) < timedelta(seconds=1)
        assert listed[new.public_key].valid_until is None


def test_a_receipt_from_before_the_rotation_verifies_with_the_old_key(drill: Drill) -> None:
    old, new = drill.receiver_signing
    r1 = _kept_receipt(drill, drill.m1)
    receipt = verify_receipt(r1, _public(old), drill.m1)
    assert receipt.status is ReceiptStatus.ACCEPTED
    assert receipt.signer_key == make_key_id(KeyUse.SIGNING, old.public_key)
    with pytest.raises(Rejected):
        verify_receipt(r1, _public(new), drill.m1)
    # A third party finds the signer in today's directory, valid when the receipt was signed.
    for version in (2, 3):
        key = drill.directory(version).key_at(
            RECEIVER, receipt.signer_key, KeyUse.SIGNING, receipt.received_at
        )
        assert key.public_key == old.public_key


def test_messages_signed_before_the_rotation_still_verify_from_the_inbox(drill: Drill) -> None:
    old_id = make_key_id(KeyUse.SIGNING, drill.sender_signing[0].public_key)
    new_id = make_key_id(KeyUse.SIGNING, drill.sender_signing[1].public_key)
    for version in (2, 3):  # v3 revokes the old key later: what it signed before stays good
        directory = drill.directory(version)
        for message_id, signer in ((drill.m1, old_id), (drill.m2, old_id), (drill.m3, new_id)):
            signed = verify_origin(_inbox(drill, message_id).content, directory)
            assert (signed.message_id, signed.signer_key) == (message_id, signer)


def test_a_message_in_flight_across_the_rotation_opens_with_the_retired_hpke_key(
    drill: Drill,
) -> None:
    old_hpke, new_hpke = drill.receiver_hpke
    with drill.sender.transaction() as session:
        envelopes = dict(
            session.execute(
                select(OutboxRow.message_id, OutboxRow.envelope).where(
                    OutboxRow.message_id.in_([drill.m2, drill.m3])
                )
            ).all()
        )
    assert read_header(envelopes[drill.m2]).hpke_key == make_key_id(
        KeyUse.HPKE, old_hpke.public_key
    )
    assert read_header(envelopes[drill.m3]).hpke_key == make_key_id(
        KeyUse.HPKE, new_hpke.public_key
    )
    new_signing = _public(drill.receiver_signing[1])
    for message_id, reference in ((drill.m2, "R15-2"), (drill.m3, "R15-3")):
        assert stored_copies(drill.receiver, message_id) == 1
        assert incoming_requests(drill.receiver, f"NG-2025-0042/{reference}") == 1
        receipt = verify_receipt(_kept_receipt(drill, message_id), new_signing, message_id)
        assert receipt.status is ReceiptStatus.ACCEPTED


def test_a_replay_after_the_rotation_gets_the_original_acceptance_under_the_new_key(
    drill: Drill,
) -> None:
    assert drill.replay.status_code == 200, drill.replay.text
    original = verify_receipt(
        _kept_receipt(drill, drill.m1), _public(drill.receiver_signing[0]), drill.m1
    )
    again = verify_receipt(drill.replay.content, _public(drill.receiver_signing[1]), drill.m1)
    assert again.status is ReceiptStatus.DUPLICATE
    assert again.accepted_at == original.accepted_at
    assert again.log.leaf_index == original.log.leaf_index
    assert stored_copies(drill.receiver, drill.m1) == 1


def test_a_message_sealed_to_the_retired_hpke_key_after_it_retired_is_refused(
    drill: Drill,
) -> None:
    refusal = drill.sealed_to_retired
    assert (refusal.status, refusal.error_type) == (400, "rejected:inactive-key")
    assert refusal.after == refusal.before


def test_every_message_signed_with_the_revoked_key_after_t_is_refused(drill: Drill) -> None:
    assert len(drill.signed_after_revocation) == REVOKED_SENDS
    for refusal in drill.signed_after_revocation:
        assert (refusal.status, refusal.error_type) == (400, "rejected:revoked-key")
        assert refusal.after == refusal.before
    key = next(
        k for k in drill.directory(3).entry(SENDER).keys
        if k.public_key == drill.sender_signing[0].public_key
    )  # fmt: skip
    assert key.revoked_at == drill.revoked_at


def test_older_directory_versions_are_refused_as_rollback(drill: Drill) -> None:
    for node in (drill.sender, drill.receiver):
        for version in (1, 2):
            with pytest.raises(Rejected) as refused:
                accept_directory(node, drill.versions[version], DIRECTORY_KEY.public_key(),
                                 utcnow())  # fmt: skip
            assert refused.value.reason is Reason.ROLLBACK
        assert current_directory(node).version == 3
    # The current version may be fetched again.
    assert accept_directory(drill.receiver, drill.versions[3], DIRECTORY_KEY.public_key(),
                            utcnow()) == 3  # fmt: skip


def test_a_message_signed_in_the_rotation_second_before_the_rotation_still_verifies(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Wire times are whole seconds, key times are not: a message signed 1 µs before the
    rotation carries the rotation's second as its ``created``. The key was active when it
    signed, so the directory entry must not call it retired at that second (R15: 100 % of
    messages signed before a rotation still verify)."""
    node = make_node(tmp_path_factory.mktemp("r15-second"), "ng-s", "NG")
    try:
        old, _ = _rotate(node, KeyPurpose.SIGNING)
        assert old.retired_at is not None
        just_before = old.retired_at - timedelta(microseconds=1)
        old_key = key_store(node.settings).signing_key(old)
        signed = sign_message(
            request_message("NG-2025-0042/R15-EDGE", "ng-s"), old_key,
            make_key_id(KeyUse.SIGNING, old.public_key), "ng-s", RECEIVER, just_before,
        )  # fmt: skip
        entry = node_entry(node, loopback(9))
        directory = Directory("edge", 1, utcnow(), utcnow() + timedelta(days=1), (entry,))
        assert verify_origin(signed.data, directory).message_id == signed.message_id
    finally:
        node.close()
