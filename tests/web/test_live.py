"""The changes stream over HTTP: text/event-stream, references only, need-to-know."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from repatria.service import changes, requests
from repatria.service.node import Node
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import CaseFixture, People
from tests.web.conftest import Credentials


def _stream(client: TestClient, cred: Credentials, **params: object) -> list[dict[str, str]]:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cred.session)
    response = client.get("/live", params={"wait": 0, **params})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields:
            events.append(fields)
    return events


def test_a_colleagues_move_is_streamed_to_members_as_references_only(
    client: TestClient, node: Node, people: People, ng_case: CaseFixture,
    creds: dict[str, Credentials],
) -> None:  # fmt: skip
    start = changes.last_event_id(node)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    moved = changes.last_event_id(node)
    first, changed = _stream(client, creds["supervisor"], after=start)
    assert first == {"retry": "500", "id": str(start)}
    assert changed["event"] == "changed" and changed["id"] == str(moved)
    assert json.loads(changed["data"]) == {
        "case": ng_case.case, "request": ng_case.request, "yours": False,
    }  # fmt: skip
    # an outsider hears nothing; a reconnect (Last-Event-ID) resumes after what was seen
    assert [e for e in _stream(client, creds["outsider"], after=start) if "event" in e] == []
    client.cookies.set(SESSION_COOKIE, creds["supervisor"].session)
    again = client.get("/live", params={"wait": 0, "after": start},
                       headers={"Last-Event-ID": str(moved)})  # fmt: skip
    assert "event: changed" not in again.text


def test_without_a_session_the_page_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/live", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
