"""Measure templates add the measure and standard wording, never facts, never over typed text."""

from __future__ import annotations

import pytest

from repatria.domain.measure import Measure
from repatria.drafting import validate
from repatria.drafting.form import form_to_document
from repatria.drafting.measure_templates import TEMPLATES, apply_template

from .conftest import ON


@pytest.mark.parametrize("measure", list(TEMPLATES))
def test_a_template_adds_its_measure_with_a_description(measure: Measure) -> None:
    document = form_to_document(apply_template({"schema_version": ["1.0"]}, measure, "en"))
    assert [m["measure"] for m in document["measures"]] == [measure.value]
    assert document["measures"][0]["description"]["text"]
    for invented in ("facts", "assets", "persons", "offences"):
        assert invented not in document
    assert "action" not in document.get("freezing", {})


def test_freezing_adds_the_reasonable_basis_of_54_2_b_but_not_the_action() -> None:
    document = form_to_document(apply_template({}, Measure.FREEZING, "en"))
    assert "54(2)(b)" in document["freezing"]["reasonable_basis"]["text"]
    problems = {p.path for p in validate({"schema_version": "1.0", **document}, on=ON).problems}
    assert "freezing.action" in problems  # still the drafter's to write
    assert "facts" in problems


def test_a_template_keeps_what_was_typed_and_is_applied_once() -> None:
    fields = {
        "measures[0].measure": ["freezing"],
        "measures[0].description.text": ["Freeze the two accounts"],
        "measures[0].description.lang": ["en"],
        "purpose.text": ["Our own purpose"],
    }
    twice = apply_template(apply_template(fields, Measure.FREEZING, "en"), Measure.FREEZING, "en")
    document = form_to_document(twice)
    assert len(document["measures"]) == 1
    assert document["measures"][0]["description"]["text"] == "Freeze the two accounts"
    assert document["purpose"]["text"] == "Our own purpose"
