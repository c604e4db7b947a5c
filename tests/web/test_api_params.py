"""What the API schema publishes for a parameter, its check accepts (issue 13.8).

web/api/params.py and the body models publish patterns and enums that FastAPI does not
enforce; the domain's checks do. These tests hold the two together: every value the published
rule allows passes the check, so a client that follows the schema is never refused as invalid.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.case import CASE_REFERENCE_PATTERN, check_case_reference
from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.lifecycle import parse_state
from repatria.domain.measure import parse_measure
from repatria.domain.request import REQUEST_REFERENCE_PATTERN, check_request_reference
from repatria.errors import InvalidInput
from repatria.exchange.canonical import MESSAGE_ID
from repatria.exchange.handling import ConsentKind, Purpose
from repatria.law.offences import parse_offence
from repatria.service.trace_facts import TRACE_ID, TRACE_ID_PATTERN
from repatria.settings import Settings
from repatria.web.app import create_app


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("node")))
    published: dict[str, Any] = app.openapi()
    return published


def _parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    for parameter in document["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            schema: dict[str, Any] = parameter["schema"]
            return schema
    raise AssertionError(f"{method} {path} has no parameter {name}")


def _enum(schema: dict[str, Any]) -> list[str]:
    values: list[str] = schema["enum"]
    return values


@given(st.from_regex(CASE_REFERENCE_PATTERN, fullmatch=True))
def test_every_published_case_reference_passes_the_check(value: str) -> None:
    assert check_case_reference(value) == value


@given(st.from_regex(REQUEST_REFERENCE_PATTERN, fullmatch=True))
def test_every_published_request_reference_passes_the_check(value: str) -> None:
    assert check_request_reference(value) == value


@given(st.from_regex(TRACE_ID_PATTERN, fullmatch=True))
def test_every_published_trace_id_passes_the_check(value: str) -> None:
    assert TRACE_ID.fullmatch(value)


@pytest.mark.parametrize("digits", ["NG-٢٠٢٦-0001", "NG-2026-0001\n", "NG-2026-０００１"])
def test_a_reference_with_other_digits_or_a_trailing_line_break_is_refused(digits: str) -> None:
    """Python's \\d takes any script's digits and $ a final newline; the checks do not."""
    if digits.endswith("\n"):
        assert check_case_reference(digits) == "NG-2026-0001"  # spaces and breaks are trimmed
        return
    with pytest.raises(InvalidInput):
        check_case_reference(digits)


def test_the_published_paths_carry_the_patterns(document: dict[str, Any]) -> None:
    case = _parameter(document, "/api/cases/{reference}", "get", "reference")
    request = _parameter(document, "/api/requests/{reference}", "get", "reference")
    trace = _parameter(document, "/api/cases/{reference}/traces/{trace_id}", "get", "trace_id")
    assert case["pattern"] == CASE_REFERENCE_PATTERN
    assert request["pattern"] == REQUEST_REFERENCE_PATTERN
    assert trace["pattern"] == TRACE_ID_PATTERN
    for compiled in (case, request, trace):
        re.compile(compiled["pattern"])


def test_every_published_filter_value_is_accepted(document: dict[str, Any]) -> None:
    listed = document["paths"]["/api/requests"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in listed}
    for value in _enum(by_name["state"]):
        assert parse_state(value).value == value
    for value in _enum(by_name["measure"]):
        assert parse_measure(value).value == value
    for value in _enum(by_name["requested_state"]):
        assert parse_jurisdiction(value).code == value
    basis = document["paths"]["/api/basis"]["get"]["parameters"]
    offences = next(p["schema"] for p in basis if p["name"] == "offence")
    for value in _enum(offences):
        assert parse_offence(value).id == value


def test_the_request_body_publishes_its_states_and_measures(document: dict[str, Any]) -> None:
    body = document["components"]["schemas"]["RequestIn"]["properties"]
    assert "GB" in body["requested_state"]["enum"] and "UK" not in body["requested_state"]["enum"]
    assert "freezing" in body["measures"]["items"]["enum"]
    for value in body["requested_state"]["enum"]:
        parse_jurisdiction(value)


def test_the_received_routes_publish_message_ids_kinds_and_purposes(
    document: dict[str, Any],
) -> None:
    """A consent asked for a kind the node does not know, or a purpose it does not model, is
    refused (UNCAC 46(19)); the schema says which ones it knows."""
    path = "/api/received/{message_id}/consent-requests"
    message = _parameter(document, path, "post", "message_id")
    assert message["pattern"] == MESSAGE_ID.pattern
    body = document["components"]["schemas"]["ConsentAskIn"]["properties"]
    assert _enum(body["kind"]) == [k.value for k in ConsentKind]
    assert _enum(body["purpose"]) == [*(p.value for p in Purpose), None]  # none: not a use
    use = document["components"]["schemas"]["UseIn"]["properties"]
    assert _enum(use["purpose"]) == [p.value for p in Purpose]
