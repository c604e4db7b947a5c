"""One canonical JSON (RFC 8785) shared by the ledger's leaves and the exchange's documents."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from repatria.crypto import canonical
from repatria.errors import InvalidInput
from repatria.exchange import canonical as exchange_canonical
from repatria.ledger import entry
from repatria.ledger.entry import EventRecord


def test_ledger_and_exchange_share_one_serialiser() -> None:
    assert entry.canonical_json is canonical.canonical_json
    assert exchange_canonical.canonical_json is canonical.canonical_json
    assert exchange_canonical.parse_canonical is canonical.parse_canonical


@given(
    kind=st.from_regex(r"\A[a-z][a-z0-9.-]{0,20}\Z"),
    event_id=st.integers(1, 2**53 - 1),
    time=st.integers(0, 2**53 - 1),
    commitment=st.binary(min_size=32, max_size=32),
    index=st.integers(0, 2**53 - 1),
)
def test_leaf_writer_is_the_shared_canonical_form(
    kind: str, event_id: int, time: int, commitment: bytes, index: int
) -> None:
    leaf = EventRecord(kind, event_id, time, commitment).to_leaf(index)
    value = canonical.parse_canonical(leaf, where="leaf")
    assert canonical.canonical_json(value) == leaf


_KEYS = st.text(max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=30,
)


@given(value=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_serialiser_writes_what_rfc8785_writes(value: dict[str, object]) -> None:
    """The stdlib fast path and the reference library give the same bytes, or both refuse
    (lone surrogates, integers beyond 2^53 - 1); floats and keys outside ASCII are in the
    strategy so the fallback is exercised as well."""
    try:
        expected: bytes | None = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        expected = None
    if expected is None:
        with pytest.raises(InvalidInput):
            canonical.canonical_json(value)
    else:
        assert canonical.canonical_json(value) == expected
        if canonical._stdlib_writes_jcs(value):  # floats may read back as integers (1.0)
            assert canonical.parse_canonical(expected, where="document") == value


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ({"a": [1, "x", None, True, {"b": -(2**53) + 1}]}, True),
        ({"a": 2**53}, False),  # beyond the doubles' integers
        ({"a": 1.5}, False),  # ES6 number form
        ({"é": 1}, False),  # key order by UTF-16 unit
        ({"a": (1, 2)}, False),  # a tuple: the library decides
        ({1: "a"}, False),  # json would write the key "1"; RFC 8785 refuses it
    ],
)
def test_fast_path_domain(value: object, fast: bool) -> None:
    assert canonical._stdlib_writes_jcs(value) is fast


def test_non_string_key_is_refused_not_converted() -> None:
    with pytest.raises(InvalidInput, match="keys must be strings"):
        canonical.canonical_json({1: "a"})


def test_lone_surrogate_is_refused_with_the_library_reason() -> None:
    with pytest.raises(InvalidInput, match="non-UTF-8"):
        canonical.canonical_json({"a": "\ud800"})
