"""Intake, work queue and live updates in a real browser, on two served nodes.

NG sends a request to the UK; the UK supervisor finds it in the intake and assigns an officer,
whose work queue, open in another browser, shows it at once (server-sent events); the officer
acknowledges and asks a question, and NG's officer sees the question arrive in their queue.
Each role's landing page and an error page are photographed (1280 px, full page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from repatria.adapters.http_transport import HttpTransport
from repatria.service import requests, users
from repatria.service.exchange import deliver_due
from repatria.service.ledger import schedule
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from tests.conftest import PASSWORD, CaseFixture, People
from tests.exchange.directory_of import join
from tests.ledger.served import free_port, serving, sqlite_node, vkeys

pytestmark = [pytest.mark.browser, pytest.mark.process]

LIVE = 30_000
"""How long a page may take to hear of a change (ms): a poll, a fetch, on a loaded machine."""


@dataclass
class Network:
    ng_url: str
    gb: Node
    gb_url: str


@pytest.fixture
def network(node: Node, people: People, tmp_path: Path) -> Iterator[Network]:
    settings = Settings(data_dir=tmp_path / "gb-uka")
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    admin = users.create_user(gb, None, username="gbadmin", password=PASSWORD,
                              roles=["node-admin"])  # fmt: skip
    users.create_user(gb, admin, username="gbsup", password=PASSWORD, roles=["supervisor"],
                      display_name="Sam Supervisor")  # fmt: skip
    users.create_user(gb, admin, username="gbofficer", password=PASSWORD,
                      roles=["case-officer"], display_name="Olu Officer")  # fmt: skip
    ng_port, gb_port = free_port(), free_port()
    join({f"http://127.0.0.1:{ng_port}": node, f"http://127.0.0.1:{gb_port}": gb},
         central_authorities=(gb,))  # fmt: skip
    try:
        with serving(node, ng_port) as ng_url, serving(gb, gb_port) as gb_url:
            yield Network(ng_url, gb, gb_url)
    finally:
        gb.close()


def open_as(browser: Browser, url: str, username: str, landing: str) -> Page:
    """Sign in in a browser context of one's own and check the landing page."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(f"{url}{landing}")
    return page


def deliver(node: Node) -> None:
    """One delivery round, as the worker of `repatria serve` runs it (one message per request
    and round: the dialogue keeps its order)."""
    transport = HttpTransport(timeout=10)
    try:
        for attempt in deliver_due(node, transport, datetime.now(UTC)):
            assert attempt.state == "delivered", attempt.error
    finally:
        transport.close()


def live(page: Page) -> None:
    """Wait until the page follows the changes stream."""
    expect(page.locator("main[data-live]")).to_have_attribute("data-live-state", "open")


def test_intake_assignment_and_the_work_queue_update_live_on_both_nodes(
    browser: Browser, node: Node, people: People, ng_case: CaseFixture,
    network: Network, artifacts: Path,
) -> None:  # fmt: skip
    ng_url, gb, gb_url = network.ng_url, network.gb, network.gb_url
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")

    # NG: the supervisor lands on the work queue and finds the request to approve
    ng_sup = open_as(browser, ng_url, "supervisor", "/work")
    expect(ng_sup.locator(f"#to-approve tr[data-request='{ng_case.request}']")).to_contain_text(
        "Approve and send"
    )
    ng_sup.screenshot(path=str(artifacts / "queue-work-supervisor.png"), full_page=True)
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    deliver(node)
    (incoming,) = requests.list_requests(
        gb, users.authenticate_password(gb, "gbsup", PASSWORD), requests.RequestFilter()
    )
    ref = incoming.reference

    # GB: the officer's queue is open (nothing for them yet), the supervisor's intake too
    officer = open_as(browser, gb_url, "gbofficer", "/work")
    live(officer)
    expect(officer.locator(f"tr[data-request='{ref}']")).to_have_count(0)
    expect(officer.locator("#nav a")).to_have_text(
        ["My work", "Cases", "Legal basis", "Treaty network"]
    )
    supervisor = open_as(browser, gb_url, "gbsup", "/work")
    expect(supervisor.locator("#intake-waiting")).to_contain_text("1 incoming request")
    supervisor.click("#nav a[href='/intake']")
    row = supervisor.locator(f"table#intake tr[data-request='{ref}']")
    expect(row).to_contain_text("NG · Nigeria")
    expect(row).to_contain_text("Bank and company records")
    expect(row).to_contain_text("Confidential")
    expect(row).to_contain_text("Received, not yet acknowledged")
    supervisor.screenshot(path=str(artifacts / "queue-intake.png"), full_page=True)
    form = row.locator("form.assign")
    form.locator("select[name=username]").select_option("gbofficer")
    form.locator("input[name=why]").fill("handles requests from Nigeria")
    form.locator("button").click()
    expect(supervisor).to_have_url(f"{gb_url}/intake")
    expect(supervisor.locator(f"table#intake tr[data-request='{ref}']")).to_have_count(0)

    # the officer's open page hears of the assignment and shows the request to acknowledge
    answer = officer.locator(f"#to-answer tr[data-request='{ref}']")
    expect(answer).to_contain_text("Acknowledge receipt", timeout=LIVE)
    expect(answer).to_contain_text("Incoming (we are asked)")
    officer.screenshot(path=str(artifacts / "queue-work-officer.png"), full_page=True)

    # a colleague moves the request: the supervisor's open queue follows
    supervisor.goto(f"{gb_url}/work")
    live(supervisor)
    expect(supervisor.locator(f"#to-answer tr[data-request='{ref}']")).to_contain_text(
        "Received, not yet acknowledged"
    )
    gb_officer = users.authenticate_password(gb, "gbofficer", PASSWORD)
    requests.apply_transition(gb, gb_officer, ref, "acknowledge")
    expect(supervisor.locator(f"#to-answer tr[data-request='{ref}']")).to_contain_text(
        "Start execution", timeout=LIVE
    )

    # NG's officer has the queue open when the UK's question arrives over the network
    ng_officer = open_as(browser, ng_url, "officer", "/work")
    live(ng_officer)
    expect(ng_officer.locator(f"#to-answer tr[data-request='{ng_case.request}']")).to_have_count(0)
    requests.apply_transition(gb, gb_officer, ref, "request-additional-information",
                              why="Which branch holds the account?")  # fmt: skip
    deliver(gb)  # the acknowledgement, then (its turn come) the question
    deliver(gb)
    question = ng_officer.locator(f"#to-answer tr[data-request='{ng_case.request}']")
    expect(question).to_contain_text("Give the additional information", timeout=LIVE)
    expect(question).to_contain_text("Additional information asked")
    ng_officer.screenshot(path=str(artifacts / "queue-work-question.png"), full_page=True)
    assert (artifacts / "queue-intake.png").stat().st_size > 10_000


def test_each_role_lands_on_its_page_and_errors_lead_back_there(
    browser: Browser, live_url: str, people: People, ng_case: CaseFixture, artifacts: Path
) -> None:
    admin = open_as(browser, live_url, "admin", "/admin")
    expect(admin.locator("#users tr[data-user='officer']")).to_contain_text("Case officer")
    expect(admin.locator("#keys")).to_contain_text("Signing the ledger")
    expect(admin.locator("#nav a")).to_have_text(["Node administration", "Treaty network"])
    admin.screenshot(path=str(artifacts / "queue-admin.png"), full_page=True)
    # bug 9: the admin opening the cases is refused, and the way back leads to the admin page
    response = admin.goto(f"{live_url}/cases")
    assert response is not None and response.status == 403
    expect(admin.locator("#error-title")).to_have_text("Not allowed")
    expect(admin.locator("#error-message")).to_have_text(
        "Your role (Node administrator) does not allow you to list cases"
    )
    admin.screenshot(path=str(artifacts / "queue-error-403.png"), full_page=True)
    admin.click("#error-previous")
    expect(admin).to_have_url(f"{live_url}/admin")
    admin.goto(f"{live_url}/cases")
    admin.click("#error-home")
    expect(admin).to_have_url(f"{live_url}/admin")

    auditor = open_as(browser, live_url, "auditor", "/cases")
    expect(auditor.locator("#case-list")).to_contain_text(ng_case.case)
    expect(auditor.locator("#case-list")).to_contain_text("Open")
    officer = open_as(browser, live_url, "officer", "/work")
    expect(officer.locator(f"#to-draft tr[data-request='{ng_case.request}']")).to_contain_text(
        "Complete the draft"
    )
    expect(officer.locator("#to-approve")).to_have_count(0)
    officer.goto(f"{live_url}/cases/{ng_case.case}")
    expect(officer.locator("#requests")).to_contain_text("Outgoing (we ask)")
    expect(officer.locator("#requests")).to_contain_text("Bank and company records")
    expect(officer.locator("#requests")).to_contain_text("Draft")
    response = officer.goto(f"{live_url}/requests/{ng_case.case}-R99")
    assert response is not None and response.status == 404
    expect(officer.locator("#error-home")).to_have_attribute("href", "/work")
    officer.screenshot(path=str(artifacts / "queue-error-404.png"), full_page=True)


def test_a_supervisor_assigns_and_removes_an_officer_on_the_case_page(
    browser: Browser, live_url: str, people: People, ng_case: CaseFixture, artifacts: Path
) -> None:
    page = open_as(browser, live_url, "supervisor", "/work")
    page.goto(f"{live_url}/cases/{ng_case.case}")
    form = page.locator("#members form.assign")
    form.locator("select[name=username]").select_option("outsider")
    form.locator("input[name=why]").fill("joins the investigation")
    form.locator("button").click()
    expect(page.locator("#members li[data-member='outsider']")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Member assigned to the case")
    page.screenshot(path=str(artifacts / "queue-case-members.png"), full_page=True)
    page.click("#members li[data-member='outsider'] details.unassign summary")
    remove = page.locator("#members li[data-member='outsider'] form.unassign")
    remove.locator("input[name=why]").fill("left the team")
    remove.locator("button").click()
    expect(page.locator("#members li[data-member='outsider']")).to_have_count(0)


def test_the_admin_page_shows_a_witness_that_does_not_answer(
    browser: Browser,
    live_url: str,
    node: Node,
    people: People,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    """Issue 14.4: a witness that is down is retried with back-off and shown where the
    administrator looks, with the error and the next try; a new leaf waits for it."""
    other = sqlite_node(tmp_path, "gb-b")
    log_vkey, witness_vkey = vkeys(other)
    other.close()
    ledger_witnessing.add_peer(
        node, people.admin, "gb-b", f"http://127.0.0.1:{free_port()}", log_vkey, witness_vkey
    )
    now = datetime.now(UTC)
    for at in (now - timedelta(minutes=5), now):
        schedule.run_due(node, at)
    admin = open_as(browser, live_url, "admin", "/admin")
    row = admin.locator("#peers tr[data-peer='gb-b']")
    expect(row).to_contain_text("not answering")
    expect(row).to_contain_text("2 failed rounds in a row")
    expect(row).to_contain_text("Next try at")
    expect(row.locator("td").nth(3)).to_have_text("not yet")
    admin.screenshot(path=str(artifacts / "admin-witness-down.png"), full_page=True)
