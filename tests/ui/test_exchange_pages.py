"""Sending a ready request to the requested state's node, seen in the browser on both sides.

Both nodes are served over real HTTP on loopback; deliveries go over HTTP too (the test runs
the delivery round the worker of ``repatria serve`` would run).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from repatria.adapters.http_transport import HttpTransport
from repatria.service import requests, users
from repatria.service.exchange import deliver_due
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from tests.conftest import PASSWORD, CaseFixture, People
from tests.exchange.directory_of import join
from tests.ledger.served import free_port, serving
from tests.ui.test_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.process]


@pytest.fixture
def network(node: Node, people: People, tmp_path: Path) -> Iterator[tuple[str, Node, str]]:
    settings = Settings(data_dir=tmp_path / "gb-uka")
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    admin = users.create_user(gb, None, username="gbadmin", password=PASSWORD,
                              roles=["node-admin"])  # fmt: skip
    users.create_user(gb, admin, username="gbsup", password=PASSWORD, roles=["supervisor"])
    ng_port, gb_port = free_port(), free_port()
    join({f"http://127.0.0.1:{ng_port}": node, f"http://127.0.0.1:{gb_port}": gb},
         central_authorities=(gb,))  # fmt: skip
    try:
        with serving(node, ng_port) as ng_url, serving(gb, gb_port) as gb_url:
            yield ng_url, gb, gb_url
    finally:
        gb.close()


def test_a_ready_request_is_sent_delivered_and_acknowledged_across_nodes(
    browser: Browser, node: Node, people: People, ng_case: CaseFixture,
    network: tuple[str, Node, str], artifacts: Path,
) -> None:  # fmt: skip
    ng_url, gb, gb_url = network
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    page = sign_in(browser, ng_url, "supervisor")
    page.goto(f"{ng_url}/requests/{ng_case.request}")
    expect(page.locator("#peer-node")).to_contain_text("Not on the network yet")
    page.locator('form[data-transition="send"] button').click()
    expect(page.locator("#request-state")).to_have_attribute("data-state", "sent")
    expect(page.locator("#peer-node")).to_contain_text("gb-uka")
    expect(page.locator("#messages tr.message-sent")).to_have_attribute("data-state", "pending")
    # the other side's moves are not offered by hand any more: they arrive from gb-uka
    expect(page.locator('form[data-transition="acknowledge"]')).to_have_count(0)

    transport = HttpTransport(timeout=10)
    try:
        (attempt,) = deliver_due(node, transport, datetime.now(UTC))
        assert attempt.state == "delivered", attempt.error
        page.reload()
        row = page.locator("#messages tr.message-sent")
        expect(row).to_have_attribute("data-state", "delivered")
        expect(row).to_contain_text("accepted · logged at index")
        page.screenshot(path=str(artifacts / "exchange-sent.png"), full_page=True)

        gb_page = sign_in(browser, gb_url, "gbsup")
        expect(gb_page.locator("#case-list")).to_contain_text("Incoming:")
        incoming = requests.list_requests(
            gb,
            users.authenticate_password(gb, "gbsup", PASSWORD),
            requests.RequestFilter(direction="incoming"),
        )
        gb_page.goto(f"{gb_url}/requests/{incoming[0].reference}")
        expect(gb_page.locator("#request-state")).to_have_attribute("data-state", "sent")
        expect(gb_page.locator("#messages tr.message-received")).to_have_attribute(
            "data-type", "request"
        )
        # the originator's handling travels with the request and is shown where it is used
        handling = gb_page.locator("#messages tr.handling")
        expect(handling).to_contain_text("Handling set by ng-test")
        expect(handling).to_contain_text("confidential")
        expect(handling).to_contain_text("H0")
        expect(handling).to_contain_text("not to be forwarded without consent")
        gb_page.locator('form[data-transition="acknowledge"] button').click()
        expect(gb_page.locator("#request-state")).to_have_attribute("data-state", "acknowledged")
        gb_page.screenshot(path=str(artifacts / "exchange-received.png"), full_page=True)
        (back,) = deliver_due(gb, transport, datetime.now(UTC))
        assert back.state == "delivered", back.error
    finally:
        transport.close()
    page.reload()
    expect(page.locator("#request-state")).to_have_attribute("data-state", "acknowledged")
    expect(page.locator("#messages tr.message-received")).to_have_attribute(
        "data-type", "acknowledgement"
    )
    assert (artifacts / "exchange-sent.png").stat().st_size > 10_000
