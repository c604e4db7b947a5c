"""The batch's wire shape: envelopes in base64 inside JSON, one answer per envelope."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.exchange.batch import (
    MAX_BATCH,
    BatchIn,
    batch_body,
    batch_size,
    envelopes_of,
    read_answer,
)
from repatria.settings import Settings

ENVELOPES = st.lists(st.binary(max_size=300), min_size=1, max_size=MAX_BATCH)


@given(ENVELOPES)
def test_a_batch_body_gives_back_the_same_envelopes(envelopes: list[bytes]) -> None:
    body = batch_body(envelopes)
    assert envelopes_of(BatchIn.model_validate_json(body)) == envelopes


@given(ENVELOPES)
def test_batch_size_is_what_each_envelope_adds_to_the_body(envelopes: list[bytes]) -> None:
    """The sender packs batches under the receiver's body limit by this count, so it must
    never fall short of the body it builds (the JSON frame adds 16 bytes, less one comma)."""
    assert len(batch_body(envelopes)) == sum(batch_size(e) for e in envelopes) + 16 - 1


@pytest.mark.parametrize("count", [0, MAX_BATCH + 1])
def test_a_batch_holds_one_to_max_batch_envelopes(count: int) -> None:
    with pytest.raises(InvalidInput, match=f"1 to {MAX_BATCH}") as refused:
        batch_body([b"x"] * count)
    assert refused.value.where == "envelopes"


def test_the_batch_size_setting_cannot_exceed_the_route_limit() -> None:
    field = Settings.model_fields["exchange_batch_size"]
    assert [getattr(m, "le", None) for m in field.metadata if hasattr(m, "le")] == [MAX_BATCH]


def test_an_item_that_is_not_base64_is_refused_alone_where_it_is() -> None:
    batch = BatchIn(envelopes=["QUJD", "QUJD=", "QQ==", "QR==", "QQ="])
    decoded = envelopes_of(batch)
    assert decoded[0] == b"ABC" and decoded[2] == b"A"
    for number in (1, 3, 4):  # excess padding, bits left over, short padding
        refused = decoded[number]
        assert isinstance(refused, InvalidInput) and refused.where == f"envelopes[{number}]"


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        (b"[]", "answer.answer"),
        (b'{"results": [{"outcome": "kept"}]}', "answer.results.0.outcome"),
        (b'{"results": [{"outcome": "accepted", "extra": 1}]}', "answer.results.0.extra"),
        (b'{"results": []}', "answer.results"),
    ],
)
def test_an_answer_that_is_not_one_is_refused_with_where(answer: bytes, where: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_answer(answer, 1)
    assert refused.value.where == where


def test_an_answer_has_one_result_per_envelope() -> None:
    one = {"outcome": "accepted", "message_id": "m", "receipt": "{}"}
    assert len(read_answer(json.dumps({"results": [one, one]}).encode(), 2)) == 2
