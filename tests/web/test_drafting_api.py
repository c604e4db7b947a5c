from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repatria.service.node import Node
from tests.conftest import CaseFixture, snapshot
from tests.web.conftest import Credentials


def test_validating_empty_lists_every_item_of_46_15(
    client: TestClient, creds: dict[str, Credentials]
) -> None:
    report = client.post("/api/drafting/validate", headers=creds["officer"].bearer, json={}).json()
    letters = {p["article"][-3:] for p in report["problems"] if "46(15)(" in p["article"]}
    assert letters == {"(a)", "(b)", "(c)", "(d)", "(e)", "(f)"}
    assert report["complete"] is False and report["score"] == 0


@pytest.mark.process
def test_a_kept_draft_is_checked_and_rendered_with_a_record(
    client: TestClient,
    node: Node,
    ng_case: CaseFixture,
    creds: dict[str, Credentials],
    tmp_path: Path,
) -> None:
    auth = creds["officer"].bearer
    check = client.get(f"/api/requests/{ng_case.request}/validation", headers=auth).json()
    assert check["complete"] is True
    response = client.get(
        f"/api/requests/{ng_case.request}/rendered",
        headers=auth,
        params={"lang": "es", "format": "pdf"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert ng_case.request in text and "asistencia" in text.lower()
    events = client.get(f"/api/cases/{ng_case.case}/events", headers=auth).json()
    assert events[-1]["action"] == "request.rendered"
    assert events[-1]["details"]["lang"] == "es"


def test_a_broken_draft_is_kept_but_blocks_ready(
    client: TestClient, node: Node, ng_case: CaseFixture, creds: dict[str, Credentials]
) -> None:
    auth = creds["officer"].bearer
    document = client.get(f"/api/requests/{ng_case.request}/document", headers=auth).json()
    document["assets"] = [
        {
            "entity": {
                "id": "acc",
                "schema": "BankAccount",
                "properties": {"iban": ["GB00NWBK60161331926819"]},
            }
        }
    ]
    report = client.put(
        f"/api/requests/{ng_case.request}/document", headers=auth, json=document
    ).json()
    assert any("iban" in p["path"] for p in report["problems"])
    assert client.get(f"/api/requests/{ng_case.request}/document", headers=auth).json() == document
    before = snapshot(node)
    moved = client.post(
        f"/api/requests/{ng_case.request}/transitions",
        headers=auth,
        json={"transition": "mark-ready"},
    )
    assert moved.status_code == 422
    assert "incomplete" in moved.json()["error"]["message"]
    assert snapshot(node) == before


def test_unknown_language_is_named(
    client: TestClient, ng_case: CaseFixture, creds: dict[str, Credentials]
) -> None:
    response = client.get(
        f"/api/requests/{ng_case.request}/rendered",
        headers=creds["officer"].bearer,
        params={"lang": "tlh"},
    )
    assert response.status_code == 422
    assert "unknown language 'tlh'; accepted: ar, en, es, fr, ru, zh" in response.text


def test_the_api_shows_what_the_saved_draft_says(
    client: TestClient, ng_case: CaseFixture, creds: dict[str, Credentials]
) -> None:
    # issue 12, bug 1: basis, deadline, measures and subjects over HTTP are the draft's
    auth = creds["officer"].bearer
    document = client.get(f"/api/requests/{ng_case.request}/document", headers=auth).json()
    in_60 = (date.today() + timedelta(days=60)).isoformat()
    document["legal_basis"] = {"instrument": "UNTOC"}
    document["deadline"] = {"date": in_60, "reasons": document["deadline"]["reasons"]}
    document["urgency"] = {"urgent": False}
    saved = client.put(f"/api/requests/{ng_case.request}/document", headers=auth, json=document)
    assert saved.status_code == 200
    one = client.get(f"/api/requests/{ng_case.request}", headers=auth).json()
    listed = client.get("/api/requests", headers=auth).json()
    due = client.get("/api/deadlines", headers=auth).json()
    for view in (one, next(r for r in listed if r["reference"] == ng_case.request)):
        assert view["legal_basis"] == "UNTOC" and view["deadline"] == in_60
        assert view["urgent"] is False
        assert view["measures"] == [m["measure"] for m in document["measures"]]
        assert view["subjects"] == [p["entity"]["id"] for p in document["persons"]] + [
            a["entity"]["id"] for a in document["assets"]
        ]
    assert [r["deadline"] for r in due if r["reference"] == ng_case.request] == [in_60]
