"""The conversation's forms over HTTP (no browser): uploads beside a move, the refusal of
an upload too large to travel, the thread rendered in words, documents served to case
members only, the answer to a consultation. The first requests travel outside the network,
so the other state's moves are recorded by hand and appear in the thread too; the last
travels between two joined nodes."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from repatria.exchange.messages import ATTACHED_LIMIT
from repatria.service import requests
from repatria.service.attachments import DOCUMENTS_DIR
from repatria.service.node import Node
from repatria.store.tables import RequestRow
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import CaseFixture, People
from tests.service.test_thread import Pair, pair  # noqa: F401  (two nodes joined)
from tests.web.conftest import credentials_for

ORDER = b"Order of the Federal High Court, Abuja, freezing accounts 1234 and 5678."


def _asked(node: Node, people: People, fixture: CaseFixture) -> None:
    for who, name, why in (
        (people.officer, "mark-ready", ""),
        (people.supervisor, "send", ""),
        (people.officer, "acknowledge", "letter of 3 March: received, J. Smith handles it"),
        (people.officer, "request-additional-information", "Which accounts?\nWhich years?"),
    ):
        requests.apply_transition(node, who, fixture.request, name, why=why)


def _signed_in(client: TestClient, node: Node, people: People, name: str) -> str:
    cred = credentials_for(node, people, name)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cred.session)
    return cred.csrf


def test_a_move_with_a_document_is_shown_in_the_thread_and_downloads(
    client: TestClient,
    node: Node,
    people: People,
    ng_case: CaseFixture,
) -> None:
    _asked(node, people, ng_case)
    csrf = _signed_in(client, node, people, "officer")
    page = client.get(f"/requests/{ng_case.request}").text
    assert 'data-transition="provide-additional-information"' in page
    assert 'name="files"' in page and "Give the additional information" in page
    assert (
        "letter of 3 March: received, J. Smith handles it" in page
    )  # the note, not a stock phrase
    assert "Which accounts?\nWhich years?" in page
    assert ">request-additional-information<" not in page  # machine names stay in attributes
    moved = client.post(
        f"/requests/{ng_case.request}/move",
        headers={"HX-Request": "true"},
        data={
            "csrf": csrf,
            "transition": "provide-additional-information",
            "why": "Accounts 1234 and 5678.",
        },
        files={"files": ("order.txt", ORDER, "text/plain")},
    )
    assert moved.status_code == 200, moved.text[:300]
    sha = hashlib.sha256(ORDER).hexdigest()
    assert f"/requests/{ng_case.request}/documents/{sha}" in moved.text
    assert 'data-state="additional-information-provided"' in moved.text
    got = client.get(f"/requests/{ng_case.request}/documents/{sha}")
    assert got.status_code == 200 and got.content == ORDER
    assert got.headers["content-disposition"].startswith('attachment; filename="order.txt"')
    _signed_in(client, node, people, "outsider")
    assert client.get(f"/requests/{ng_case.request}/documents/{sha}").status_code == 404


def test_an_upload_too_large_to_travel_is_refused_and_nothing_is_kept(
    client: TestClient,
    node: Node,
    people: People,
    ng_case: CaseFixture,
) -> None:
    _asked(node, people, ng_case)
    csrf = _signed_in(client, node, people, "officer")
    refused = client.post(
        f"/requests/{ng_case.request}/move",
        headers={"HX-Request": "true"},
        data={"csrf": csrf, "transition": "provide-additional-information", "why": "See scan."},
        files={"files": ("scan.pdf", b"x" * (ATTACHED_LIMIT + 1), "application/pdf")},
    )
    assert refused.status_code == 422
    assert (
        "evidence transfer (issue 15)" in refused.text and 'id="transition-error"' in refused.text
    )
    assert 'data-state="additional-information-requested"' in refused.text
    assert not (node.settings.data_dir / DOCUMENTS_DIR).exists()


def test_the_requesting_side_answers_a_consultation_from_the_thread(
    client: TestClient,
    pair: Pair,  # noqa: F811
    ng_case: CaseFixture,
) -> None:
    ng, gb, sup = pair.ng, pair.gb, pair.gb_supervisor
    requests.apply_transition(ng, pair.ng_people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(ng, pair.ng_people.supervisor, ng_case.request, "send")
    pair.pump()
    with gb.transaction() as session:
        gb_ref = session.scalars(select(RequestRow.reference)).one()
    requests.apply_transition(gb, sup, gb_ref, "acknowledge")
    requests.apply_transition(gb, sup, gb_ref, "open-consultation",
                              why="Only if the evidence is not used in the tax case.")  # fmt: skip
    pair.pump()
    csrf = _signed_in(client, ng, pair.ng_people, "supervisor")
    page = client.get(f"/requests/{ng_case.request}").text
    assert 'data-form="consultation-answer"' in page
    assert "Only if the evidence is not used in the tax case." in page
    url = f"/requests/{ng_case.request}/consultation-answer"
    refused = client.post(url, data={"csrf": csrf, "verdict": "decline"},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert refused.status_code == 422 and "say why the conditions are declined" in refused.text
    done = client.post(url, data={"csrf": csrf, "verdict": "accept", "note": "Agreed."},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"].endswith("#thread")
    page = client.get(f"/requests/{ng_case.request}").text
    assert 'data-type="consultation-answer"' in page and "conditions accepted: Agreed." in page
