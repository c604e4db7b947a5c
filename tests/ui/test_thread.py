"""The conversation of a request in the browser, on both served nodes: GB acknowledges with a
note and asks a question, NG answers with a court order attached, GB reports partial and
full execution with statements attached; both request pages show the same thread, mirrored,
and each entry's documents download. Deliveries go over HTTP (the worker's round, run here).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from repatria.adapters.http_transport import HttpTransport
from repatria.service import requests, users
from repatria.service.exchange import deliver_due
from repatria.service.node import Node
from tests.conftest import PASSWORD, CaseFixture, People
from tests.ui.test_exchange_pages import network  # noqa: F401  (the two served nodes)
from tests.ui.test_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.process]

ORDER = b"FEDERAL HIGH COURT OF NIGERIA\nOrder freezing accounts 1234 and 5678.\n"
NOTE = "Received. Assigned to J. Smith, asset recovery unit; records expected in 6 weeks."
QUESTIONS = "Which accounts at Barclays?\nFor which years?"


def _move(page: Page, name: str, why: str = "", files: list[Path] | None = None) -> None:
    form = page.locator(f'form[data-transition="{name}"]')
    if why:
        form.locator('textarea[name="why"]').fill(why)
    if files:
        form.locator('input[name="files"]').set_input_files([str(f) for f in files])
    form.locator("button").click()


def _thread(page: Page) -> list[tuple[str, str, str]]:
    items = page.locator("#thread li.thread-item")
    return [
        (
            items.nth(i).get_attribute("data-type") or "",
            items.nth(i).get_attribute("data-direction") or "",
            items.nth(i).locator(".thread-text").inner_text()
            if items.nth(i).locator(".thread-text").count()
            else "",
        )
        for i in range(items.count())
    ]


def test_both_request_pages_show_the_same_conversation(
    browser: Browser, node: Node, people: People, ng_case: CaseFixture,
    network: tuple[str, Node, str], artifacts: Path, tmp_path: Path,  # noqa: F811
) -> None:  # fmt: skip
    ng_url, gb, gb_url = network
    transport = HttpTransport(timeout=10)

    def deliver(from_node: Node) -> None:
        """Delivery rounds until nothing is due (one message per request per round)."""
        for _ in range(10):
            attempts = deliver_due(from_node, transport, datetime.now(UTC))
            assert all(a.state == "delivered" for a in attempts), attempts
            if not attempts:
                return

    order = tmp_path / "freezing-order.txt"
    order.write_bytes(ORDER)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"0" * (2 << 20))
    statements = tmp_path / "statements-2019.pdf"
    statements.write_bytes(b"%PDF-1.4\n% statements of account 1234, 2019\n%%EOF\n")
    try:
        requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
        requests.apply_transition(node, people.supervisor, ng_case.request, "send")
        deliver(node)
        gbsup = users.authenticate_password(gb, "gbsup", PASSWORD)
        (incoming,) = requests.list_requests(gb, gbsup, requests.RequestFilter())
        gb_page = sign_in(browser, gb_url, "gbsup")
        gb_page.goto(f"{gb_url}/requests/{incoming.reference}")
        expect(gb_page.locator("#thread li.thread-item")).to_have_count(1)
        _move(gb_page, "acknowledge", NOTE)
        expect(gb_page.locator("#request-state")).to_have_attribute("data-state", "acknowledged")
        gb_page.screenshot(path=str(artifacts / "thread-requested-forms.png"), full_page=True)
        _move(gb_page, "request-additional-information", QUESTIONS)
        expect(gb_page.locator("#request-state")).to_have_text("Additional information asked")
        deliver(gb)

        page = sign_in(browser, ng_url, "officer")
        page.goto(f"{ng_url}/requests/{ng_case.request}")
        asked = page.locator('#thread li[data-type="additional-information-request"]')
        expect(asked.locator(".thread-text")).to_have_text(QUESTIONS)
        page.screenshot(path=str(artifacts / "thread-to-answer.png"), full_page=True)
        _move(page, "provide-additional-information", "See the scan.", [scan])
        form = page.locator('form[data-transition="provide-additional-information"]')
        expect(form.locator(".upload-error")).to_contain_text("evidence transfer (issue 15)")
        expect(page.locator("#request-state")).to_have_text("Additional information asked")
        form.locator('input[name="files"]').set_input_files([])
        _move(page, "provide-additional-information", "Accounts 1234 and 5678, 2019 to 2021.",
              [order])  # fmt: skip
        expect(page.locator("#request-state")).to_have_text("Additional information given")
        given = page.locator('#thread li[data-type="additional-information"]')
        expect(given.locator(".thread-documents")).to_contain_text("freezing-order.txt")
        expect(given).to_contain_text(hashlib.sha256(ORDER).hexdigest()[:16])
        deliver(node)

        gb_page.reload()
        _move(gb_page, "start-execution")
        _move(gb_page, "execute-partially", "Statements of 2019 produced by the bank.",
              [statements])  # fmt: skip
        expect(gb_page.locator("#request-state")).to_have_text("Partly executed")
        _move(gb_page, "complete-execution", "All records produced; the file is closed here.")
        expect(gb_page.locator("#request-state")).to_have_text("Executed")
        deliver(gb)
        gb_page.reload()
        page.reload()
        expect(page.locator("#request-state")).to_have_text("Executed")
        expect(page.locator('#thread li[data-type="acknowledgement"] .thread-text')).to_have_text(
            NOTE
        )
        expect(page.locator("#thread .thread-delivery").first).to_contain_text("Delivered")
        page.screenshot(path=str(artifacts / "thread-requesting.png"), full_page=True)
        gb_page.screenshot(path=str(artifacts / "thread-requested.png"), full_page=True)

        ours, theirs = _thread(page), _thread(gb_page)
        articles = page.locator("#thread .thread-article").all_inner_texts()
        assert articles == gb_page.locator("#thread .thread-article").all_inner_texts()
        flip = {"sent": "received", "received": "sent"}
        assert [(t, flip[d], x) for t, d, x in theirs] == ours
        assert [t for t, _, _ in ours] == [
            "request", "acknowledgement", "additional-information-request",
            "additional-information", "status-answer", "partial-execution", "final-execution",
        ]  # fmt: skip
        with gb_page.expect_download() as download:
            gb_page.locator(
                '#thread li[data-type="additional-information"] a.document-link'
            ).click()
        assert Path(download.value.path()).read_bytes() == ORDER
    finally:
        transport.close()
