from __future__ import annotations

from typing import Any

import pytest

from repatria.domain.lifecycle import Direction
from repatria.domain.measure import Measure
from repatria.domain.request import RequestInput, check_request_reference
from repatria.errors import InvalidInput

BASE: dict[str, Any] = {
    "requesting_state": "NG",
    "requested_state": "GB",
    "measures": ["records", "freezing", "records"],
    "title": "Records",
}


def parse(**changes: Any) -> RequestInput:
    return RequestInput.from_dict(BASE | changes, node_jurisdiction="NG")


def test_defaults_and_deduplicated_measures() -> None:
    r = parse()
    assert r.direction is Direction.OUTGOING
    assert r.measures == (Measure.RECORDS, Measure.FREEZING)
    assert r.confidential is True


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"requested_state": "NG"}, "requested_state", "both NG"),
        ({"requested_state": "UK"}, "requested_state", "did you mean GB"),
        ({"measures": []}, "measures", r"UNCAC 46\(3\)"),
        ({"measures": ["records", "teleport"]}, "measures[1]", "unknown measure"),
        ({"deadline": "2027-01-01"}, "deadline_reason", r"46\(24\)"),
        ({"deadline": "31/12/2026", "deadline_reason": "trial"}, "deadline", "YYYY-MM-DD"),
        ({"direction": "sideways"}, "direction", "outgoing"),
        ({"requesting_state": "FR"}, "requesting_state", "must have requesting_state NG"),
        ({"urgent": "yes"}, "urgent", "true or false"),
        ({"title": " "}, "title", "required"),
    ],
)
def test_bad_fields_are_named(changes: dict[str, Any], where: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse(**changes)
    assert info.value.where == where


def test_incoming_request_must_be_addressed_to_the_node() -> None:
    r = RequestInput.from_dict(
        BASE | {"direction": "incoming", "requesting_state": "GB", "requested_state": "NG"},
        node_jurisdiction="NG",
    )
    assert r.direction is Direction.INCOMING
    with pytest.raises(InvalidInput, match="must have requested_state NG"):
        RequestInput.from_dict(BASE | {"direction": "incoming"}, node_jurisdiction="NG")


def test_reference_format() -> None:
    assert check_request_reference("ng-2026-0001-r01") == "NG-2026-0001-R01"
    with pytest.raises(InvalidInput, match="not a request reference"):
        check_request_reference("NG-2026-0001")


def test_languages_are_codes_not_names() -> None:
    from repatria.domain.language import parse_language

    assert parse_language("FR") == "fr"
    assert parse_language("eng") == "en"
    assert parse_language("tlh") == "tlh"  # a three-letter code with no two-letter twin
    for bad in ("klingon", "french", "xx", ""):
        with pytest.raises(InvalidInput, match="not an ISO 639 language code"):
            parse_language(bad)
