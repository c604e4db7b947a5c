"""One truth between a request's record and its saved draft (issue 12, bug 1)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

from repatria.domain.request import Request
from repatria.service import cases, drafting, entities, requests
from repatria.service.dialogue import request_payload
from repatria.service.node import Node
from repatria.service.requests import load_request
from tests.conftest import REQUEST_BODY, CaseFixture, People, complete_document


def _text(value: str) -> dict[str, str]:
    return {"text": value, "lang": "en", "translation": "original"}


def _views(node: Node, people: People, ref: str) -> dict[str, Request | None]:
    listed = requests.list_requests(node, people.officer, requests.RequestFilter())
    due = requests.deadlines(node, people.officer)
    return {
        "get": requests.get_request(node, people.officer, ref),
        "list": next(r for r in listed if r.reference == ref),
        "deadlines": next((r for r in due if r.reference == ref), None),
    }


def assert_one_truth(node: Node, people: People, ref: str) -> None:
    """Every view of the request says what its saved document says."""
    document = drafting.get_document(node, people.officer, ref)
    basis = (document.get("legal_basis") or {}).get("instrument")
    deadline = (document.get("deadline") or {}).get("date")
    measures = tuple(m["measure"] for m in document.get("measures") or [])
    urgent = bool((document.get("urgency") or {}).get("urgent"))
    confidential = bool((document.get("confidentiality") or {}).get("requested"))
    named = [x["entity"]["id"] for x in (document.get("persons") or [])] + [
        x["entity"]["id"] for x in (document.get("assets") or [])
    ]
    views = _views(node, people, ref)
    for name in ("get", "list"):
        view = views[name]
        assert view is not None
        assert view.legal_basis == basis, name
        assert (view.deadline.isoformat() if view.deadline else None) == deadline, name
        assert tuple(m.value for m in view.measures) == measures, name
        assert (view.urgent, view.confidential) == (urgent, confidential), name
        assert list(view.subjects) == list(dict.fromkeys(named)), name
    assert (views["deadlines"] is not None) == (deadline is not None)
    with node.transaction() as session:
        wire = request_payload(load_request(session, ref))
    assert wire.legal_basis == basis
    assert (wire.deadline.isoformat() if wire.deadline else None) == deadline
    assert tuple(m.value for m in wire.measures) == measures
    assert (wire.urgent, wire.confidential) == (urgent, confidential)
    held = {e.id for e in entities.list_entities(node, people.officer, views["get"].case_reference)}
    assert set(named) <= held


@pytest.fixture
def freezing(node: Node, people: People, ng_case: CaseFixture) -> str:
    opened = requests.open_request(
        node, people.officer, ng_case.case, REQUEST_BODY | {"measures": ["freezing"]}
    )
    return opened.reference


def test_the_record_follows_every_kind_of_draft_edit(
    node: Node, people: People, ng_case: CaseFixture, freezing: str
) -> None:
    # the bug: the record kept its own basis (a treaty) and no deadline while the draft
    # said UNCAC and a deadline, so lists, the API and the wire disagreed with the letter
    requests_before = requests.get_request(node, people.officer, freezing)
    assert requests_before.legal_basis == "UNCAC" and requests_before.deadline is None
    document = complete_document(freezing, "freezing")
    in_90 = (date.today() + timedelta(days=90)).isoformat()
    edits: list[tuple[str, Any]] = [
        ("as drafted", lambda d: d),
        ("basis", lambda d: d | {"legal_basis": {"instrument": "BILATERAL:GB-NG"}}),
        ("deadline", lambda d: d | {"deadline": {"date": in_90, "reasons": _text("trial")}}),
        ("no deadline", lambda d: {k: v for k, v in d.items() if k != "deadline"}),
        (
            "measures",
            lambda d: d | {"measures": [*d["measures"], {"measure": "records"}]},
        ),
        ("subjects", lambda d: d | {"persons": d["persons"][:1]}),
        ("urgency", lambda d: d | {"urgency": {"urgent": False}}),
        ("confidentiality", lambda d: d | {"confidentiality": {"requested": False}}),
    ]
    for what, edit in edits:
        document = edit(copy.deepcopy(document))
        drafting.save_document(node, people.officer, freezing, document)
        try:
            assert_one_truth(node, people, freezing)
        except AssertionError as error:
            raise AssertionError(f"after the {what} edit: {error}") from error
    record = requests.get_request(node, people.officer, freezing)
    assert record.legal_basis == "BILATERAL:GB-NG"
    assert [m.value for m in record.measures] == ["freezing", "records"]
    assert record.urgent is False and record.confidential is False


def test_entities_of_the_draft_join_the_case_once(
    node: Node, people: People, ng_case: CaseFixture, freezing: str
) -> None:
    document = complete_document(freezing, "freezing")
    wallet = {"id": "wallet-1", "schema": "CryptoWallet", "properties": {"publicKey": ["bc1qx"]}}
    document["assets"] = [*document["assets"], {"entity": wallet}]
    before = {e.id for e in entities.list_entities(node, people.officer, ng_case.case)}
    assert "wallet-1" not in before
    drafting.save_document(node, people.officer, freezing, document)
    once = [e.id for e in entities.list_entities(node, people.officer, ng_case.case)]
    drafting.save_document(node, people.officer, freezing, document)
    twice = [e.id for e in entities.list_entities(node, people.officer, ng_case.case)]
    assert once == twice and len(twice) == len(set(twice))
    assert set(twice) - before == {"wallet-1"}
    record = requests.get_request(node, people.officer, freezing)
    assert record.subjects[-1] == "wallet-1" and "account-gb-marlin" in record.subjects


def test_an_invalid_entity_stays_in_the_draft_only(
    node: Node, people: People, ng_case: CaseFixture, freezing: str
) -> None:
    document = complete_document(freezing, "freezing")
    document["assets"] = [{"entity": {"id": "acc-x", "schema": "NoSuchSchema"}}]
    report = drafting.save_document(node, people.officer, freezing, document)
    assert report.errors
    held = {e.id for e in entities.list_entities(node, people.officer, ng_case.case)}
    assert "acc-x" not in held
    assert "acc-x" not in requests.get_request(node, people.officer, freezing).subjects


def test_a_past_deadline_in_the_draft_is_an_error(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    document = complete_document(ng_case.request)
    past = (date.today() - timedelta(days=1)).isoformat()
    document["deadline"] = {"date": past, "reasons": _text("the hearing")}
    report = drafting.save_document(node, people.officer, ng_case.request, document)
    assert any(p.path == "deadline.date" for p in report.errors)


def test_the_starting_draft_is_filled_from_the_node_the_directory_and_the_case(
    node: Node, people: People
) -> None:
    case = cases.open_case(
        node,
        people.supervisor,
        {
            "title": "Delta bribes",
            "summary": "Bribes for oil licences.",
            "offences": ["bribery-passive"],
        },
    )
    cases.assign_member(node, people.supervisor, case.reference, "officer", "needs to know")
    person = {"id": "p-1", "schema": "Person", "properties": {"name": ["Ada Obi"]}}
    account = {
        "id": "acc-ch",
        "schema": "BankAccount",
        "properties": {"accountNumber": ["CH-1"], "country": ["ch"], "currency": ["CHF"]},
    }
    elsewhere = {
        "id": "acc-ae",
        "schema": "BankAccount",
        "properties": {"accountNumber": ["AE-1"], "country": ["ae"]},
    }
    for entity in (person, account, elsewhere):
        entities.put_entity(node, people.officer, case.reference, entity)
    opened = requests.open_request(
        node,
        people.officer,
        case.reference,
        REQUEST_BODY | {"requested_state": "CH", "measures": ["freezing"], "subjects": ["p-1"]},
    )
    document = drafting.starting_draft(node, people.officer, opened.reference)
    assert document["requesting_authority"]["name"]["text"] == node.config.authority
    assert document["addressee"]["state"] == "CH"
    assert "Federal Office of Justice" in document["addressee"]["name"]["text"]
    assert document["channel"] == "central-authority"
    assert document["language"] in {"fr", "en"}  # a language Switzerland accepts
    assert [o["offence_id"] for o in document["offences"]] == ["bribery-passive"]
    assert [p["entity"]["id"] for p in document["persons"]] == ["p-1"]
    assert [a["entity"]["id"] for a in document["assets"]] == ["acc-ch"]  # not the UAE one
    assert document["measures"][0]["targets"] == ["acc-ch"]
    assert document["facts"]["text"] == REQUEST_BODY["summary"]  # the request's own summary
    assert document["proceedings"]["reference"] == case.reference
