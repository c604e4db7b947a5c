"""Reading drafts: paths, structural problems, and invariants over broken drafts."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repatria.drafting import validate
from repatria.drafting.parse import format_path, parse_draft

from .conftest import ON, load_example

RECORDS = load_example("records")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths(item, (*prefix, i)))
    return found


ALL_PATHS = _paths(RECORDS)
JUNK = st.one_of(
    st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2), st.just({})
)


def test_format_path() -> None:
    assert format_path(("persons", 0, "entity", "properties", "iban", 1)) == (
        "persons[0].entity.properties.iban[1]"
    )
    assert format_path(()) == "$"


def test_parse_reports_every_structural_problem_at_once() -> None:
    doc = copy.deepcopy(RECORDS)
    doc["channel"] = "pigeon"
    doc["requested_state"] = "UK"
    doc["contact"]["languages"] = ["en", "zz", "klingon"]
    parsed = parse_draft(doc)
    assert parsed.document is not None
    by_path = {p.path: p for p in parsed.problems}
    assert "pigeon" in by_path["channel"].message
    assert "GB" in by_path["requested_state"].message  # "did you mean GB"
    assert by_path["requested_state"].article == "ISO 3166-1"
    assert by_path["contact.languages[1]"].article == "ISO 639-1"
    assert by_path["contact.languages[2]"].article == "ISO 639-1"  # a name is not a code
    assert parsed.document.contact is not None
    assert parsed.document.contact.languages == ("en",)  # only the valid code is kept


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), JUNK), min_size=1, max_size=4))
def test_any_broken_draft_gives_a_report_and_stays_untouched(
    edits: list[tuple[tuple[Any, ...], Any]],
) -> None:
    doc = copy.deepcopy(RECORDS)
    for path, junk in edits:
        node: Any = doc
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue
    before = copy.deepcopy(doc)
    report = validate(doc, on=ON)
    assert doc == before
    assert 0 <= report.score <= 100
    assert all(p.path and p.message and p.article for p in report.problems)
    if doc != RECORDS:
        # Every edit either leaves the draft valid or is reported somewhere.
        assert report.problems
