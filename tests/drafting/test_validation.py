"""validate(): every problem with its path and article, the score, and is_complete."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from repatria.drafting import Severity, is_complete, validate, validate_json
from repatria.drafting.parse import SUPPORTED_VERSIONS

from .conftest import EXAMPLE_NAMES, ON, changed, load_example, text


def _problems(report: Any, path: str) -> list[Any]:
    return [p for p in report.problems if p.path == path]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_validate_with_no_errors(name: str) -> None:
    report = validate(load_example(name), on=ON)
    assert report.errors == (), "\n".join(str(p) for p in report.errors)
    assert is_complete(report)
    assert report.schema_version == "1.0"
    assert 0 < report.score <= 100


def test_empty_document_lists_every_item_of_46_15_with_its_letter() -> None:
    report = validate({}, on=ON)
    assert not is_complete(report)
    assert report.score == 0
    cited = {p.article for p in report.problems}
    for letter in "abcdef":
        assert f"UNCAC Art. 46(15)({letter})" in cited, f"46(15)({letter}) not cited"
    paths = {p.path for p in report.errors}
    assert {
        "requesting_authority.name",
        "proceedings.subject",
        "proceedings.authority.name",
        "proceedings.authority.functions",
        "facts",
        "measures",
        "purpose",
        "schema_version",
    } <= paths
    # (e) is "where possible": advice, not a block.
    assert [p.severity for p in _problems(report, "persons")] == [Severity.WARNING]


def test_missing_schema_version_still_runs_the_content_checks(records: dict[str, Any]) -> None:
    report = validate(changed(records, schema_version=None), on=ON)
    assert [p.path for p in report.errors] == ["schema_version"]
    assert "1.0" in report.errors[0].message


def test_unsupported_schema_version_names_the_supported_ones(records: dict[str, Any]) -> None:
    report = validate(changed(records, schema_version="2.0"), on=ON)
    (problem,) = report.problems
    assert problem.path == "schema_version"
    assert "'2.0'" in problem.message
    for version in SUPPORTED_VERSIONS:
        assert version in problem.message


def test_invalid_json_names_line_and_column() -> None:
    report = validate_json('{\n  "schema_version": "1.0",\n  "facts": }', on=ON)
    (problem,) = report.problems
    assert problem.path == "$"
    assert "line 3" in problem.message and "column 12" in problem.message
    assert problem.article == "RFC 8259"
    assert not is_complete(report)


def test_valid_json_text_gives_the_same_report_as_the_dict(records: dict[str, Any]) -> None:
    assert validate_json(json.dumps(records), on=ON) == validate(records, on=ON)


def test_not_an_object_is_refused() -> None:
    report = validate(["not", "a", "request"], on=ON)
    assert report.problems[0].path == "$"
    assert "list" in report.problems[0].message


def test_unknown_language_names_the_field(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["facts"]["lang"] = "xx"
    report = validate(doc, on=ON)
    (problem,) = _problems(report, "facts.lang")
    assert "'xx'" in problem.message and "ISO 639" in problem.message
    assert problem.article == "ISO 639-1"
    # The facts were dropped as unreadable, so (c) is reported missing as well.
    assert _problems(report, "facts")


def test_iban_with_a_bad_check_digit_names_the_property(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["assets"][0]["entity"]["properties"]["iban"] = ["GB28NWBK60161331926819"]
    report = validate(doc, on=ON)
    (problem,) = _problems(report, "assets[0].entity.properties.iban[0]")
    # The path points at the value; the message says what is wrong with it without repeating
    # it, since answers and the logs that keep them carry no case content (R19).
    assert "iban" in problem.message and "check digits" in problem.message
    assert "GB28NWBK60161331926819" not in problem.message
    assert problem.article == "ISO 13616"
    assert problem.severity is Severity.ERROR
    assert not is_complete(report)


def test_iban_country_differing_from_the_account_country_is_a_warning(
    records: dict[str, Any],
) -> None:
    doc = copy.deepcopy(records)
    doc["assets"][0]["entity"]["properties"]["country"] = ["ng"]
    (problem,) = _problems(validate(doc, on=ON), "assets[0].entity.properties.iban[0]")
    assert problem.severity is Severity.WARNING
    assert "GB" in problem.message and "NG" in problem.message


def test_validation_never_mutates_the_draft(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["facts"]["lang"] = "xx"
    doc["unknown_field"] = {"kept": True}
    doc["measures"][0]["measure"] = "teleportation"
    before = copy.deepcopy(doc)
    report = validate(doc, on=ON)
    assert doc == before
    assert _problems(report, "unknown_field")
    (measure,) = _problems(report, "measures[0].measure")
    assert "teleportation" in measure.message and "records" in measure.message


def test_a_structural_error_does_not_hide_the_other_checks(records: dict[str, Any]) -> None:
    report = validate(changed(records, date="2026-13-01", purpose=None), on=ON)
    assert _problems(report, "date")[0].article == "ISO 8601"
    assert _problems(report, "purpose")[0].article == "UNCAC Art. 46(15)(f)"


def test_removing_a_mandatory_item_lowers_the_score(records: dict[str, Any]) -> None:
    full = validate(records, on=ON)
    for field, article in (("facts", "46(15)(c)"), ("purpose", "46(15)(f)")):
        report = validate(changed(records, **{field: None}), on=ON)
        assert report.score < full.score
        (problem,) = _problems(report, field)
        assert article in problem.article


def test_service_of_documents_needs_no_summary_of_facts(records: dict[str, Any]) -> None:
    doc = changed(
        records,
        facts=None,
        measures=[{"measure": "service-of-documents", "description": text("Serve the summons")}],
    )
    report = validate(doc, on=ON)
    assert not _problems(report, "facts")


def test_records_need_a_period(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    del doc["measures"][0]["period"]
    (problem,) = _problems(validate(doc, on=ON), "measures[0].period")
    assert "period" in problem.message
    doc["measures"][0]["period"] = {"start": "2021-01-01", "end": "2019-01-01"}
    (problem,) = _problems(validate(doc, on=ON), "measures[0].period")
    assert "2021-01-01" in problem.message


def test_measure_targets_must_name_entities_of_the_request(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["measures"][0]["targets"].append("account-nowhere")
    (problem,) = _problems(validate(doc, on=ON), "measures[0].targets[2]")
    assert "account-nowhere" in problem.message and "account-gb-marlin" in problem.message


def test_coercive_measure_needs_a_dual_criminality_statement(freezing: dict[str, Any]) -> None:
    report = validate(changed(freezing, dual_criminality=None), on=ON)
    (problem,) = _problems(report, "dual_criminality")
    assert problem.article == "UNCAC Art. 46(9)(b)"
    assert "freezing" in problem.message


def test_non_coercive_measure_needs_no_dual_criminality_statement(
    records: dict[str, Any],
) -> None:
    doc = changed(
        records,
        dual_criminality=None,
        measures=[{"measure": "testimony", "description": text("Hear Ms Hartley as a witness")}],
    )
    assert not _problems(validate(doc, on=ON), "dual_criminality")


def test_deadline_needs_reasons_and_must_not_be_past(records: dict[str, Any]) -> None:
    report = validate(changed(records, deadline={"date": "2026-11-01"}), on=ON)
    assert _problems(report, "deadline.reasons")[0].article == "UNCAC Art. 46(24)"
    assert "2026-11-01" in _problems(report, "deadline.date")[0].message


def test_urgent_request_needs_reasons(records: dict[str, Any]) -> None:
    report = validate(changed(records, urgency={"urgent": True}), on=ON)
    assert _problems(report, "urgency.reasons")


def test_use_limitation_must_be_accepted(records: dict[str, Any]) -> None:
    report = validate(changed(records, use_limitation={"accepted": False}), on=ON)
    (problem,) = _problems(report, "use_limitation.accepted")
    assert problem.article == "UNCAC Art. 46(19)"


def test_free_text_in_another_language_than_the_request_is_an_error(
    records: dict[str, Any],
) -> None:
    doc = changed(records, purpose=text("Preuve de la réception des pots-de-vin", "fr"))
    (problem,) = _problems(validate(doc, on=ON), "purpose.lang")
    assert "French" in problem.message and "English" in problem.message


def test_translation_status_is_tracked(records: dict[str, Any]) -> None:
    pending = changed(records, purpose=text("Evidence of the bribes", "en", "pending"))
    (problem,) = _problems(validate(pending, on=ON), "purpose.translation")
    assert problem.severity is Severity.ERROR
    machine = changed(records, purpose=text("Evidence of the bribes", "en", "machine"))
    (problem,) = _problems(validate(machine, on=ON), "purpose.translation")
    assert problem.severity is Severity.WARNING
    certified = changed(
        records,
        purpose={**text("Evidence of the bribes", "en", "certified"), "translated_from": "yo"},
    )
    report = validate(certified, on=ON)
    assert not report.at("purpose")
    assert is_complete(report)


def test_language_not_accepted_by_the_requested_state(records: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(records).replace('"lang": "en"', '"lang": "fr"'))
    doc["language"] = "fr"
    (problem,) = _problems(validate(doc, on=ON), "language")
    assert problem.article == "UNCAC Art. 46(14)"
    assert "GB accepts requests in English (en)" in problem.message
    assert "French (fr)" in problem.message


def test_chosen_basis_must_apply(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["legal_basis"]["instrument"] = "EU_EIO"
    (problem,) = _problems(validate(doc, on=ON), "legal_basis.instrument")
    assert problem.severity is Severity.ERROR
    assert "EU_EIO does not apply" in problem.message
    assert "UNCAC" in problem.message  # named among the applicable ones


def test_unknown_instrument_names_the_known_ones(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["legal_basis"]["instrument"] = "NO_SUCH_TREATY"
    (problem,) = _problems(validate(doc, on=ON), "legal_basis.instrument")
    assert "NO_SUCH_TREATY" in problem.message and "UNCAC" in problem.message


def test_unknown_offence_id_is_named(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["offences"][0]["offence_id"] = "jaywalking"
    (problem,) = _problems(validate(doc, on=ON), "offences[0].offence_id")
    assert "jaywalking" in problem.message


def test_interpol_only_for_urgent_requests(records: dict[str, Any]) -> None:
    report = validate(changed(records, channel="interpol"), on=ON)
    (problem,) = _problems(report, "channel")
    assert "central-authority" in problem.message and "urgent" in problem.message
    urgent = changed(
        records, channel="interpol", urgency={"urgent": True, "reasons": text("Flight risk")}
    )
    assert not _problems(validate(urgent, on=ON), "channel")


def test_reciprocity_needs_an_assurance(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["legal_basis"] = {"instrument": "RECIPROCITY"}
    doc["channel"] = "diplomatic"
    (problem,) = _problems(validate(doc, on=ON), "legal_basis.reciprocity_assurance")
    assert problem.severity is Severity.ERROR
    doc["legal_basis"]["reciprocity_assurance"] = text("Nigeria will assist the UK likewise.")
    assert not _problems(validate(doc, on=ON), "legal_basis.reciprocity_assurance")


def test_foreign_order_needs_the_contents_of_55_3_b(confiscation: dict[str, Any]) -> None:
    doc = copy.deepcopy(confiscation)
    del doc["confiscation"]["finality_statement"]
    del doc["confiscation"]["third_party_notice"]
    doc["attachments"] = [a for a in doc["attachments"] if a["id"] != "order-copy"]
    report = validate(doc, on=ON)
    for path in (
        "confiscation.finality_statement",
        "confiscation.third_party_notice",
        "confiscation.order.attachment",
    ):
        (problem,) = _problems(report, path)
        assert problem.article == "UNCAC Art. 55(3)(b)"
    assert "order-copy" in _problems(report, "confiscation.order.attachment")[0].message


def test_freezing_needs_the_action_requested(freezing: dict[str, Any]) -> None:
    report = validate(changed(freezing, freezing=None), on=ON)
    (problem,) = _problems(report, "freezing.action")
    assert problem.article == "UNCAC Art. 55(3)(c)"


def test_assets_in_a_freezing_request_need_their_link_to_the_offence(
    freezing: dict[str, Any],
) -> None:
    report = validate(changed(freezing, link_to_offence=None), on=ON)
    assert _problems(report, "link_to_offence")[0].severity is Severity.ERROR


def test_person_must_be_a_legal_entity(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["persons"][0]["entity"] = doc["assets"][0]["entity"] | {"id": "acc-as-person"}
    (problem,) = _problems(validate(doc, on=ON), "persons[0].entity.schema")
    assert "BankAccount" in problem.message


def test_account_needs_an_identifier(records: dict[str, Any]) -> None:
    doc = copy.deepcopy(records)
    doc["assets"][0]["entity"]["properties"] = {"bankName": ["NatWest"]}
    (problem,) = _problems(validate(doc, on=ON), "assets[0].entity.properties")
    assert "iban" in problem.message


def test_report_to_dict_is_the_wire_shape(records: dict[str, Any]) -> None:
    report = validate(changed(records, purpose=None), on=ON)
    wire = json.loads(report.to_json())
    assert wire["complete"] is False
    assert wire["score"] == report.score
    assert wire["errors"] == len(report.errors)
    (purpose,) = [p for p in wire["problems"] if p["path"] == "purpose"]
    assert purpose["severity"] == "error"
    assert purpose["article"] == "UNCAC Art. 46(15)(f)"
    assert all(set(p) == {"path", "message", "article", "severity"} for p in wire["problems"])
