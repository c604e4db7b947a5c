"""C2SP checkpoints: exact text round trip, strict parsing, signing and verification."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    Ed25519Verifier,
    SignedCheckpoint,
    sign_checkpoint,
    verify_note,
)
from repatria.ledger.note import SignedNote, sign_note_text

SPEC = json.loads((Path(__file__).parent.parent / "vectors" / "note_go.json").read_text())
ORIGIN = "repatria.example/ng-moj"
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()
KEY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
VERIFIER = Ed25519Verifier.from_private_key(ORIGIN, KEY)

line_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], min_codepoint=0x20),
    min_size=1,
    max_size=20,
)
checkpoints = st.builds(
    Checkpoint,
    origin=line_text,
    size=st.integers(0, MAX_TREE_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_text, max_size=3).map(tuple),
)


def test_text_layout() -> None:
    cp = Checkpoint(ORIGIN, 20852163, ROOT)
    assert cp.to_text() == f"{ORIGIN}\n20852163\n{ROOT_B64}\n"
    assert Checkpoint(ORIGIN, 0, ROOT, ("ext",)).to_text() == f"{ORIGIN}\n0\n{ROOT_B64}\next\n"


def test_spec_example_parses() -> None:
    cp = Checkpoint.from_text(SPEC["cosignature_example"]["checkpoint"])
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.to_text() == SPEC["cosignature_example"]["checkpoint"]


@given(checkpoints)
def test_to_text_from_text_round_trips(cp: Checkpoint) -> None:
    assert Checkpoint.from_text(cp.to_text()) == cp


@given(checkpoints)
def test_sign_then_verify_round_trips(cp: Checkpoint) -> None:
    note = sign_checkpoint(cp, "log", KEY).to_text()
    assert verify_note(note, [Ed25519Verifier.from_private_key("log", KEY)]) == cp


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (f"{ORIGIN}\n5\n{ROOT_B64}", "note.text", "does not end in a newline"),
        (f"{ORIGIN}\n5\n", "checkpoint", "has 2 lines, want at least 3"),
        (f"\n5\n{ROOT_B64}\n", "checkpoint.origin", "origin is empty"),
        (
            f"{ORIGIN}\n05\n{ROOT_B64}\n",
            "checkpoint.size",
            "'05' is not an ASCII decimal without leading zeroes",
        ),
        (f"{ORIGIN}\n+5\n{ROOT_B64}\n", "checkpoint.size", "'\\+5' is not"),
        (f"{ORIGIN}\n 5\n{ROOT_B64}\n", "checkpoint.size", "' 5' is not"),
        (f"{ORIGIN}\n1_000\n{ROOT_B64}\n", "checkpoint.size", "'1_000' is not"),
        (f"{ORIGIN}\n\uff15\n{ROOT_B64}\n", "checkpoint.size", "is not an ASCII decimal"),
        (f"{ORIGIN}\n-1\n{ROOT_B64}\n", "checkpoint.size", "'-1' is not"),
        (f"{ORIGIN}\n{1 << 64}\n{ROOT_B64}\n", "checkpoint.size", "outside 0..2\\^64-1"),
        (
            f"{ORIGIN}\n5\n{base64.b64encode(b'x' * 31).decode()}\n",
            "checkpoint.root_hash",
            "root hash has 31 bytes, want 32",
        ),
        (
            f"{ORIGIN}\n5\n{ROOT_B64.rstrip('=')}\n",
            "checkpoint.root_hash",
            "not canonical standard base64",
        ),
        (f"{ORIGIN}\n5\n{ROOT_B64[:-2]}B=\n", "checkpoint.root_hash", "not canonical"),
        (f"{ORIGIN}\n5\n{ROOT_B64}\n\n", "checkpoint.extensions\\[0\\]", "extension line is empty"),
        (
            f"{ORIGIN}\n5\n{ROOT_B64}\nok\n\n",
            "checkpoint.extensions\\[1\\]",
            "extension line is empty",
        ),
        (f"{ORIGIN}\x01\n5\n{ROOT_B64}\n", "note.text", "control character U\\+0001"),
    ],
)
def test_malformed_checkpoints_name_the_bad_part(text: str, where: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        Checkpoint.from_text(text)
    assert caught.value.where is not None
    assert re.fullmatch(where, caught.value.where)


def test_verify_note_ignores_other_signatures_such_as_cosignatures() -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    witness = Ed25519PrivateKey.from_private_bytes(b"\x22" * 32)
    note = sign_checkpoint(cp, ORIGIN, KEY).with_signatures(
        sign_note_text(cp.to_text(), "witness.example/w1", witness)
    )
    assert verify_note(note.to_text(), [VERIFIER]) == cp
    assert verify_note(note.to_text().encode(), [VERIFIER]) == cp


def test_verify_note_rejects_a_note_signed_by_someone_else() -> None:
    note = sign_checkpoint(
        Checkpoint(ORIGIN, 7, ROOT), ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x33" * 32)
    )
    with pytest.raises(VerificationFailed, match="no signature from a known key"):
        verify_note(note.to_text(), [VERIFIER])


@given(st.data())
def test_changing_any_character_of_a_signed_checkpoint_is_caught(data: st.DataObject) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 123456, ROOT), ORIGIN, KEY).to_text()
    text_end = note.index("\n\n") + 1
    at = data.draw(st.integers(0, text_end - 2), label="offset")
    replacement = data.draw(st.sampled_from("aZ09+/=.-"), label="char")
    if note[at] == replacement:
        return
    tampered = note[:at] + replacement + note[at + 1 :]
    with pytest.raises(VerificationFailed):
        verify_note(tampered, [VERIFIER])


def test_a_validly_signed_note_that_is_not_a_checkpoint_fails_verification() -> None:
    text = "just two\nlines\n"
    note = SignedNote(text, (sign_note_text(text, ORIGIN, KEY),)).to_text()
    with pytest.raises(VerificationFailed, match="has 2 lines, want at least 3") as caught:
        verify_note(note, [VERIFIER])
    assert caught.value.where == "checkpoint"


def test_signed_checkpoint_keeps_the_note_verbatim() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), ORIGIN, KEY).to_text()
    signed = SignedCheckpoint.open(note.encode(), [VERIFIER])
    assert signed.note == note
    assert signed.checkpoint.size == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": "", "size": 0, "root_hash": ROOT}, "origin is empty"),
        ({"origin": "a\nb", "size": 0, "root_hash": ROOT}, "control character U\\+000A"),
        ({"origin": "o", "size": -1, "root_hash": ROOT}, "tree size -1 is outside"),
        ({"origin": "o", "size": 0, "root_hash": b"x"}, "root hash has 1 bytes"),
        (
            {"origin": "o", "size": 0, "root_hash": ROOT, "extensions": ("",)},
            "extension line is empty",
        ),
    ],
)
def test_checkpoint_values_refuse_to_be_built_wrong(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        Checkpoint(**kwargs)  # type: ignore[arg-type]  # parametrized keyword arguments
