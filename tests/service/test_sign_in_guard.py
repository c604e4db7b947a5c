"""Issue 13.3: repeated failed sign-ins pause the account and the source, and are logged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from repatria.domain.event import EventKind
from repatria.errors import AuthenticationRequired, TooManyAttempts
from repatria.service.ledger.alarms import alarms
from repatria.service.node import Node
from repatria.service.sign_in_guard import PAUSED_ALARM
from repatria.service.users import authenticate_password
from repatria.store.tables import EventRow
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import PASSWORD, People, sign_in_form


def _kinds(node: Node) -> list[str]:
    with node.transaction() as session:
        return list(
            session.scalars(
                select(EventRow.action)
                .where(EventRow.action.like("user.sign-in-%"))
                .order_by(EventRow.id)
            )
        )


def test_five_failures_pause_the_account_even_for_the_right_password(
    node: Node, people: People
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationRequired, match="wrong username or password"):
            authenticate_password(node, "officer", "guess", source="10.0.0.9")
    with pytest.raises(TooManyAttempts, match="paused") as paused:
        authenticate_password(node, "officer", PASSWORD, source="10.0.0.9")
    assert 0 < paused.value.retry_after <= 15 * 60
    # another account is not paused, from this source or another
    assert authenticate_password(node, "supervisor", PASSWORD, source="10.0.0.9").username
    assert _kinds(node) == [EventKind.SIGN_IN_FAILED] * 5 + [EventKind.SIGN_IN_PAUSED]
    assert [a.kind for a in alarms(node) if a.kind == PAUSED_ALARM] == [PAUSED_ALARM]


def test_one_source_trying_many_accounts_is_paused_but_others_are_not(
    node: Node, people: People
) -> None:
    for i in range(20):
        with pytest.raises(AuthenticationRequired):
            authenticate_password(node, f"user{i}", "guess", source="192.0.2.7")
    with pytest.raises(TooManyAttempts):
        authenticate_password(node, "officer", PASSWORD, source="192.0.2.7")
    assert authenticate_password(node, "officer", PASSWORD, source="192.0.2.8").username


def test_the_api_and_the_login_form_answer_429_with_retry_after(
    client: TestClient, node: Node, people: People
) -> None:
    answers = [
        client.post("/api/auth/token", json={"username": "auditor", "password": "x"}).status_code
        for _ in range(6)
    ]
    assert answers == [401] * 5 + [429]
    paused = client.post("/api/auth/token", json={"username": "auditor", "password": PASSWORD})
    assert paused.status_code == 429 and int(paused.headers["retry-after"]) > 0
    assert paused.json()["error"]["type"] == "too_many_attempts"
    for _ in range(5):
        client.post("/login", data=sign_in_form(client, "reviewer", "x"))
    page = client.post("/login", data=sign_in_form(client, "reviewer", PASSWORD))
    assert page.status_code == 429 and "sign-in is paused" in page.text
    assert int(page.headers["retry-after"]) > 0


def test_a_sign_in_form_not_served_by_the_node_is_refused_and_logged(
    client: TestClient, node: Node, people: People
) -> None:
    """Login CSRF: a form posted from elsewhere (no token, or not the cookie's) signs no one in."""
    forged = client.post("/login", data={"username": "officer", "password": PASSWORD},
                         follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403 and "did not come from this node" in forged.text
    assert SESSION_COOKIE not in forged.cookies
    form = sign_in_form(client, "officer", PASSWORD)
    wrong = client.post("/login", data=form | {"csrf": "x" * 43}, follow_redirects=False)
    assert wrong.status_code == 403
    with node.transaction() as session:
        logged = session.scalars(
            select(EventRow).where(EventRow.action == EventKind.SIGN_IN_FAILED.value)
        ).all()
    assert [e.details.get("reason") for e in logged] == ["csrf", "csrf"]
    good = client.post("/login", data=sign_in_form(client, "officer", PASSWORD),
                       follow_redirects=False)  # fmt: skip
    assert good.status_code == 303 and SESSION_COOKIE in good.cookies
