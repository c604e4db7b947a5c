"""One canonical JSON (RFC 8785) shared by the ledger's leaves and the exchange's documents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from repatria.crypto import canonical
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
