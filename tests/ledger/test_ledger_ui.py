"""The case timeline shows each event's leaf and whether it is witnessed; proofs download."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from repatria.ledger.bundle import check_inclusion_proof
from repatria.service import cases
from repatria.service.keys import log_verifiers
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.node import Node
from repatria.web.app import create_app
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import CaseFixture, People
from tests.web.conftest import credentials_for


def test_timeline_marks_and_proof_download(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    events = cases.case_timeline(node, people.officer, ng_case.case)
    cred = credentials_for(node, people, "officer")
    with TestClient(create_app(node.settings, node)) as client:
        client.cookies.set(SESSION_COOKIE, cred.session)
        page = client.get(f"/cases/{ng_case.case}", headers={"accept": "text/html"}).text
        marks = ledger_proofs.event_marks(node, [e.id for e in events])
        for event in events:
            assert f"logged as leaf {marks[event.id].leaf_index}" in page
        assert "witnessed" in page and "not yet witnessed" in page
        links = re.findall(r'href="(/cases/[^"]+/proof\.json)"', page)
        assert len(links) == len(events)
        response = client.get(links[0])
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        checkpoint = check_inclusion_proof(response.json(), log_verifiers(node))
        assert checkpoint.size >= len(events)
        # An event of another case is not reachable through this case's page.
        other = cases.open_case(node, people.supervisor, {"title": "other"})
        other_event = cases.case_timeline(node, people.supervisor, other.reference)[0].id
        wrong = client.get(f"/cases/{ng_case.case}/events/{other_event}/proof.json")
        assert wrong.status_code == 404
