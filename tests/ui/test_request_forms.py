"""Opening a request in the browser's form: from the legal-basis finder or a case."""

from __future__ import annotations

from fastapi.testclient import TestClient

from repatria.service import requests
from repatria.service.node import Node
from tests.conftest import CaseFixture, People
from tests.web.conftest import credentials_for


def _signed_in(client: TestClient, node: Node, people: People, name: str) -> str:
    creds = credentials_for(node, people, name)
    client.cookies.set("repatria_session", creds.session)
    return creds.csrf


def test_the_finder_offers_to_ask_on_a_basis_and_the_form_opens_the_request(
    client: TestClient, node: Node, people: People, ng_case: CaseFixture
) -> None:
    _signed_in(client, node, people, "officer")
    found = client.get("/basis", params={"requested": "GB", "measure": "freezing"})
    assert found.status_code == 200
    assert 'class="use-basis" data-instrument="UNCAC"' in found.text
    form = client.get(
        "/requests/new", params={"requested": "GB", "measure": "freezing", "basis": "UNCAC"}
    )
    assert form.status_code == 200
    assert '<option value="GB" selected>' in form.text
    assert 'value="freezing" checked' in form.text
    assert 'value="UNCAC"' in form.text


def test_opening_a_request_goes_to_its_draft_and_a_refusal_keeps_what_was_typed(
    client: TestClient, node: Node, people: People, ng_case: CaseFixture
) -> None:
    csrf = _signed_in(client, node, people, "officer")
    typed = {"csrf": csrf, "case": ng_case.case, "requested_state": "GB",
             "title": "Freezing of the London accounts", "summary": "kept as typed"}  # fmt: skip
    refused = client.post("/requests/new", data=typed)
    assert refused.status_code == 422
    assert "name at least one measure" in refused.text
    assert "kept as typed" in refused.text and "Freezing of the London accounts" in refused.text
    opened = client.post(
        "/requests/new", data=typed | {"measures": ["freezing"]}, follow_redirects=False
    )
    assert opened.status_code == 303
    reference = opened.headers["location"].split("/")[2]
    assert opened.headers["location"] == f"/requests/{reference}/draft"
    made = requests.get_request(node, people.officer, reference)
    assert (made.requested_state, [m.value for m in made.measures]) == ("GB", ["freezing"])
    assert made.title == "Freezing of the London accounts"


def test_a_reviewer_cannot_open_a_request(
    client: TestClient, node: Node, people: People, ng_case: CaseFixture
) -> None:
    csrf = _signed_in(client, node, people, "reviewer")
    found = client.get("/basis", params={"requested": "GB", "measure": "freezing"})
    assert "use-basis" not in found.text
    refused = client.post(
        "/requests/new",
        data={
            "csrf": csrf,
            "case": ng_case.case,
            "requested_state": "GB",
            "measures": ["freezing"],
            "title": "t",
        },
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 403


def test_only_states_are_offered_territories_under_the_state_that_answers(
    client: TestClient, node: Node, people: People, ng_case: CaseFixture
) -> None:
    """Issue 12 bug 7: no 'Cyberspace' or Antarctica; Nauru in English; Gibraltar under GB."""
    csrf = _signed_in(client, node, people, "officer")
    form = client.get("/requests/new").text
    assert '<option value="NR" >Nauru (NR)</option>' in form
    assert 'value="IP"' not in form and 'value="AQ"' not in form and 'value="GI"' not in form
    after_gb = form.split('<option value="GB"', 1)[1].split("<option value=", 1)[0]
    assert 'data-territory="GI"' in after_gb and "Gibraltar: ask United Kingdom" in after_gb
    refused = client.post(
        "/requests/new",
        data={
            "csrf": csrf,
            "case": ng_case.case,
            "requested_state": "GI",
            "measures": ["records"],
            "title": "t",
        },
    )
    assert refused.status_code == 422 and "the state that answers for it" in refused.text
