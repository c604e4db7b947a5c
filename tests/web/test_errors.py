"""The class-to-status table, row by row, and one error body for all."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from repatria import errors
from repatria.web.deps import SESSION_COOKIE
from repatria.web.errors import STATUS, install
from repatria.web.ui.plain_words import in_plain_words
from tests.conftest import PASSWORD, CaseFixture, People, sign_in_form
from tests.web.conftest import Credentials

EXPECTED = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.InvalidTransition: 409,
    errors.Conflict: 409,
    errors.PermissionDenied: 403,
    errors.AuthenticationRequired: 401,
    errors.TooManyAttempts: 429,
    errors.VerificationFailed: 422,
    errors.PeerUnavailable: 503,
    errors.HostIncomplete: 503,
}


def test_table_covers_every_error_class() -> None:
    """Every class of ``repatria.errors`` has its row; others inherit their base's status."""
    subclasses = {
        c for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.RepatriaError) and c is not errors.RepatriaError
    }  # fmt: skip
    assert set(STATUS) == subclasses == set(EXPECTED)


@pytest.mark.parametrize(("cls", "status"), sorted(EXPECTED.items(), key=lambda kv: kv[0].__name__))
def test_each_row(cls: type[errors.RepatriaError], status: int) -> None:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise cls("it went wrong", where="field.x")

    response = TestClient(app).get("/boom")
    assert response.status_code == status
    body = response.json()["error"]
    assert body["type"] == cls.kind
    assert body["message"] == "it went wrong" and body["where"] == "field.x"
    assert len(body["correlation_id"]) == 32


def test_unexpected_errors_hide_their_text() -> None:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret case detail")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["error"]["type"] == "internal_error"


# --- HTML error pages: plain words and a way back that works for the role (issue 12, bug 9) ---

HTML = {"accept": "text/html"}
MACHINE_NAMES = ("case.list", "case.read", "node-admin", "case-officer", "Traceback")


def _home_link(page: str) -> str:
    found = re.search(r'href="([^"]+)" id="error-home"', page)
    assert found is not None, "the error page has no link to the landing page"
    return found[1]


def _signed_in(client: TestClient, cred: Credentials) -> TestClient:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cred.session)
    return client


@pytest.mark.parametrize(
    ("name", "landing"),
    [
        ("officer", "/work"),
        ("supervisor", "/work"),
        ("admin", "/admin"),
        ("auditor", "/cases"),
        ("reviewer", "/cases"),
    ],
)
def test_every_role_lands_on_a_page_it_can_use(
    client: TestClient, people: People, name: str, landing: str
) -> None:
    response = client.post(
        "/login", data=sign_in_form(client, name, PASSWORD), follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == landing
    page = client.get(landing, headers=HTML)
    assert page.status_code == 200, page.text[:300]
    assert client.get("/", follow_redirects=False).headers["location"] == landing


def test_the_admin_refused_a_case_list_is_sent_back_to_the_admin_page_not_the_same_page(
    client: TestClient, creds: dict[str, Credentials]
) -> None:
    response = _signed_in(client, creds["admin"]).get("/cases", headers=HTML)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert _home_link(response.text) == "/admin"
    assert "data-history-back" in response.text
    assert "Not allowed" in response.text
    assert "does not allow you to list cases" in response.text
    assert "Node administrator" in response.text
    for name in MACHINE_NAMES:
        assert name not in response.text, name


def test_the_navigation_shows_only_links_the_role_can_use(
    client: TestClient, creds: dict[str, Credentials]
) -> None:
    def nav(name: str, page: str) -> set[str]:
        text = _signed_in(client, creds[name]).get(page, headers=HTML).text
        return set(re.findall(r'data-nav="([^"]+)"', text))

    assert nav("admin", "/admin") == {"/admin", "/network"}
    assert nav("officer", "/work") == {"/work", "/cases", "/basis", "/network"}
    assert nav("supervisor", "/work") == {"/work", "/intake", "/cases", "/basis", "/network"}
    assert nav("auditor", "/cases") == {"/cases", "/basis", "/network"}


def test_an_unknown_page_is_an_html_404_with_a_way_back(
    client: TestClient, creds: dict[str, Credentials]
) -> None:
    response = _signed_in(client, creds["officer"]).get("/no/such/page", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert _home_link(response.text) == "/work"
    assert "There is no page at this address" in response.text
    assert "/no/such/page" not in response.text  # what was typed is not repeated (R19)
    # the API keeps its JSON body
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json()["error"]["type"] == "not_found"


def test_a_case_not_assigned_is_an_html_404_in_plain_words(
    client: TestClient, creds: dict[str, Credentials], ng_case: CaseFixture
) -> None:
    response = _signed_in(client, creds["outsider"]).get(f"/cases/{ng_case.case}", headers=HTML)
    assert response.status_code == 404
    assert "not assigned to it" in response.text
    assert _home_link(response.text) == "/work"


def test_a_conflict_is_an_html_409_with_a_way_back(
    client: TestClient, creds: dict[str, Credentials], ng_case: CaseFixture
) -> None:
    cred = creds["supervisor"]
    response = _signed_in(client, cred).post(
        f"/cases/{ng_case.case}/members",
        data={"username": "officer", "why": "again", "csrf": cred.csrf},
        headers=HTML,
    )
    assert response.status_code == 409
    assert "Not possible now" in response.text
    assert "Officer is already assigned to" in response.text
    assert _home_link(response.text) == "/work"


def test_bad_form_input_is_an_html_422_naming_the_field(
    client: TestClient, creds: dict[str, Credentials], ng_case: CaseFixture
) -> None:
    cred = creds["supervisor"]
    _signed_in(client, cred)
    empty_reason = client.post(
        f"/cases/{ng_case.case}/members",
        data={"username": "outsider", "why": " ", "csrf": cred.csrf},
        headers=HTML,
    )
    assert empty_reason.status_code == 422
    assert "Something needs correcting" in empty_reason.text
    assert "Say why this person needs to know (field “why”)" in empty_reason.text
    missing = client.post(f"/cases/{ng_case.case}/members", data={"csrf": cred.csrf}, headers=HTML)
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("text/html")
    assert "Username: field required" in missing.text and _home_link(missing.text) == "/work"


def test_a_refused_move_names_the_move_and_states_in_words() -> None:
    words = in_plain_words(
        "request NG-2026-0001-R01: cannot request-additional-information from 'draft';"
        " allowed next: mark-ready, withdraw"
    )
    assert words == (
        "Request NG-2026-0001-R01: cannot “Ask for additional information” from “Draft”;"
        " allowed next: “Mark ready for sending”, “Withdraw the request”"
    )
    assert in_plain_words("your role (case-officer, auditor) does not allow user.manage") == (
        "Your role (Case officer, Auditor) does not allow you to manage accounts"
    )


def test_signed_out_error_pages_offer_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/no/such/page", headers=HTML)
    assert response.status_code == 404
    assert _home_link(response.text) == "/login"


def test_a_wrong_method_names_the_allowed_ones(client: TestClient) -> None:
    """Issue 13.8: a 405 carries Allow (RFC 9110 §15.5.6), on the API and on pages."""
    answer = client.delete("/api/health")
    assert answer.status_code == 405 and "GET" in answer.headers["allow"]
    page = client.put("/login", headers={"accept": "text/html"})
    assert page.status_code == 405 and "GET" in page.headers["allow"]
