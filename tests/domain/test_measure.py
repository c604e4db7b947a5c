from __future__ import annotations

import pytest

from repatria.domain.measure import MEASURES, Measure, parse_measure
from repatria.errors import InvalidInput

WIRE_IDS = [
    "records", "search-seizure", "testimony", "videoconference", "service-of-documents",
    "examination", "tracing", "freezing", "confiscation", "asset-return",
    "spontaneous-information", "other",
]  # fmt: skip


def test_wire_identifiers_are_exactly_the_published_ones() -> None:
    assert [m.value for m in Measure] == WIRE_IDS


def test_every_measure_cites_uncac() -> None:
    assert set(MEASURES) == set(Measure)
    for info in MEASURES.values():
        assert info.articles and all(a.startswith("UNCAC ") for a in info.articles)


def test_coercive_measures_are_the_ones_46_9_b_is_about() -> None:
    coercive = {m.value for m, info in MEASURES.items() if info.coercive}
    assert coercive == {
        "records", "search-seizure", "freezing", "confiscation", "asset-return"
    }  # fmt: skip


def test_unknown_measure_names_the_accepted() -> None:
    with pytest.raises(
        InvalidInput, match="unknown measure 'seize'; accepted: records, search-seizure"
    ):
        parse_measure("seize")
