from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from repatria.service.node import Node
from tests.conftest import PASSWORD, REQUEST_BODY, CaseFixture, People, complete_document, snapshot
from tests.web.conftest import Credentials


def test_case_and_request_round_trip_over_http(
    client: TestClient, people: People, node: Node
) -> None:
    token = client.post(
        "/api/auth/token", json={"username": "supervisor", "password": PASSWORD, "name": "script"}
    )
    assert token.status_code == 201
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    case = client.post("/api/cases", headers=auth, json={"title": "Delta", "summary": "facts"})
    assert case.status_code == 201
    ref = case.json()["reference"]
    assert ref.startswith("NG-") and case.json()["members"] == ["supervisor"]
    entity = {"id": "person-1", "schema": "Person", "properties": {"name": ["Ada Obi"]}}
    assert client.post(f"/api/cases/{ref}/entities", headers=auth, json=entity).status_code == 201
    created = client.post(f"/api/cases/{ref}/requests", headers=auth, json=REQUEST_BODY)
    assert created.status_code == 201
    request_ref = created.json()["reference"]
    assert created.json()["state"] == "draft"
    saved = client.put(
        f"/api/requests/{request_ref}/document",
        headers=auth,
        json=complete_document(request_ref),
    )
    assert saved.status_code == 200 and saved.json()["complete"] is True
    moves = client.get(f"/api/requests/{request_ref}/transitions", headers=auth).json()
    assert [m["transition"] for m in moves] == ["mark-ready", "withdraw"]
    for move in ("mark-ready", "send"):
        moved = client.post(
            f"/api/requests/{request_ref}/transitions", headers=auth, json={"transition": move}
        )
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "sent"
    listed = client.get("/api/requests", headers=auth, params={"state": "sent"}).json()
    assert [r["reference"] for r in listed] == [request_ref]
    events = client.get(f"/api/cases/{ref}/events", headers=auth).json()
    assert [e["action"] for e in events] == [
        "case.opened",
        "entity.added",
        "request.drafted",
        # the persons and accounts the draft names join the case (one truth, issue 12)
        *["entity.added"] * 6,
        "request.document-saved",
        "request.mark-ready",
        "request.send",
    ]
    assert all(e["actor"] == "supervisor" for e in events)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "where", "correlation_id"}
    return dict(body["error"])


BAD_INPUTS = [
    ("POST", "/api/cases", {"content": b'{"title": "x",', "headers": {"content-type": "application/json"}}, 400, "malformed JSON", "body"),
    ("POST", "/api/cases", {"json": {"title": "x", "colour": "red"}}, 422, "Extra inputs", "body.colour"),
    ("POST", "/api/cases/{case}/requests", {"json": REQUEST_BODY | {"requested_state": "UK"}}, 422, "did you mean GB", "requested_state"),
    ("POST", "/api/cases/{case}/requests", {"json": REQUEST_BODY | {"measures": ["teleport"]}}, 422, "unknown measure 'teleport'", "measures[0]"),
    ("POST", "/api/cases/{case}/requests", {"json": REQUEST_BODY | {"deadline": "2027-13-01"}}, 422, "valid date", "body.deadline"),
    ("POST", "/api/requests/{request}/transitions", {"json": {"transition": "acknowledge"}}, 409, "cannot acknowledge from 'draft'", None),
    ("POST", "/api/requests/{request}/transitions", {"json": {"transition": "fly"}}, 422, "unknown transition 'fly'", "transition"),
    ("GET", "/api/cases/NG-2026-9999", {}, 404, "not found, or you are not assigned", "case"),
    ("GET", "/api/cases/not-a-ref", {}, 422, "not a case reference", "case"),
    ("GET", "/api/requests/NG-2026-0001-R99", {}, 404, "not found", "request"),
    ("POST", "/api/cases/{case}/entities", {"json": {"id": "e", "schema": "Person", "properties": {"name": ["A"], "birthDate": ["soon"]}}}, 422, "not a valid date", "properties.birthDate[0]"),
    ("POST", "/api/cases", {"content": b"x" * 2_000_000, "headers": {"content-type": "application/json"}}, 413, "larger than", "body"),
    ("GET", "/api/nowhere", {}, 404, "Not Found", None),
    ("PUT", "/api/cases", {}, 405, "Method Not Allowed", None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "message", "where"), BAD_INPUTS)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: TestClient,
    node: Node,
    ng_case: CaseFixture,
    creds: dict[str, Credentials],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    message: str,
    where: str | None,
) -> None:
    before = snapshot(node)
    kwargs = dict(kwargs)
    headers = creds["officer"].bearer | kwargs.pop("headers", {})
    url = path.format(case=ng_case.case, request=ng_case.request)
    response = client.request(method, url, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert message in error["message"]
    assert error["where"] == where
    assert snapshot(node) == before


def test_unauthenticated_api_call_is_401_with_a_hint(client: TestClient) -> None:
    response = client.get("/api/cases")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in error_of(response)["message"]


def test_wrong_password_and_unknown_user_read_the_same(client: TestClient, people: People) -> None:
    a = client.post("/api/auth/token", json={"username": "officer", "password": "wrong" * 3})
    b = client.post("/api/auth/token", json={"username": "ghost", "password": "wrong" * 3})
    assert a.status_code == b.status_code == 401
    assert error_of(a)["message"] == error_of(b)["message"] == "wrong username or password"


def test_revoked_token_stops_working(client: TestClient, creds: dict[str, Credentials]) -> None:
    auth = creds["officer"].bearer
    assert client.get("/api/me", headers=auth).status_code == 200
    assert client.delete("/api/auth/token", headers=auth).status_code == 204
    assert client.get("/api/me", headers=auth).status_code == 401


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_openapi_schema_is_published_and_documents_errors(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "repatria node API"
    post = schema["paths"]["/api/requests/{reference}/transitions"]["post"]
    assert {"409", "422", "404"} <= set(post["responses"])
    assert "/login" not in schema["paths"]
