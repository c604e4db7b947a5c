"""C2SP tlog-cosignature v1: the signed message, the line layout, and verification."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import Checkpoint, Ed25519Verifier, sign_checkpoint, verify_note
from repatria.ledger.cosignature import (
    MAX_TIMESTAMP,
    Cosignature,
    CosignatureVerifier,
    cosigned_message,
    create_cosignature,
    verify_cosignature,
)
from repatria.ledger.note import SignedNote, open_note, raw_public_key

SPEC = json.loads((Path(__file__).parent.parent / "vectors" / "note_go.json").read_text())[
    "cosignature_example"
]
LOG_KEY = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(b"\x02" * 32)
WITNESS = "repatria.example/gb-cps/witness"
CHECKPOINT = Checkpoint("repatria.example/ng-moj", 20852163, bytes(range(32)))
T = 1679315147


def test_signed_message_is_the_spec_layout() -> None:
    body = SPEC["checkpoint"].encode()
    assert cosigned_message(body, T) == b"cosignature/v1\ntime 1679315147\n" + body


def test_cosignature_is_ed25519_over_the_spec_message_checked_by_pyca_directly() -> None:
    cosig = create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, T)
    line = cosig.to_note_signature().to_line()
    name, blob = line.removeprefix("\u2014 ").rstrip("\n").split(" ")
    raw = base64.b64decode(blob)
    public = raw_public_key(WITNESS_KEY)
    want_id = hashlib.sha256(WITNESS.encode() + b"\n\x04" + public).digest()[:4]
    assert name == WITNESS
    assert raw[:4] == want_id
    assert int.from_bytes(raw[4:12], "big") == T
    message = f"cosignature/v1\ntime {T}\n".encode() + CHECKPOINT.to_text().encode()
    WITNESS_KEY.public_key().verify(raw[12:], message)  # raises if wrong


def test_spec_example_line_has_the_spec_layout() -> None:
    parsed = SignedNote.from_text(SPEC["checkpoint"] + "\n" + SPEC["line"])
    cosig = Cosignature.from_note_signature(parsed.signatures[0])
    assert cosig.name == "witness.example.com/w1"
    assert cosig.timestamp == SPEC["timestamp"]
    assert len(cosig.signature) == 64


@given(st.integers(0, MAX_TIMESTAMP))
def test_create_then_verify_round_trips(timestamp: int) -> None:
    cosig = create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, timestamp)
    verifier = CosignatureVerifier.from_private_key(WITNESS, WITNESS_KEY)
    verify_cosignature(CHECKPOINT, cosig, verifier)
    assert Cosignature.from_note_signature(cosig.to_note_signature()) == cosig


def test_open_note_checks_cosignatures_alongside_the_log_signature() -> None:
    note = sign_checkpoint(CHECKPOINT, CHECKPOINT.origin, LOG_KEY)
    cosig = create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, T)
    text = note.with_signatures(cosig.to_note_signature()).to_text()
    log = Ed25519Verifier.from_private_key(CHECKPOINT.origin, LOG_KEY)
    witness = CosignatureVerifier.from_private_key(WITNESS, WITNESS_KEY)
    opened = open_note(text, [log, witness])
    assert [s.name for s in opened.verified] == [CHECKPOINT.origin, WITNESS]
    assert verify_note(text, [log]) == CHECKPOINT
    # The same key used as a plain note key has another ID, so the line is just unknown.
    assert open_note(text, [Ed25519Verifier.from_private_key(WITNESS, WITNESS_KEY), log]).unknown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("checkpoint", "does not verify for repatria.example/ng-moj at size 20852164"),
        ("timestamp", "at time 1679315148 does not verify"),
        ("key", "is not from witness"),
        ("future", "dated 1679315147, after 1679315000"),
    ],
)
def test_verification_failures(change: str, message: str) -> None:
    cosig = create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, T)
    verifier = CosignatureVerifier.from_private_key(WITNESS, WITNESS_KEY)
    checkpoint, not_after = CHECKPOINT, None
    if change == "checkpoint":
        checkpoint = Checkpoint(CHECKPOINT.origin, CHECKPOINT.size + 1, CHECKPOINT.root_hash)
    elif change == "timestamp":
        cosig = Cosignature(cosig.name, cosig.key_id, T + 1, cosig.signature)
    elif change == "key":
        verifier = CosignatureVerifier.from_private_key(WITNESS, LOG_KEY)
    else:
        not_after = T - 147
    with pytest.raises(VerificationFailed, match=message):
        verify_cosignature(checkpoint, cosig, verifier, not_after=not_after)


def test_verifier_rejects_wrong_lengths_and_timestamps_past_2_63() -> None:
    verifier = CosignatureVerifier.from_private_key(WITNESS, WITNESS_KEY)
    text = CHECKPOINT.to_text().encode()
    good = create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, T).to_note_signature().signature
    assert verifier.verify(text, good)
    assert not verifier.verify(text, good[:-1])
    assert not verifier.verify(text, (1 << 63).to_bytes(8, "big") + good[8:])


def test_vkeys_round_trip_and_carry_type_4() -> None:
    verifier = CosignatureVerifier.from_private_key(WITNESS, WITNESS_KEY)
    vkey = verifier.to_vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert CosignatureVerifier.from_vkey(vkey) == verifier
    with pytest.raises(InvalidInput, match="signature type 0x01, want 0x04"):
        CosignatureVerifier.from_vkey(
            Ed25519Verifier.from_private_key(WITNESS, WITNESS_KEY).to_vkey()
        )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, -1),
            "timestamp -1 is outside",
        ),
        (
            lambda: create_cosignature(CHECKPOINT, WITNESS, WITNESS_KEY, 1 << 63),
            "outside 0..2\\^63-1",
        ),
        (lambda: create_cosignature(CHECKPOINT, "two words", WITNESS_KEY, T), "spaces"),
        (lambda: Cosignature(WITNESS, 1, T, b"short"), "has 5 signature bytes, want 64"),
        (lambda: CosignatureVerifier(WITNESS, b"short"), "has 5 bytes, want 32"),
    ],
)
def test_values_refuse_to_be_built_wrong(make: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        make()  # type: ignore[operator]  # parametrized callables


def test_a_plain_signature_is_not_a_cosignature() -> None:
    parsed = SignedNote.from_text(sign_checkpoint(CHECKPOINT, "log", LOG_KEY).to_text())
    with pytest.raises(InvalidInput, match="has 64 bytes after the key ID, want 72"):
        Cosignature.from_note_signature(parsed.signatures[0])
