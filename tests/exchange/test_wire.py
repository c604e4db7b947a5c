"""Declarative wire objects: parsing and writing again gives the same bytes; errors name
the field."""

from __future__ import annotations

import base64
import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.crypto.canonical import canonical_json, parse_canonical
from repatria.errors import InvalidInput
from repatria.exchange.canonical import parse_time
from repatria.exchange.directory import Directory, verify_directory
from repatria.exchange.envelope import Header, SignedBody, open_envelope
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, Payload
from repatria.exchange.receipt import (
    LogEvidence,
    NegativeReceiptBody,
    ReceiptBody,
    ReceiptStatus,
)
from repatria.exchange.rejection import Reason, Rejected
from repatria.exchange.wire import canonical_bytes, path, read_wire

from .network import DIRECTORY_KEY, NODES, handling
from .test_messages import EXAMPLES

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "exchange_envelopes.json").read_text()
)
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                max_size=30).filter(str.strip)  # fmt: skip


@st.composite
def handlings(draw: st.DrawFn) -> Handling:
    codes = draw(st.frozensets(st.sampled_from(HandlingCode)))
    conditions = tuple(draw(st.lists(WORDS, max_size=3)))
    if HandlingCode.H3 in codes and not conditions:
        conditions = ("No press",)
    return Handling(
        originator=draw(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}[a-z0-9]\Z")),
        level=draw(st.sampled_from(Confidentiality)),
        codes=codes,
        purposes=draw(st.frozensets(st.sampled_from(Purpose))),
        cases=tuple(draw(st.lists(WORDS, max_size=3))),
        court=HandlingCode.H1 not in codes and draw(st.booleans()),
        forward=HandlingCode.H2 not in codes and draw(st.booleans()),
        export=draw(st.booleans()),
        confidential_request=draw(st.booleans()),
        conditions=conditions,
    )


@given(handling=handlings())
def test_handling_reparses_to_the_same_bytes(handling: Handling) -> None:
    data = canonical_bytes(handling)
    parsed = read_wire(Handling, parse_canonical(data, where="h"), "h")
    assert parsed == handling
    assert canonical_bytes(parsed) == data


@pytest.mark.parametrize(
    "case", [c for c in VECTORS["cases"] if c["want_error"] is None], ids=lambda c: c["name"]
)
def test_committed_vector_reserialises_byte_for_byte(case: dict[str, object]) -> None:
    now = parse_time(case["now"], where="now")
    directory = verify_directory(
        VECTORS["directories"][case["directory"]], DIRECTORY_KEY.public_key(), now
    )
    keys = {n.node_id: n.hpke for n in NODES}
    recipient = str(case["recipient"])
    opened = open_envelope(
        base64.b64decode(str(case["envelope"])), keys[recipient], recipient, directory, now
    )
    signed = parse_canonical(opened.signed.data, where="signed")["signed"]
    assert canonical_bytes(opened.message.handling) == canonical_json(signed["message"]["handling"])
    assert canonical_json(opened.message.to_dict()) == canonical_json(signed["message"])


def test_missing_and_unknown_fields_are_named_at_their_object() -> None:
    value = json.loads(canonical_bytes(Handling("gb-uka")))
    del value["level"]
    with pytest.raises(InvalidInput, match="missing field") as missing:
        read_wire(Handling, value, "message.handling")
    assert missing.value.where == "message.handling"
    value = json.loads(canonical_bytes(Handling("gb-uka"))) | {"colour": "red"}
    with pytest.raises(InvalidInput, match="unknown field") as unknown:
        read_wire(Handling, value, "message.handling")
    assert unknown.value.where == "message.handling"
    value = json.loads(canonical_bytes(Handling("gb-uka"))) | {"court": 1, "codes": ["H9"]}
    with pytest.raises(InvalidInput) as wrong:
        read_wire(Handling, value, "message.handling")
    assert wrong.value.where in {"message.handling.codes[0]", "message.handling.court"}


def test_path_writes_names_and_list_items() -> None:
    assert path("message", ("payload", "attachments", 0, "sha256")) == (
        "message.payload.attachments[0].sha256"
    )


FREE_TEXT = ("summary", "purpose", "reason", "reasons", "answers", "note", "question")


@given(
    payload=st.sampled_from(EXAMPLES),
    words=st.lists(WORDS, min_size=len(FREE_TEXT), max_size=len(FREE_TEXT)),
    reply=st.none() | st.from_regex(r"\A[0-9a-f]{64}\Z"),
)
@settings(max_examples=200, deadline=None)
def test_every_message_type_reparses_to_the_same_bytes(
    payload: Payload, words: list[str], reply: str | None
) -> None:
    """parse(canonical_bytes(x)).canonical_bytes() == canonical_bytes(x), per payload type."""
    names = {f.name for f in fields(payload)}  # type: ignore[arg-type]
    changes = {n: w for n, w in zip(FREE_TEXT, words, strict=True) if n in names}
    message = Message(replace(payload, **changes), "NG-2025-0042", handling(), reply)  # type: ignore[type-var]
    data = message.canonical_bytes()
    parsed = Message.from_dict(parse_canonical(data, where="m"))
    assert parsed == message
    assert parsed.canonical_bytes() == data
    assert parsed.payload.canonical_bytes() == message.payload.canonical_bytes()


@pytest.mark.parametrize("name", sorted(VECTORS["directories"]))
def test_committed_directory_reserialises_byte_for_byte(name: str) -> None:
    data = VECTORS["directories"][name]
    signed = parse_canonical(data, where="directory")
    directory = verify_directory(data, DIRECTORY_KEY.public_key(), _issued(signed))
    assert directory.canonical_bytes() == canonical_json(signed["directory"])
    again = Directory.from_dict(parse_canonical(directory.canonical_bytes(), where="d"))
    assert again == directory and again.canonical_bytes() == directory.canonical_bytes()


def _issued(signed: dict[str, Any]) -> datetime:
    return parse_time(signed["directory"]["issued_at"], where="issued_at")


HEX64 = st.from_regex(r"\A[0-9a-f]{64}\Z")
NODE = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}[a-z0-9]\Z")
MOMENT = st.integers(0, 4_000_000_000).map(
    lambda s: datetime.fromtimestamp(s, UTC)  # whole seconds, as the wire carries them
)


@given(
    ids=st.tuples(HEX64, HEX64),
    nodes=st.tuples(NODE, NODE),
    times=st.tuples(MOMENT, MOMENT),
    duplicate=st.booleans(),
    proof=st.lists(st.binary(min_size=32, max_size=32), max_size=5),
    blobs=st.tuples(
        st.binary(max_size=80), st.binary(max_size=80), st.binary(min_size=32, max_size=32)
    ),
    index=st.integers(0, 2**53 - 1),
)
def test_receipt_body_reparses_to_the_same_bytes(
    ids: tuple[str, str],
    nodes: tuple[str, str],
    times: tuple[datetime, datetime],
    duplicate: bool,
    proof: list[bytes],
    blobs: tuple[bytes, bytes, bytes],
    index: int,
) -> None:
    accepted, received = sorted(times) if duplicate else (times[0], times[0])
    log = LogEvidence(blobs[0], index, tuple(proof), "checkpoint text", blobs[1], blobs[2])
    body = ReceiptBody(
        ids[0], ids[1], nodes[0], nodes[1], received,
        ReceiptStatus.DUPLICATE if duplicate else ReceiptStatus.ACCEPTED, accepted,
        "signing-0123456789abcdef", log,
    )  # fmt: skip
    data = canonical_bytes(body)
    parsed = read_wire(ReceiptBody, parse_canonical(data, where="receipt"), "receipt")
    assert parsed == body and canonical_bytes(parsed) == data


@given(message=st.none() | HEX64, reason=st.sampled_from(Reason), at=MOMENT, detail=WORDS)
def test_negative_receipt_body_reparses_to_the_same_bytes(
    message: str | None, reason: Reason, at: datetime, detail: str
) -> None:
    body = NegativeReceiptBody("gb-uka", "ab" * 32, "ng-moj", "gb-uka", at, reason, detail,
                               "signing-0123456789abcdef", message)  # fmt: skip
    data = canonical_bytes(body)
    parsed = read_wire(NegativeReceiptBody, parse_canonical(data, where="n"), "n")
    assert parsed == body and canonical_bytes(parsed) == data
    assert ("message" in json.loads(data)) is (message is not None)


@given(
    nodes=st.tuples(NODE, NODE),
    created=MOMENT,
    lifetime=st.integers(1, 7 * 86400),
    nonce=st.binary(min_size=16, max_size=16),
    checkpoint=st.none() | WORDS,
    chunk=st.integers(256, 1024 * 1024),
)
def test_envelope_header_and_signed_body_reparse_to_the_same_bytes(
    nodes: tuple[str, str],
    created: datetime,
    lifetime: int,
    nonce: bytes,
    checkpoint: str | None,
    chunk: int,
) -> None:
    header = Header(nodes[0], nodes[1], "hpke-0123456789abcdef", chunk)
    data = canonical_bytes(header)
    assert canonical_bytes(read_wire(Header, parse_canonical(data, where="h"), "h")) == data
    body = SignedBody(nodes[0], nodes[1], created, created + timedelta(seconds=lifetime), nonce,
                      "signing-0123456789abcdef", {"any": "message"}, checkpoint)  # fmt: skip
    data = canonical_bytes(body)
    parsed = read_wire(SignedBody, parse_canonical(data, where="s"), "s")
    assert parsed == body and canonical_bytes(parsed) == data


def test_another_version_is_unsupported_once_the_shape_is_known() -> None:
    value = json.loads(canonical_bytes(Header("ng-moj", "gb-uka", "hpke-0123456789abcdef", 256)))
    with pytest.raises(Rejected) as info:
        read_wire(Header, value | {"v": 2}, "envelope.header")
    assert info.value.reason is Reason.UNSUPPORTED_VERSION
    assert info.value.where == "envelope.header.v"
    with pytest.raises(InvalidInput, match="unknown field"):
        read_wire(Header, value | {"v": 2, "extra": 1}, "envelope.header")
