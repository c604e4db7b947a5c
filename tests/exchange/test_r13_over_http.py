"""R13 over HTTP: the envelope's negative matrix against a served node and its database.

reliability.md R13 (Domibus negative cases, AS4 security, the sign-then-encrypt forwarding
flaw, ASVS 4.1.5). ``test_envelope.py`` checks each refusal of ``open_envelope`` in memory;
here every envelope travels to a real ``repatria serve`` process and the test checks what a
peer sees and what the node stored: a 400 naming the specific reason
(``error.type == "rejected:<reason>"``), the receiver's signed refusal naming the envelope
when the envelope names a sender, and not one row written (inbox, events, ledger leaves,
outbox, requests, cases). A replay of a captured envelope inside its lifetime gets the
original receipt and writes nothing; after its lifetime it is refused as expired.

Senders are fixed-key peers (``tests.exchange.network``) listed in the directory: ``ng-a``
(A), ``ch-b`` (B), ``fr-r`` (whose first signing key was revoked an hour ago and replaced);
``it-x`` is a stranger the directory does not list.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repatria.errors import RepatriaError
from repatria.exchange.directory import KeyUse, NodeKey, make_key_id
from repatria.exchange.envelope import (
    DEFAULT_SKEW,
    ENC_SIZE,
    KEY_SIZE,
    MAX_LIFETIME,
    WRAPPED_SIZE,
    encrypt,
    open_envelope,
    read_header,
    seal,
    sign_message,
)
from repatria.exchange.receipt import ReceiptStatus, verify_negative_receipt, verify_receipt
from repatria.exchange.rejection import Reason, Rejected, reason_of
from repatria.service.exchange import current_directory, hpke_keys, receive
from repatria.service.keys import log_signer
from repatria.service.node import Node
from repatria.store.base import utcnow
from tests.exchange.network import TestNode as FixedPeer
from tests.exchange.network import node, raw, signing_key
from tests.exchange.served import (
    ServedNode,
    counts,
    fixed_entry,
    incoming_requests,
    leaves_of,
    loopback,
    make_node,
    post,
    publish,
    real_entry,
    received_events,
    request_message,
    sign_network,
    stored_copies,
)
from tests.ledger.served import free_port
from tests.waiting import wait_for_a_later_second

pytestmark = [pytest.mark.slow, pytest.mark.process]

RECEIVER = "gb-c"
A, B, REVOKED = node("ng-a", "NG"), node("ch-b", "CH"), node("fr-r", "FR")
STRANGER = node("it-x", "IT")
SUCCESSOR = signing_key("fr-r successor")
EXAMPLES = 25


@dataclass
class Served:
    receiver: Node
    """A second ``Node`` on the served process's data directory (counts, keys, replays)."""
    process: ServedNode
    hpke: NodeKey
    """The receiver's current HPKE key as the directory lists it."""
    revoked_at: datetime
    client: httpx.Client

    @property
    def receiver_key(self) -> Ed25519PublicKey:
        return log_signer(self.receiver).key.public_key()

    def seal_from(
        self, peer: FixedPeer, *, now: datetime | None = None, to: str = RECEIVER,
        key: Ed25519PrivateKey | None = None, lifetime: timedelta = timedelta(days=1),
        reference: str = "NG-2025-0042/1",
    ) -> bytes:  # fmt: skip
        signer = key if key is not None else peer.sign
        return seal(
            request_message(reference, peer.node_id),
            signer,
            peer.node_id,
            to,
            X25519PublicKey.from_public_bytes(self.hpke.public_key),
            signer_key_id=make_key_id(KeyUse.SIGNING, raw(signer)),
            recipient_hpke_key_id=self.hpke.key_id,
            now=now if now is not None else utcnow(),
            lifetime=lifetime,
        )

    def refused(self, envelope: bytes, reason: Reason) -> None:
        """POST ``envelope``: 400 ``rejected:<reason>``, signed refusal, nothing written."""
        before = counts(self.receiver)
        answer = post(self.process.url, envelope, self.client)
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["error"]["type"] == f"rejected:{reason.value}", body["error"]
        assert counts(self.receiver) == before
        evidence = body.get("negative_receipt")
        try:
            read_header(envelope)
        except RepatriaError:
            assert evidence is None  # no claimed sender to attest a refusal to
            return
        assert isinstance(evidence, str), "a refusal of a readable envelope is signed evidence"
        negative = verify_negative_receipt(
            evidence.encode(), self.receiver_key, hashlib.sha256(envelope).hexdigest()
        )
        assert (negative.reason, negative.issuer) == (reason, RECEIVER)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("r13")
    receiver = make_node(base, RECEIVER, "GB")
    process = ServedNode(base / RECEIVER, free_port())
    now = utcnow()
    since, revoked_at = now - timedelta(days=10), now - timedelta(hours=1)
    entry = real_entry(receiver, process.url)
    entries = [
        fixed_entry(A, loopback(9), since),
        fixed_entry(B, loopback(9), since),
        fixed_entry(REVOKED, loopback(9), since, revoked_at=revoked_at, successor=SUCCESSOR),
        entry,
    ]
    publish(sign_network(entries, 1, now - timedelta(minutes=1)), [receiver])
    hpke = entry.current_key(KeyUse.HPKE, now)
    process.start()
    try:
        with httpx.Client(timeout=15.0) as client:
            yield Served(receiver, process, hpke, revoked_at, client)
    finally:
        process.kill()
        receiver.close()


@pytest.fixture(scope="module")
def captured(served: Served) -> bytes:
    """A valid envelope from A that is never delivered intact: the base for tampering."""
    return served.seal_from(A, reference="NG-2025-0042/TAMPER")


def _regions(envelope: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of the envelope layout of docs/exchange.md."""
    header_end = 7 + int.from_bytes(envelope[5:7], "big")
    enc_end = header_end + ENC_SIZE
    wrapped_end = enc_end + WRAPPED_SIZE
    commitment_end = wrapped_end + KEY_SIZE
    return {
        "framing": (0, 7),
        "header": (7, header_end),
        "enc": (header_end, enc_end),
        "wrapped-key": (enc_end, wrapped_end),
        "commitment": (wrapped_end, commitment_end),
        "body": (commitment_end, len(envelope)),
    }


def _expected(tampered: bytes, served: Served) -> Reason:
    """The refusal a changed preamble must get, in the check order of docs/exchange.md:
    framing and header parse, addressed here, sender listed, HPKE key ours; any other change
    breaks the HPKE ``info`` or the chunks' AAD over the preamble (tampered)."""
    try:
        header = read_header(tampered)
    except RepatriaError as refused:
        return reason_of(refused)
    if header.recipient != RECEIVER:
        return Reason.MISADDRESSED
    if header.sender not in {n.node_id for n in current_directory(served.receiver).nodes}:
        return Reason.UNKNOWN_SENDER
    if header.hpke_key not in hpke_keys(served.receiver):
        return Reason.UNKNOWN_KEY
    return Reason.TAMPERED


@pytest.mark.parametrize(
    "region", ["framing", "header", "enc", "wrapped-key", "commitment", "body"]
)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(offset=st.integers(min_value=0, max_value=1 << 20), flip=st.integers(1, 255))
def test_a_changed_byte_in_each_region_is_refused_and_writes_nothing(
    served: Served, captured: bytes, region: str, offset: int, flip: int
) -> None:
    start, end = _regions(captured)[region]
    position = start + offset % (end - start)
    tampered = bytearray(captured)
    tampered[position] ^= flip
    want = _expected(bytes(tampered), served)
    if region not in ("framing", "header"):
        assert want is Reason.TAMPERED  # the routing fields are untouched
    served.refused(bytes(tampered), want)


def test_the_untampered_base_envelope_would_be_accepted(served: Served, captured: bytes) -> None:
    """The tampering base is valid, so its refusals come from the changed byte alone; it is
    opened in memory only (``open_envelope`` writes nothing), never delivered."""
    opened = open_envelope(
        captured, hpke_keys(served.receiver), RECEIVER, current_directory(served.receiver),
        utcnow(),
    )  # fmt: skip
    assert opened.sender == A.node_id and stored_copies(served.receiver, opened.message_id) == 0


def test_an_unknown_sender_is_refused(served: Served) -> None:
    served.refused(served.seal_from(STRANGER), Reason.UNKNOWN_SENDER)


def test_a_message_signed_with_a_revoked_key_is_refused(served: Served) -> None:
    assert utcnow() > served.revoked_at
    served.refused(served.seal_from(REVOKED), Reason.REVOKED_KEY)


def test_the_revoked_keys_successor_is_accepted(served: Served) -> None:
    """The control for the revocation case: the same sender with its new key gets through."""
    envelope = served.seal_from(REVOKED, key=SUCCESSOR, reference="FR-2025-0001/1")
    answer = post(served.process.url, envelope, served.client)
    assert answer.status_code == 200, answer.text
    assert incoming_requests(served.receiver, "FR-2025-0001/1") == 1


def test_an_expired_envelope_is_refused(served: Served) -> None:
    envelope = served.seal_from(A, now=utcnow() - timedelta(days=2))
    served.refused(envelope, Reason.EXPIRED)


def test_an_envelope_created_beyond_the_clock_skew_is_refused(served: Served) -> None:
    envelope = served.seal_from(A, now=utcnow() + DEFAULT_SKEW + timedelta(minutes=2))
    served.refused(envelope, Reason.NOT_YET_VALID)


def test_an_envelope_for_another_node_is_refused(served: Served) -> None:
    served.refused(served.seal_from(A, to=B.node_id), Reason.MISADDRESSED)


def test_b_re_encrypting_a_s_signed_message_is_refused_as_forwarded(served: Served) -> None:
    """The surreptitious forwarding of sign-then-encrypt: A's signature is valid, but it
    names B as the recipient, and B re-sealed the content to this node."""
    signed = sign_message(
        request_message("NG-2025-0042/FWD", A.node_id), A.sign, A.sign_id, A.node_id,
        B.node_id, utcnow(),
    )  # fmt: skip
    hpke = X25519PublicKey.from_public_bytes(served.hpke.public_key)
    forwarded = encrypt(signed, B.node_id, RECEIVER, hpke, served.hpke.key_id)
    served.refused(forwarded, Reason.FORWARDED)


def test_a_signed_message_wrapped_under_another_senders_name_is_refused(served: Served) -> None:
    signed = sign_message(
        request_message("NG-2025-0042/WRAP", A.node_id), A.sign, A.sign_id, A.node_id,
        RECEIVER, utcnow(),
    )  # fmt: skip
    hpke = X25519PublicKey.from_public_bytes(served.hpke.public_key)
    wrapped = encrypt(signed, B.node_id, RECEIVER, hpke, served.hpke.key_id)
    served.refused(wrapped, Reason.SENDER_MISMATCH)


def _replay(served: Served, envelope: bytes, now: datetime, accepted_at: datetime) -> None:
    """Receive ``envelope`` again at ``now`` on the node's data directory: a duplicate's
    receipt for the original acceptance and no row written."""
    before = counts(served.receiver)
    again = receive(served.receiver, envelope, now)
    assert again.duplicate
    receipt = verify_receipt(again.receipt, served.receiver_key, again.message_id)
    assert receipt.status is ReceiptStatus.DUPLICATE and receipt.accepted_at == accepted_at
    assert counts(served.receiver) == before


def test_replays_inside_the_lifetime_get_the_original_receipt_after_it_expired(
    served: Served,
) -> None:
    """A captured envelope replayed later is answered with the original acceptance and
    stored nothing; once its lifetime (plus the tolerated skew) is over it is refused as
    expired. The inbox keeps ids for good (no pruning exists), so the replay window never
    outlives deduplication (R13: expiry shorter than dedup retention)."""
    created = utcnow().replace(microsecond=0)
    reference = "NG-2025-0042/REPLAY"
    signed = sign_message(
        request_message(reference, A.node_id), A.sign, A.sign_id, A.node_id, RECEIVER,
        created, lifetime=MAX_LIFETIME,
    )  # fmt: skip
    hpke = X25519PublicKey.from_public_bytes(served.hpke.public_key)
    envelope = encrypt(signed, A.node_id, RECEIVER, hpke, served.hpke.key_id)
    message_id = signed.message_id
    first = post(served.process.url, envelope, served.client)
    assert first.status_code == 200, first.text
    original = verify_receipt(first.content, served.receiver_key, message_id)
    assert original.status is ReceiptStatus.ACCEPTED
    stored = counts(served.receiver)

    # A later second: the replay is told from the first by its own time.
    wait_for_a_later_second(original.received_at)
    later = post(served.process.url, envelope, served.client)
    assert later.status_code == 200 and later.headers["X-Repatria-Duplicate"] == "true"
    receipt = verify_receipt(later.content, served.receiver_key, message_id)
    assert receipt.status is ReceiptStatus.DUPLICATE
    assert receipt.accepted_at == original.accepted_at < receipt.received_at
    assert counts(served.receiver) == stored

    expires = created + MAX_LIFETIME
    _replay(served, envelope, created + timedelta(days=6), original.accepted_at)
    _replay(served, envelope, expires + DEFAULT_SKEW, original.accepted_at)  # last moment
    with pytest.raises(Rejected) as refused:
        receive(served.receiver, envelope, expires + DEFAULT_SKEW + timedelta(seconds=1))
    assert refused.value.reason is Reason.EXPIRED
    assert counts(served.receiver) == stored
    assert stored_copies(served.receiver, message_id) == 1
    events = received_events(served.receiver, message_id)
    assert len(events) == 1 and leaves_of(served.receiver, events) == 1
    assert incoming_requests(served.receiver, reference) == 1


def test_in_a_batch_each_envelope_is_refused_for_its_own_reason_and_the_good_ones_stored(
    served: Served, captured: bytes
) -> None:
    """The batch route (group commit, issue 14.1) answers position by position: the refusals
    a single delivery gets, with the same signed evidence, beside receipts for the good
    envelopes, all of them under one checkpoint; nothing of a refused envelope is written."""
    tampered = bytearray(captured)
    tampered[-5] ^= 0x01
    good = [served.seal_from(B, reference=f"CH-2025-0009/{i}") for i in range(3)]
    batch = [good[0], served.seal_from(STRANGER), bytes(tampered), good[1],
             served.seal_from(A, to=B.node_id), good[2], b"not an envelope"]  # fmt: skip
    expected = [None, Reason.UNKNOWN_SENDER, Reason.TAMPERED, None, Reason.MISADDRESSED, None,
                Reason.MALFORMED]  # fmt: skip
    before = counts(served.receiver)
    body = {"envelopes": [base64.b64encode(e).decode() for e in batch] + ["not base64!"]}
    answer = served.client.post(f"{served.process.url}/api/exchange/batch", json=body)
    assert answer.status_code == 422, "the schema's pattern refuses text that is not base64"
    body["envelopes"][-1] = "QUJD="  # base64 alphabet, wrong padding: refused alone
    expected.append(Reason.MALFORMED)
    answer = served.client.post(f"{served.process.url}/api/exchange/batch", json=body)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["outcome"] for r in results] == [
        "refused" if reason else "accepted" for reason in expected
    ]
    checkpoints = set()
    for envelope, reason, result in zip([*batch, b""], expected, results, strict=True):
        if reason is None:
            receipt = verify_receipt(result["receipt"].encode(), served.receiver_key,
                                     result["message_id"])  # fmt: skip
            checkpoints.add(receipt.log.checkpoint)
            continue
        assert result["error"]["type"] == f"rejected:{reason.value}", result["error"]
        if result["negative_receipt"] is None:
            assert reason is Reason.MALFORMED  # no claimed sender to attest a refusal to
            continue
        negative = verify_negative_receipt(
            result["negative_receipt"].encode(), served.receiver_key,
            hashlib.sha256(envelope).hexdigest(),
        )  # fmt: skip
        assert (negative.reason, negative.issuer) == (reason, RECEIVER)
    assert len(checkpoints) == 1
    after = counts(served.receiver)
    assert (after.inbox - before.inbox, after.requests - before.requests) == (3, 3)
    assert after.leaves - before.leaves == after.events - before.events
