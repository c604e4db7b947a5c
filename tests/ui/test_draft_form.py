"""The drafting form: fields named by document path, the checklist as you type, saving.

Most tests post to the pages with a test client (fast); the browser test at the
end fills a freezing request with the form only (typing, choosing, clicking),
reaches 100/100, saves, reloads and finds what it typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from playwright.sync_api import Browser, Locator, Page, expect

from repatria.drafting import validate_json
from repatria.drafting.form import document_to_form
from repatria.service import drafting, requests
from repatria.service.node import Node
from repatria.service.requests import load_request
from repatria.web.app import create_app
from repatria.web.deps import SESSION_COOKIE
from repatria.web.ui.draft_pages import checklist
from tests.conftest import CaseFixture, People
from tests.drafting.conftest import load_example
from tests.ui.test_pages import sign_in
from tests.ui.test_request_walk import _add_row
from tests.web.conftest import credentials_for

FREEZING_BODY = {
    "requesting_state": "NG",
    "requested_state": "GB",
    "measures": ["freezing"],
    "title": "Freezing of the Marlin Crest accounts",
    "summary": "Bribe payments reached these accounts in 2019.",
    "legal_basis": "UNCAC",
}


@dataclass
class Officer:
    client: TestClient
    csrf: str


@pytest.fixture
def officer(node: Node, people: People) -> Iterator[Officer]:
    """A test client signed in as the case officer, with the session's CSRF token."""
    cred = credentials_for(node, people, "officer")
    with TestClient(create_app(node.settings, node), raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, cred.session)
        client.headers["accept"] = "text/html"
        yield Officer(client, cred.csrf)


def _fresh(node: Node, people: People, ng_case: CaseFixture) -> str:
    return requests.open_request(node, people.officer, ng_case.case, FREEZING_BODY).reference


def test_the_page_is_a_form_named_by_document_paths(ng_case: CaseFixture, officer: Officer) -> None:
    page = officer.client.get(f"/requests/{ng_case.request}/draft")
    assert page.status_code == 200, page.text[:2000]
    html = page.text
    assert 'id="draft-form"' in html and 'id="save-draft"' in html
    for name in (
        "facts.text",
        "facts.translated.text",
        "measures[0].description.text",
        "confidentiality.requested",
        "persons[0].entity.properties.name",
    ):
        assert f'name="{name}"' in html, name
    assert 'data-template="freezing"' in html
    assert 'href="#sec-facts"' in html


def _form_of(html: str) -> dict[str, list[str]]:
    """The values an HTML form would post (inputs, textareas, selected options), roughly."""
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        found.setdefault(name, []).append(value)
    return found


def test_unreadable_json_is_not_checked_and_says_so(ng_case: CaseFixture, officer: Officer) -> None:
    response = officer.client.post(
        f"/requests/{ng_case.request}/draft/check", data={"text": '{"facts": '}
    )
    assert response.status_code == 200
    html = response.text
    assert 'id="draft-unreadable"' in html and "not valid JSON" in html
    assert "not checked" in html
    assert 'data-status="ok"' not in html
    report = validate_json('{"facts": ')
    assert {row["status"] for row in checklist(report)} == {"not-checked"}


def test_the_form_is_checked_without_being_saved(
    ng_case: CaseFixture, officer: Officer, node: Node, people: People
) -> None:
    saved = drafting.get_document(node, people.officer, ng_case.request)
    fields = document_to_form(saved)
    del fields["facts.text"]
    response = officer.client.post(f"/requests/{ng_case.request}/draft/check", data=fields)
    assert 'data-section="facts" data-status="problems"' in response.text
    assert "summary of the relevant facts is missing" in response.text
    assert 'href="#field-facts"' in response.text  # the problem jumps to its box
    assert 'href="#sec-facts"' in response.text  # the row to its section
    assert drafting.get_document(node, people.officer, ng_case.request) == saved


def test_importing_invalid_json_keeps_it_and_shows_the_error(
    ng_case: CaseFixture, officer: Officer
) -> None:
    typed = '{"facts": {"text": "half typed"'
    response = officer.client.post(
        f"/requests/{ng_case.request}/draft/import", data={"text": typed, "csrf": officer.csrf}
    )
    assert response.status_code == 422
    assert 'id="page-error"' in response.text and "The JSON was not loaded" in response.text
    assert str(escape(typed)) in response.text
    assert 'id="draft-form"' in response.text


def test_json_is_exported_and_imported_into_the_form(
    ng_case: CaseFixture, officer: Officer, node: Node, people: People
) -> None:
    exported = officer.client.get(f"/requests/{ng_case.request}/draft.json")
    assert exported.json() == drafting.get_document(node, people.officer, ng_case.request)
    imported = load_example("freezing") | {"reference": ng_case.request}
    response = officer.client.post(
        f"/requests/{ng_case.request}/draft/import",
        data={"text": json.dumps(imported), "csrf": officer.csrf},
    )
    assert response.status_code == 200
    assert 'name="freezing.action.text"' in response.text and "HM Land Registry" in response.text
    # loaded into the form, not saved
    assert drafting.get_document(node, people.officer, ng_case.request) == exported.json()


def test_a_refused_save_comes_back_with_everything_typed(
    ng_case: CaseFixture, officer: Officer, node: Node, people: People
) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    fields = document_to_form(drafting.get_document(node, people.officer, ng_case.request))
    fields["facts.text"] = ["A new summary, typed after the request was marked ready"]
    response = officer.client.post(
        f"/requests/{ng_case.request}/draft", data={**fields, "csrf": [officer.csrf]}
    )
    assert response.status_code == 422
    assert 'id="save-error"' in response.text and "revise it back to draft" in response.text
    assert "A new summary, typed after the request was marked ready" in response.text


def test_a_measure_template_adds_its_section_and_wording(
    ng_case: CaseFixture, officer: Officer
) -> None:
    page = officer.client.get(f"/requests/{ng_case.request}/draft").text
    assert 'id="sec-freezing"' not in page
    fields = {
        "schema_version": ["1.0"],
        "facts.text": ["typed"],
        "facts.lang": ["en"],
        "template": ["freezing"],
    }
    response = officer.client.post(
        f"/requests/{ng_case.request}/draft/template", data=fields, headers={"HX-Request": "true"}
    )
    html = response.text
    assert html.lstrip().startswith("<form") and 'hx-swap-oob="true"' in html
    assert 'id="sec-freezing"' in html
    assert 'name="measures[0].measure"' in html and 'value="freezing" selected' in html
    assert "reasonable basis to believe" in html
    assert 'name="freezing.action.text"' in html
    assert re.search(r'name="freezing\.action\.text"[^>]*></textarea>', html)  # no invented action


def test_rows_are_added_and_removed_on_the_server(ng_case: CaseFixture, officer: Officer) -> None:
    fields = {
        "offences[0].name.text": ["Bribery"],
        "offences[0].name.lang": ["en"],
        "add": ["offences"],
    }
    url = f"/requests/{ng_case.request}/draft/rows"
    added = officer.client.post(url, data=fields, headers={"HX-Request": "true"}).text
    assert 'id="offence-1"' in added and 'name="offences[1].name.text"' in added
    removed = officer.client.post(
        url,
        data={**fields, "add": [], "remove_row": ["offences[0]"]},
        headers={"HX-Request": "true"},
    ).text
    assert 'id="offence-0"' not in removed


def test_an_incoming_request_is_shown_read_only(
    ng_case: CaseFixture, officer: Officer, node: Node, people: People
) -> None:
    incoming = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        {
            **FREEZING_BODY,
            "direction": "incoming",
            "requesting_state": "GB",
            "requested_state": "NG",
        },
    )
    received = load_example("freezing") | {
        "reference": incoming.reference,
        "requesting_state": "GB",
        "requested_state": "NG",
    }
    with node.transaction() as session:
        load_request(session, incoming.reference).document = received
    html = officer.client.get(f"/requests/{incoming.reference}/draft").text
    assert 'id="received-document"' in html and 'id="draft-checklist"' in html
    assert "Marlin Crest Holdings Ltd" in html  # read as sections, not as JSON
    assert '"schema_version"' not in html
    for absent in ('id="draft-form"', 'id="save-draft"', "<textarea", "revise it back to draft"):
        assert absent not in html, absent


def _field(page: Page, name: str) -> Locator:
    return page.locator(f'[name="{name}"]').first


@pytest.mark.browser
@pytest.mark.process
def test_a_freezing_request_reaches_100_with_the_form_only(
    browser: Browser,
    live_url: str,
    node: Node,
    people: People,
    ng_case: CaseFixture,
    artifacts: Path,
) -> None:
    reference = _fresh(node, people, ng_case)
    page: Page = sign_in(browser, live_url, "officer", landing="/work")
    page.goto(f"{live_url}/requests/{reference}/draft")
    expect(page.locator("#draft-form")).to_be_visible()
    page.screenshot(path=str(artifacts / "draft-form-start.png"), full_page=True)

    page.click('button[data-template="freezing"]')
    expect(page.locator("#sec-freezing")).to_be_visible()
    expect(_field(page, "freezing.reasonable_basis.text")).to_have_value(
        re.compile("reasonable basis")
    )

    page.click('button.add-row[value="offences"]')
    _field(page, "offences[0].name.text").fill("Bribery of a public official")
    _field(page, "offences[0].provision").fill("Criminal Code Act (Nigeria), s. 98")
    _field(page, "offences[0].text.text").fill(
        "Any public official who corruptly receives any benefit."
    )
    # the case's own person (Ada Obi) comes prefilled: complete it, then add the suspect
    _field(page, "persons[0].entity.properties.nationality").fill("ng")
    _field(page, "persons[0].entity.properties.address").fill("12 Marina Road, Lagos")
    p = _add_row(page, "persons")
    _field(page, f"persons[{p}].entity.properties.name").fill("Chukwuemeka Okonkwo")
    _field(page, f"persons[{p}].entity.properties.nationality").fill("ng")
    _field(page, f"persons[{p}].entity.properties.address").fill(
        "Flat 4, 18 Abingdon Gardens, London"
    )
    _field(page, f"persons[{p}].role").select_option("suspect")
    a = _add_row(page, "assets")  # after the accounts the case holds already
    _field(page, f"assets[{a}].entity.properties.iban").fill("GB29NWBK60161331926819")
    _field(page, f"assets[{a}].entity.properties.bankName").fill("NatWest")
    _field(page, f"assets[{a}].entity.properties.currency").fill("GBP")
    _field(page, f"assets[{a}].link.text").fill("Received the bribe of 12 June 2019")
    page.locator(f'input[name="assets[{a}].holders"]').first.check()
    page.locator('input[name="measures[0].targets"]').last.check()

    _field(page, "proceedings.kind").select_option("investigation")
    _field(page, "proceedings.subject.text").fill(
        "Investigation of bribery in the award of oil licences."
    )
    _field(page, "proceedings.authority.name.text").fill("Economic and Financial Crimes Commission")
    _field(page, "proceedings.authority.functions.text").fill("Investigates economic crimes")
    _field(page, "facts.translated.text").fill("Des pots-de-vin ont été versés en 2019.")
    _field(page, "link_to_offence.text").fill("The account received the bribes.")
    _field(page, "freezing.action.text").fill(
        "Freeze the balance of account GB29NWBK60161331926819."
    )
    _field(page, "dual_criminality.text").fill("Bribery is an offence under the Bribery Act 2010.")
    _field(page, "channel").select_option("central-authority")
    page.locator('input[type=checkbox][name="use_limitation.accepted"]').check()
    page.locator('input[type=checkbox][name="confidentiality.requested"]').check()
    _field(page, "confidentiality.reasons.text").fill("The holders would move the funds.")
    _field(page, "contact.name").fill("Amina Bello")
    _field(page, "contact.email").fill("central.authority@demo.invalid")
    _field(page, "signature.name").fill("Amina Bello")
    _field(page, "signature.place").fill("Abuja")
    try:
        expect(page.locator("#draft-score")).to_have_text("100", timeout=10_000)
    finally:
        page.screenshot(path=str(artifacts / "draft-form-complete.png"), full_page=True)
        (artifacts / "draft-form-checklist.txt").write_text(
            page.locator("#draft-report").inner_text()
        )
    expect(page.locator("#draft-errors")).to_have_text("0")

    page.click("#save-draft")
    expect(page.locator("#saved-notice")).to_be_visible()
    expect(page.locator("#draft-score")).to_have_text("100")
    page.reload()
    expect(_field(page, "freezing.action.text")).to_have_value(re.compile("GB29NWBK60161331926819"))
    expect(_field(page, "facts.translated.text")).to_have_value(
        "Des pots-de-vin ont été versés en 2019."
    )
    expect(_field(page, f"persons[{p}].entity.properties.name")).to_have_value(
        "Chukwuemeka Okonkwo"
    )
    expect(page.locator('input[type=checkbox][name="use_limitation.accepted"]')).to_be_checked()
    expect(page.locator("#draft-score")).to_have_text("100")
    saved = drafting.get_document(node, people.officer, reference)
    assert saved["facts"]["translated"] == {
        "text": "Des pots-de-vin ont été versés en 2019.",
        "lang": "fr",
        "status": "machine",
    }
    page.goto(f"{live_url}/requests/{reference}/draft#draft-report")
    page.screenshot(path=str(artifacts / "draft-form-saved.png"), full_page=True)

    # the advanced box: JSON that cannot be read checks nothing, and says so
    page.click("#advanced-json summary")
    page.fill("#draft-text", '{"facts": ')
    expect(page.locator("#draft-unreadable")).to_contain_text("not valid JSON")
    expect(page.locator('#draft-checklist tr[data-section="facts"]')).to_contain_text("not checked")
    page.screenshot(path=str(artifacts / "draft-form-unreadable-json.png"), full_page=True)

    incoming = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        {
            **FREEZING_BODY,
            "direction": "incoming",
            "requesting_state": "GB",
            "requested_state": "NG",
        },
    )
    with node.transaction() as session:
        load_request(session, incoming.reference).document = load_example("freezing") | {
            "reference": incoming.reference,
            "requesting_state": "GB",
            "requested_state": "NG",
        }
    page.goto(f"{live_url}/requests/{incoming.reference}/draft")
    expect(page.locator("#received-document")).to_contain_text("Marlin Crest Holdings Ltd")
    expect(page.locator("#save-draft")).to_have_count(0)
    page.screenshot(path=str(artifacts / "draft-received.png"), full_page=True)


FORM_PROPERTIES = frozenset(
    {"remove", "submit", "reset", "action", "method", "elements", "length", "target", "name",
     "id", "style", "children", "attributes", "requestSubmit", "checkValidity"}
)  # fmt: skip
"""Names a form control must not take: it would shadow the form's own property in the DOM
(``form.remove`` becomes the control, and htmx's swap of the form fails with "t.remove is not
a function", leaving two forms on the page)."""


def test_no_form_control_shadows_a_property_of_the_form(
    ng_case: CaseFixture, officer: Officer
) -> None:
    html = officer.client.get(f"/requests/{ng_case.request}/draft").text
    names = set(re.findall(r'name="([^"]+)"', html.split('id="draft-form"', 1)[1]))
    assert not names & FORM_PROPERTIES, names & FORM_PROPERTIES
