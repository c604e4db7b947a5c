"""Receipts: verified with the receiver's public key alone, against its checkpoint and log."""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.errors import InvalidInput, RepatriaError
from repatria.exchange.receipt import (
    RECEIVED_KIND,
    LogEvidence,
    ReceiptStatus,
    envelope_digest,
    received_details,
    sign_negative_receipt,
    sign_receipt,
    verify_negative_receipt,
    verify_receipt,
)
from repatria.exchange.rejection import Reason, Rejected, reason_of
from repatria.ledger.checkpoint import Checkpoint, sign_checkpoint
from repatria.ledger.entry import EventRecord, canonical_json, commitment
from repatria.ledger.merkle import inclusion_proof, root_hash

from .network import CH, GB, NOW

MID = "ab" * 32
ENVELOPE = envelope_digest(b"the envelope bytes")


def logged(
    message_id: str = MID, index: int = 5, size: int = 9, kind: str = RECEIVED_KIND
) -> LogEvidence:
    """GB's log of ``size`` events, the one at ``index`` recording the message."""
    leaves, opening = [], (b"", b"")
    for i in range(size):
        event: dict[str, Any] = {"id": i + 1, "action": "case.created", "details": {}}
        if i == index:
            event = {"id": i + 1, "action": kind,
                     "details": received_details(message_id, "ng-moj", ENVELOPE)}  # fmt: skip
        data, nonce = canonical_json(event), os.urandom(32)
        record = EventRecord(event["action"], i + 1, 1_740_000_000 + i, commitment(nonce, data))
        leaves.append(record.to_leaf(i))
        if i == index:
            opening = (data, nonce)
    checkpoint = Checkpoint(GB.origin, size, root_hash(leaves))
    note = sign_checkpoint(checkpoint, GB.origin, GB.sign).to_text()
    return LogEvidence(leaves[index], index, tuple(inclusion_proof(index, leaves)), note,
                       *opening)  # fmt: skip


def receipt(log: LogEvidence | None = None, accepted_at: Any = NOW, **kwargs: Any) -> bytes:
    fields: dict[str, Any] = {
        "message_id": MID, "envelope_digest": ENVELOPE, "sender": "ng-moj",
        "receiver": "gb-uka", "received_at": NOW, "accepted_at": accepted_at,
        "log": log or logged(), "receiver_key": GB.sign,
    }  # fmt: skip
    fields.update(kwargs)
    return sign_receipt(**fields)


def test_first_delivery_receipt_verifies() -> None:
    got = verify_receipt(receipt(), GB.sign.public_key(), MID)
    assert got.status is ReceiptStatus.ACCEPTED
    assert (got.sender, got.receiver, got.received_at) == ("ng-moj", "gb-uka", NOW)
    assert got.checkpoint.size == 9 and got.log.leaf_index == 5


def test_duplicate_receipt_names_the_original_acceptance() -> None:
    first = NOW - timedelta(minutes=3)
    got = verify_receipt(receipt(accepted_at=first, duplicate=True), GB.sign.public_key(), MID)
    assert got.status is ReceiptStatus.DUPLICATE and got.accepted_at == first


@given(size=st.integers(min_value=1, max_value=40), data=st.data())
@settings(max_examples=30, deadline=None)
def test_any_position_in_any_log(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    assert verify_receipt(receipt(logged(index=index, size=size)), GB.sign.public_key(), MID)


def test_wrong_key_and_wrong_message() -> None:
    with pytest.raises(Rejected) as info:
        verify_receipt(receipt(), CH.sign.public_key(), MID)
    assert info.value.reason is Reason.UNKNOWN_KEY
    with pytest.raises(Rejected) as info:
        verify_receipt(receipt(), GB.sign.public_key(), "cd" * 32)
    assert info.value.reason is Reason.WRONG_MESSAGE


def test_a_receipt_signed_by_someone_else_over_gbs_log_is_refused() -> None:
    data = receipt(receiver_key=CH.sign)  # CH signs, the checkpoint is GB's
    with pytest.raises(Rejected) as info:
        verify_receipt(data, CH.sign.public_key(), MID)
    assert info.value.reason is Reason.BAD_SIGNATURE


def edited(change: Any) -> bytes:
    """A receipt whose body was changed and then properly re-signed by GB."""
    outer = json.loads(receipt())
    body = outer["receipt"]
    change(body)
    signature = GB.sign.sign(b"repatria receipt v1\n" + rfc8785.dumps(body))
    outer["signature"]["value"] = base64.b64encode(signature).decode()
    return rfc8785.dumps(outer)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b: b["log"].update(index=4), Reason.BAD_PROOF),
        (lambda b: b["log"]["proof"].pop(), Reason.BAD_PROOF),
        (lambda b: b["log"]["proof"].reverse(), Reason.BAD_PROOF),
        (lambda b: b["log"].update(nonce=base64.b64encode(bytes(32)).decode()), Reason.BAD_PROOF),
        (lambda b: b.update(message="cd" * 32), Reason.WRONG_MESSAGE),
        (lambda b: b.update(sender="ch-fojo"), Reason.BAD_PROOF),
        (lambda b: b.update(envelope="00" * 32), Reason.BAD_PROOF),
        (lambda b: b["log"].update(checkpoint=b["log"]["checkpoint"].replace("\n9\n", "\n10\n")),
         Reason.BAD_SIGNATURE),
        (lambda b: b.update(accepted_at="2000-01-01T00:00:00Z"), Reason.MALFORMED),
        (lambda b: b.update(status="duplicate", accepted_at="2099-01-01T00:00:00Z"),
         Reason.MALFORMED),
        (lambda b: b.update(format="v0"), Reason.MALFORMED),
    ],
)  # fmt: skip
def test_every_part_is_checked(change: Any, reason: Reason) -> None:
    with pytest.raises(RepatriaError) as info:
        verify_receipt(edited(change), GB.sign.public_key(), MID)
    assert reason_of(info.value) is reason


def test_a_leaf_for_another_message_or_event_kind_is_refused() -> None:
    for log in (logged(message_id="cd" * 32), logged(kind="case.created")):
        with pytest.raises(Rejected) as info:
            verify_receipt(receipt(log), GB.sign.public_key(), MID)
        assert info.value.reason is Reason.BAD_PROOF


@given(position=st.integers(min_value=0, max_value=10_000), bit=st.integers(0, 7))
@settings(max_examples=60, deadline=None)
def test_flipping_any_byte_is_rejected(position: int, bit: int) -> None:
    data = bytearray(RECEIPT)
    data[position % len(data)] ^= 1 << bit
    with pytest.raises(RepatriaError):
        verify_receipt(bytes(data), GB.sign.public_key(), MID)


RECEIPT = receipt()


def test_negative_receipt() -> None:
    data = sign_negative_receipt(
        issuer="gb-uka", envelope_digest=ENVELOPE, message_id=None, sender="ng-moj",
        receiver="gb-uka", at=NOW, reason=Reason.EXPIRED, detail="expired at 09:00",
        issuer_key=GB.sign,
    )  # fmt: skip
    got = verify_negative_receipt(data, GB.sign.public_key(), ENVELOPE)
    assert (got.reason, got.message_id, got.issuer) == (Reason.EXPIRED, None, "gb-uka")
    with pytest.raises(Rejected) as info:
        verify_negative_receipt(data, GB.sign.public_key(), "00" * 32)
    assert info.value.reason is Reason.WRONG_MESSAGE
    with pytest.raises(Rejected):
        verify_negative_receipt(data, CH.sign.public_key(), ENVELOPE)
    sent = sign_negative_receipt(
        issuer="ng-moj", envelope_digest=ENVELOPE, message_id=MID, sender="ng-moj",
        receiver="gb-uka", at=NOW, reason=Reason.NOT_DELIVERED,
        detail="12 attempts over 48 h without a receipt", issuer_key=CH.sign,
    )  # fmt: skip
    assert verify_negative_receipt(sent, CH.sign.public_key(), ENVELOPE).message_id == MID


def test_sign_receipt_refuses_an_acceptance_after_the_delivery() -> None:
    with pytest.raises(InvalidInput, match="status"):
        receipt(accepted_at=NOW + timedelta(seconds=1))
