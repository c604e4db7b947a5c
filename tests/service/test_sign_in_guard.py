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
from tests.conftest import PASSWORD, People


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
        client.post("/login", data={"username": "reviewer", "password": "x"})
    page = client.post("/login", data={"username": "reviewer", "password": PASSWORD})
    assert page.status_code == 429 and "sign-in is paused" in page.text
