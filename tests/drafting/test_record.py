"""``record_fields``: what the request record must say, read from a draft (issue 12, bug 1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.measure import Measure
from repatria.drafting.record import record_fields


def _text(value: str) -> dict[str, str]:
    return {"text": value, "lang": "en", "translation": "original"}


def test_a_full_draft_gives_every_column() -> None:
    fields = record_fields(
        {
            "legal_basis": {"instrument": "UNCAC", "articles": ["Art. 46"]},
            "deadline": {"date": "2027-02-28", "reasons": _text("trial in March")},
            "measures": [{"measure": "freezing"}, {"measure": "records"}, {"measure": "freezing"}],
            "urgency": {"urgent": True},
            "confidentiality": {"requested": True},
            "facts": _text("Bribes were paid."),
            "persons": [{"entity": {"id": "p1", "schema": "Person"}}],
            "assets": [
                {"entity": {"id": "a1", "schema": "BankAccount"}},
                {"entity": {"id": "p1", "schema": "Person"}},
            ],
        }
    )
    assert fields.legal_basis == "UNCAC"
    assert (fields.deadline, fields.deadline_reason) == (date(2027, 2, 28), "trial in March")
    assert fields.measures == (Measure.FREEZING, Measure.RECORDS)
    assert fields.urgent and fields.confidential
    assert fields.summary == "Bribes were paid."
    assert fields.subjects == ("p1", "a1")


def test_what_the_draft_leaves_out_is_absent_from_the_record() -> None:
    fields = record_fields({"deadline": {"date": "not a date", "reasons": _text("x")}})
    assert fields.legal_basis is None and fields.deadline is None
    assert fields.deadline_reason is None and fields.measures == ()
    assert not fields.urgent and not fields.confidential and fields.subjects == ()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
_parts = st.fixed_dictionaries(
    {},
    optional={
        "legal_basis": st.fixed_dictionaries({"instrument": st.text(max_size=20)}) | _json,
        "deadline": st.fixed_dictionaries(
            {"date": st.dates().map(date.isoformat) | _json, "reasons": _json}
        )
        | _json,
        "measures": st.lists(
            st.fixed_dictionaries({"measure": st.sampled_from([m.value for m in Measure])}) | _json,
            max_size=4,
        ),
        "urgency": st.fixed_dictionaries({"urgent": st.booleans()}) | _json,
        "confidentiality": st.fixed_dictionaries({"requested": st.booleans()}) | _json,
        "persons": st.lists(
            st.fixed_dictionaries({"entity": st.fixed_dictionaries({"id": st.text(max_size=4)})})
            | _json,
            max_size=3,
        ),
        "assets": _json,
    },
)


@given(_parts)
def test_any_draft_reads_without_error_and_agrees_with_itself(document: dict[str, Any]) -> None:
    fields = record_fields(document)
    basis = document.get("legal_basis")
    if isinstance(basis, dict) and isinstance(basis.get("instrument"), str):
        assert fields.legal_basis == (basis["instrument"].strip()[:300] or None)
    deadline = document.get("deadline")
    if isinstance(deadline, dict) and isinstance(deadline.get("date"), str):
        try:
            expected: date | None = date.fromisoformat(deadline["date"])
        except ValueError:
            expected = None
        assert fields.deadline == expected
    if fields.deadline is None:
        assert fields.deadline_reason is None
    drafted = [m.get("measure") for m in document.get("measures", []) if isinstance(m, dict)]
    assert [m.value for m in fields.measures] == list(
        dict.fromkeys(m for m in drafted if m in {x.value for x in Measure})
    )
    urgency = document.get("urgency")
    assert fields.urgent is (isinstance(urgency, dict) and urgency.get("urgent") is True)
    assert len(fields.subjects) == len(set(fields.subjects))
