"""Canonical JSON and strict wire reading: one byte string per value, every field checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.exchange.canonical import (
    canonical_json,
    format_time,
    parse_canonical,
    parse_time,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(max_size=8), JSON, max_size=5))
def test_canonical_round_trip(value: dict[str, object]) -> None:
    assert parse_canonical(canonical_json(value), where="x") == value


@given(seconds=st.integers(0, 4_000_000_000))
def test_time_round_trip(seconds: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    assert parse_time(format_time(moment), where="t") == moment


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"b":1, "a":2}', "canonical"),
        (b'{"a":1,"a":1}', "duplicate key"),
        (b"[1]", "JSON object"),
        (b'{"a":NaN}', "NaN"),
        (b"\xff", "UTF-8"),
        (b"{", "not JSON"),
    ],
)
def test_strict_parsing(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_canonical(data, where="doc")


def test_time_needs_a_zone_and_a_real_date() -> None:
    with pytest.raises(InvalidInput, match="real date"):
        parse_time("2025-02-30T00:00:00Z", where="t")
    with pytest.raises(InvalidInput, match="time zone"):
        format_time(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-31T09:00:00Z\n",  # a final newline: "$" would let it through
        "2025-01-31T09:00:00",
        "2025-01-31T09:00:00+00:00",
        "2025-01-31T09:00:00.5Z",
        "2025-01-31 09:00:00Z",
    ],
)
def test_a_time_has_one_spelling(text: str) -> None:
    """Only ``YYYY-MM-DDTHH:MM:SSZ`` reads as a time, so one instant has one text in
    everything signed (RFC 3339 §5.6 with the profile's restrictions)."""
    with pytest.raises(InvalidInput, match="expected a UTC time"):
        parse_time(text, where="t")
