"""The case officer's pages in a real browser (R16's UI half, and the UI shell itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from repatria.service.node import Node
from tests.conftest import PASSWORD, CaseFixture, People

pytestmark = [pytest.mark.browser, pytest.mark.process]


def sign_in(browser: Browser, url: str, username: str, landing: str = "/cases"):  # type: ignore[no-untyped-def]
    """Sign in and open ``landing`` (each role first lands on its own page: tests/ui/test_queue.py)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/cases")
    expect(page).to_have_url(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).not_to_have_url(f"{url}/login")
    if page.url != f"{url}{landing}":
        page.goto(f"{url}{landing}")
    expect(page).to_have_url(f"{url}{landing}")
    return page


def test_officer_moves_a_request_from_the_request_page(
    browser: Browser,
    live_url: str,
    node: Node,
    people: People,
    ng_case: CaseFixture,
    artifacts: Path,
) -> None:
    page = sign_in(browser, live_url, "officer")
    expect(page.locator("#case-list")).to_contain_text(ng_case.case)
    page.click(f"text={ng_case.case}")
    expect(page.locator("#case-reference")).to_have_text(ng_case.case)
    # opened, three members, an entity, the request and its draft, and the persons and
    # accounts the saved draft names joining the case (one truth: service/drafting.py)
    expect(page.locator("#timeline > li")).to_have_count(13)
    page.click(f"text={ng_case.request}")
    expect(page.locator("#request-state")).to_have_attribute("data-state", "draft")
    page.locator('form[data-transition="mark-ready"] button').click()
    expect(page.locator("#request-state")).to_have_attribute("data-state", "ready")
    # An officer may not send: the refusal comes back into the panel, the state stays.
    page.locator('form[data-transition="send"] button').click()
    expect(page.locator("#transition-error")).to_contain_text("only a supervisor may send")
    expect(page.locator("#request-state")).to_have_attribute("data-state", "ready")
    page.screenshot(path=str(artifacts / "request-page.png"), full_page=True)
    page.goto(f"{live_url}/cases/{ng_case.case}")
    expect(page.locator("#timeline")).to_contain_text("Request marked ready")
    page.screenshot(path=str(artifacts / "case-page.png"), full_page=True)
    assert (artifacts / "request-page.png").stat().st_size > 10_000


def test_outsider_cannot_open_the_case_page(
    browser: Browser, live_url: str, people: People, ng_case: CaseFixture
) -> None:
    page = sign_in(browser, live_url, "outsider")
    expect(page.locator("#case-list")).not_to_contain_text(ng_case.case)
    response = page.goto(f"{live_url}/cases/{ng_case.case}")
    assert response is not None and response.status == 404
    expect(page.locator("#error-message")).to_contain_text("not assigned to it")


def test_wrong_password_stays_on_the_sign_in_page(
    browser: Browser, live_url: str, people: People
) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/login")
    page.fill("#username", "officer")
    page.fill("#password", "not the password")
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_have_text("wrong username or password")


def test_basis_finder_answers_as_the_form_changes(
    browser: Browser, live_url: str, people: People, artifacts: Path
) -> None:
    page = sign_in(browser, live_url, "officer")
    page.click('#nav a[data-nav="/basis"]')
    page.wait_for_url(f"{live_url}/basis")
    page.select_option("#requested", "GB")
    # the answer comes back over htmx; a loaded machine may take longer than the default 5 s
    expect(page.locator("#bases")).to_contain_text("UNCAC", timeout=30_000)
    page.select_option("#measure", "freezing")
    expect(page.locator("#basis-question")).to_contain_text(
        "NG asks GB for freezing", timeout=30_000
    )
    page.screenshot(path=str(artifacts / "basis-page.png"), full_page=True)


def test_network_page_shows_the_coverage_map(
    browser: Browser, live_url: str, people: People, artifacts: Path
) -> None:
    page = sign_in(browser, live_url, "auditor")
    page.goto(f"{live_url}/network")
    expect(page.locator("#gaps")).to_contain_text("records")
    image = page.locator("#coverage")
    expect(image).to_be_visible()
    assert page.evaluate("document.getElementById('coverage').naturalWidth") > 100
    page.screenshot(path=str(artifacts / "network-page.png"), full_page=True)


def test_case_trace_shows_the_flow_and_drafts_requests(
    browser: Browser,
    live_url: str,
    node: Node,
    people: People,
    ng_case: CaseFixture,
    artifacts: Path,
) -> None:
    from repatria.service import tracing

    records = Path(__file__).resolve().parents[1] / "fixtures" / "delta_transactions.csv"
    tracing.trace_case(node, people.officer, ng_case.case, records, ["t1"], "fifo")
    page = sign_in(browser, live_url, "officer")
    page.goto(f"{live_url}/cases/{ng_case.case}")
    flow = page.locator("img.flow")
    expect(flow).to_be_visible()
    assert page.evaluate("document.querySelector('img.flow').naturalWidth") > 200
    expect(page.locator(".asks")).to_contain_text("United Kingdom")
    page.screenshot(path=str(artifacts / "case-trace.png"), full_page=True)
    page.click("button.draft-from-trace")
    expect(page.locator("#requests")).to_contain_text(
        "Freezing of accounts holding traced proceeds in Switzerland"
    )
    expect(page.locator("#requests")).to_contain_text("NG → GB")


def test_the_wizard_shows_what_is_missing_as_you_type(
    browser: Browser, live_url: str, people: People, ng_case: CaseFixture, artifacts: Path
) -> None:
    import json

    page = sign_in(browser, live_url, "officer")
    page.goto(f"{live_url}/requests/{ng_case.request}")
    page.click("#open-draft")
    expect(page.locator("#draft-score")).to_have_text("100")
    page.click("#advanced-json summary")  # JSON is the advanced way; the form is the main one
    document = json.loads(page.locator("#draft-text").input_value())
    del document["facts"]
    del document["purpose"]
    page.fill("#draft-text", json.dumps(document, indent=2))
    page.locator("#draft-text").press("End")
    expect(page.locator("#draft-errors")).to_have_text("2")
    facts = page.locator('#draft-checklist tr[data-section="facts"] li.error')
    expect(facts).to_contain_text("summary of the relevant facts is missing")
    purpose = page.locator('#draft-checklist tr[data-section="purpose"] li.error')
    expect(purpose).to_contain_text("purpose")
    page.screenshot(path=str(artifacts / "request-wizard.png"), full_page=True)
    # nothing is kept until saved: the stored draft is still complete
    page.goto(f"{live_url}/requests/{ng_case.request}/draft")
    expect(page.locator("#draft-score")).to_have_text("100")
    with page.expect_download() as download:
        page.click("text=PDF fr")
    assert download.value.suggested_filename == f"{ng_case.request}-fr.pdf"
