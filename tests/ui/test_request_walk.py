"""The whole conversation of a freezing request, in the browser only, between two served nodes.

Nigeria's officer finds the legal basis, opens a request from the finder, drafts it with the
form (no JSON typed, no CLI or API call), translates the facts, reaches 100/100 and marks it
ready; a supervisor sends it. The United Kingdom's supervisor finds it in the intake and
assigns an officer, who acknowledges it with a note and asks a question; Nigeria's officer
answers with a court order attached; the UK officer executes it. Both nodes' request pages
then show the same thread, mirrored. Each node runs its delivery worker, as ``repatria
serve`` does, so messages travel over real HTTP by themselves; pages are read again until
what was sent has arrived (a deadline, never a fixed sleep). A screenshot of each step is
saved in tests/artifacts/walk-*.png.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from repatria.service import users
from repatria.service.delivery_worker import DeliveryWorker
from repatria.service.node import Node
from tests.conftest import PASSWORD, CaseFixture, People
from tests.ui.test_exchange_pages import network  # noqa: F401  (the two served nodes)
from tests.ui.test_pages import sign_in
from tests.ui.test_thread import _move, _thread
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.process]
CONSOLE: list[str] = []

ORDER = b"FEDERAL HIGH COURT OF NIGERIA, ABUJA\nOrder FHC/ABJ/CS/118/2026 freezing account GB29NWBK60161331926819.\n"
NOTE = "Received by the UK Central Authority; assigned to the asset recovery team."
QUESTION = "Please confirm the account holder's date of birth."
ANSWER = "The holder, Chukwuemeka Okonkwo, was born on 4 March 1971; the court order is attached."
TITLE = "Freezing of the London account of C. Okonkwo"
FACTS_FR = "Des pots-de-vin ont été versés en 2019 sur un compte à Londres."


@pytest.fixture
def workers(node: Node, network: tuple[str, Node, str]) -> Iterator[None]:  # noqa: F811
    """Each node's delivery worker, as in `repatria serve`."""
    running = [DeliveryWorker(node), DeliveryWorker(network[1])]
    for worker in running:
        worker.start()
    yield
    for worker in running:
        worker.stop()


def _field(page: Page, name: str) -> Locator:
    return page.locator(f'[name="{name}"]').first


def _rows(page: Page, prefix: str) -> int:
    """How many rows a list of the form has (persons, assets, offences)."""
    names = page.locator(f'[name^="{prefix}["]').evaluate_all("(els) => els.map(e => e.name)")
    return len({re.match(rf"{prefix}\[(\d+)\]", n).group(1) for n in names})  # type: ignore[union-attr]


def _add_row(page: Page, prefix: str) -> int:
    """Add a row to a list of the form and return its index."""
    before = _rows(page, prefix)
    page.click(f'button.add-row[value="{prefix}"]')
    wait_until(lambda: _rows(page, prefix) == before + 1, what=f"a new row of {prefix}")
    _settled(page)
    return before


def _settled(page: Page) -> None:
    """Wait until htmx has no request or swap in flight and the form is on the page once."""
    idle = (
        "document.querySelectorAll('#draft-form').length === 1 && !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    try:
        wait_until(lambda: bool(page.evaluate(idle)), what="the form to settle", timeout=10)
    except AssertionError:
        state = page.evaluate(
            "[document.querySelectorAll('#draft-form').length, Array.from(document.querySelectorAll("
            "'.htmx-request, .htmx-swapping, .htmx-settling')).map(e => e.tagName + '#' + e.id + '.' + e.className)]"
        )
        raise AssertionError(f"the form did not settle: {state} {CONSOLE}") from None


def _shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"walk-{name}.png"), full_page=True)


def _until_thread_has(page: Page, kind: str) -> None:
    """Read the request page again until an entry of ``kind`` is in its thread."""

    def arrived() -> bool:
        page.reload()
        return page.locator(f'#thread li.thread-item[data-type="{kind}"]').count() > 0

    wait_until(arrived, what=f"a {kind} in the thread of {page.url}", timeout=60)


def _until_state(page: Page, state: str) -> None:
    """Read the request page again until the request is in ``state`` (a message's effect)."""

    def reached() -> bool:
        page.reload()
        return page.locator("#request-state").get_attribute("data-state") == state

    wait_until(reached, what=f"{page.url} to be {state}", timeout=60)


def test_a_freezing_request_from_basis_to_execution_in_the_browser_only(
    browser: Browser, node: Node, people: People, ng_case: CaseFixture,
    network: tuple[str, Node, str], workers: None, artifacts: Path, tmp_path: Path,  # noqa: F811
) -> None:  # fmt: skip
    ng_url, gb, gb_url = network
    gb_admin = users.authenticate_password(gb, "gbadmin", PASSWORD)
    users.create_user(gb, gb_admin, username="gbofficer", password=PASSWORD,
                      roles=["case-officer"], display_name="Jane Smith")  # fmt: skip

    # 1. Nigeria's officer: the legal basis, then a request opened on it.
    ng = sign_in(browser, ng_url, "officer", landing="/work")
    CONSOLE.clear()
    ng.on("console", lambda m: CONSOLE.append(f"{m.type}: {m.text}"))
    ng.on("pageerror", lambda e: CONSOLE.append(f"pageerror: {e}"))
    ng.goto(f"{ng_url}/basis")
    ng.select_option("#requested", "GB")
    ng.select_option("#measure", "freezing")
    ask = ng.locator('form.use-basis[data-instrument="UNCAC"] button')
    expect(ask).to_be_visible()
    _shot(ng, artifacts, "01-basis")
    ask.click()
    expect(ng.locator("#new-request")).to_be_visible()
    expect(ng.locator("#requested_state")).to_have_value("GB")
    expect(ng.locator("#legal_basis")).to_have_value("UNCAC")
    ng.select_option("#case", ng_case.case)
    ng.fill("#title", TITLE)
    ng.fill("#summary", "Bribes for oil licences were paid into an account at NatWest, London.")
    ng.fill("#deadline", (datetime.now(UTC).date() + timedelta(days=60)).isoformat())
    ng.fill("#deadline_reason", "The confiscation hearing is set for the following month.")
    _shot(ng, artifacts, "02-new-request")
    ng.click("#open-request")
    expect(ng).to_have_url(re.compile(r"/requests/NG-\d{4}-\d{4}-R\d+/draft$"))
    reference = ng.url.split("/")[-2]

    # 2. Drafted with the form only: template, offence, person, account, the rest, a translation.
    expect(ng.locator("#draft-form")).to_be_visible()
    ng.click('button[data-template="freezing"]')
    expect(ng.locator("#sec-freezing")).to_be_visible()
    _settled(ng)
    o = _add_row(ng, "offences")
    _field(ng, f"offences[{o}].name.text").fill("Bribery of a public official")
    _field(ng, f"offences[{o}].provision").fill("Criminal Code Act (Nigeria), s. 98")
    _field(ng, f"offences[{o}].text.text").fill(
        "Any public official who corruptly receives any benefit."
    )
    # the case's own people come prefilled; the officer completes what the article asks of them
    for i in range(_rows(ng, "persons")):
        for prop, value in (("nationality", "ng"), ("address", "12 Marina Road, Lagos")):
            box = _field(ng, f"persons[{i}].entity.properties.{prop}")
            if box.count() and not box.input_value():
                box.fill(value)
    p = _add_row(ng, "persons")
    _field(ng, f"persons[{p}].entity.properties.name").fill("Chukwuemeka Okonkwo")
    _field(ng, f"persons[{p}].entity.properties.nationality").fill("ng")
    _field(ng, f"persons[{p}].entity.properties.address").fill(
        "Flat 4, 18 Abingdon Gardens, London"
    )
    _field(ng, f"persons[{p}].role").select_option("suspect")
    a = _add_row(ng, "assets")
    _field(ng, f"assets[{a}].entity.properties.iban").fill("GB29NWBK60161331926819")
    _field(ng, f"assets[{a}].entity.properties.bankName").fill("NatWest")
    _field(ng, f"assets[{a}].entity.properties.currency").fill("GBP")
    _field(ng, f"assets[{a}].link.text").fill("Received the bribe of 12 June 2019")
    ng.locator(f'input[name="assets[{a}].holders"]').last.check()
    ng.locator('input[name="measures[0].targets"]').last.check()
    _field(ng, "proceedings.kind").select_option("investigation")
    _field(ng, "proceedings.subject.text").fill(
        "Investigation of bribery in the award of oil licences."
    )
    _field(ng, "proceedings.authority.name.text").fill("Economic and Financial Crimes Commission")
    _field(ng, "proceedings.authority.functions.text").fill("Investigates economic crimes")
    _field(ng, "facts.translated.text").fill(FACTS_FR)
    _field(ng, "link_to_offence.text").fill("The account received the bribes.")
    _field(ng, "freezing.action.text").fill("Freeze the balance of account GB29NWBK60161331926819.")
    _field(ng, "freezing.reasonable_basis.text").fill(
        "The balance is the proceeds of the bribes; confiscation will be sought in Nigeria."
    )
    _field(ng, "measures[0].description.text").fill(
        "Freeze the account and its balance until a confiscation order is made."
    )
    _field(ng, "purpose.text").fill("To preserve the proceeds for confiscation and return.")
    _field(ng, "dual_criminality.text").fill("Bribery is an offence under the Bribery Act 2010.")
    _field(ng, "channel").select_option("central-authority")
    _settled(ng)
    ng.locator('input[type=checkbox][name="use_limitation.accepted"]').check()
    ng.locator('input[type=checkbox][name="confidentiality.requested"]').check()
    _field(ng, "confidentiality.reasons.text").fill("The holder would move the funds.")
    _field(ng, "contact.name").fill("Amina Bello")
    _field(ng, "contact.email").fill("central.authority@demo.invalid")
    _field(ng, "signature.name").fill("Amina Bello")
    _field(ng, "signature.place").fill("Abuja")
    try:
        expect(ng.locator("#draft-score")).to_have_text("100", timeout=15_000)
    finally:
        _shot(ng, artifacts, "03-draft-complete")
        (artifacts / "walk-03-checklist.txt").write_text(ng.locator("#draft-report").inner_text())
    expect(ng.locator("#draft-errors")).to_have_text("0")
    ng.click("#save-draft")
    expect(ng.locator("#saved-notice")).to_be_visible()
    # the French rendering carries the translation, and the 46(20) marking on every page
    with ng.expect_download() as download:
        ng.click("text=PDF fr")
    pdf = tmp_path / "request-fr.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert FACTS_FR in " ".join(text.split())
    pages = [p for p in text.split("\f") if p.strip()]
    assert pages and all("46(20)" in p for p in pages)

    # 3. Marked ready by the officer; the record agrees with the document.
    ng.goto(f"{ng_url}/requests/{reference}")
    expect(ng.locator("body")).to_contain_text("UNCAC")
    _move(ng, "mark-ready")
    expect(ng.locator("#request-state")).to_have_attribute("data-state", "ready")
    _shot(ng, artifacts, "04-ready")

    # 4. Sent by the supervisor, from their queue.
    sup = sign_in(browser, ng_url, "supervisor", landing="/work")
    waiting = sup.locator(f'#to-approve tr[data-request="{reference}"]')
    expect(waiting).to_be_visible()
    _shot(sup, artifacts, "05-supervisor-queue")
    waiting.locator(f'a[href="/requests/{reference}"]').first.click()
    _move(sup, "send")
    expect(sup.locator("#request-state")).to_have_attribute("data-state", "sent")

    # 5. The UK's intake: the supervisor assigns an officer.
    gb_sup = sign_in(browser, gb_url, "gbsup", landing="/intake")
    row = gb_sup.locator("table#intake tr[data-request]", has_text=TITLE)

    def in_intake() -> bool:
        gb_sup.reload()
        return row.count() == 1

    wait_until(in_intake, what=f"{reference} in the UK intake", timeout=60)
    gb_reference = row.get_attribute("data-request")
    assert gb_reference and gb_reference.startswith("GB-")
    _shot(gb_sup, artifacts, "06-uk-intake")
    row.locator('select[name="username"]').select_option("gbofficer")
    row.locator('input[name="why"]').fill("Asset recovery team, freezing orders")
    row.locator("button").click()
    expect(gb_sup.locator(f'table#intake tr[data-request="{gb_reference}"]')).to_have_count(0)

    # 6. The UK officer: acknowledged with a note, then a question (46(16)).
    gb_off = sign_in(browser, gb_url, "gbofficer", landing="/work")
    mine = gb_off.locator(f'#to-answer tr[data-request="{gb_reference}"]')
    expect(mine).to_be_visible()
    _shot(gb_off, artifacts, "07-uk-officer-queue")
    gb_off.goto(f"{gb_url}/requests/{gb_reference}")
    expect(gb_off.locator("#request-state")).to_have_attribute("data-state", "sent")
    _move(gb_off, "acknowledge", NOTE)
    expect(gb_off.locator("#request-state")).to_have_attribute("data-state", "acknowledged")
    _move(gb_off, "request-additional-information", QUESTION)
    expect(gb_off.locator("#request-state")).to_have_attribute(
        "data-state", "additional-information-requested"
    )

    # 7. Nigeria's officer answers with the court order attached.
    ng.goto(f"{ng_url}/requests/{reference}")
    _until_thread_has(ng, "additional-information-request")
    _until_state(ng, "additional-information-requested")
    expect(ng.locator("#thread")).to_contain_text(NOTE)
    expect(ng.locator("#thread")).to_contain_text(QUESTION)
    order = tmp_path / "freezing-order.txt"
    order.write_bytes(ORDER)
    _move(ng, "provide-additional-information", ANSWER, [order])
    expect(ng.locator("#request-state")).to_have_attribute(
        "data-state", "additional-information-provided"
    )
    _shot(ng, artifacts, "08-ng-answered")

    # 8. The UK officer reads the answer and its document, then executes the request.
    _until_thread_has(gb_off, "additional-information")
    answer = gb_off.locator('#thread li.thread-item[data-type="additional-information"]')
    expect(answer).to_contain_text(ANSWER)
    expect(answer.locator("a.document-link")).to_contain_text("freezing-order.txt")
    _until_state(gb_off, "additional-information-provided")
    _move(gb_off, "start-execution")
    expect(gb_off.locator("#request-state")).to_have_attribute("data-state", "in-execution")
    _move(
        gb_off, "complete-execution", "The account was frozen by order of Westminster Magistrates."
    )
    expect(gb_off.locator("#request-state")).to_have_attribute("data-state", "executed")
    _shot(gb_off, artifacts, "09-uk-executed")

    # 9. Both nodes show the same conversation, mirrored.
    def executed_in_nigeria() -> bool:
        ng.reload()
        return ng.locator("#request-state").get_attribute("data-state") == "executed"

    wait_until(executed_in_nigeria, what="the execution to reach Nigeria", timeout=60)
    _shot(ng, artifacts, "10-ng-executed")
    gb_off.reload()
    ours, theirs = _thread(ng), _thread(gb_off)
    mirrored = {"sent": "received", "received": "sent"}
    assert [(k, mirrored[d], t) for k, d, t in ours] == theirs
    kinds = [k for k, _, _ in ours]
    assert not [m for m in CONSOLE if m.startswith(("pageerror", "error"))], CONSOLE
    for kind in ("request", "acknowledgement", "additional-information-request",
                 "additional-information", "final-execution"):  # fmt: skip
        assert kind in kinds, (kind, kinds)
