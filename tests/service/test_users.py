"""Use cases of ``service.users``: accounts, their listing and disabling."""

from __future__ import annotations

import pytest

from repatria.errors import AuthenticationRequired, Conflict, InvalidInput, PermissionDenied
from repatria.service import users
from repatria.service.node import Node
from repatria.service.users import UserView
from tests.conftest import PASSWORD, People, snapshot


def test_list_users_gives_views_without_secrets(node: Node, people: People) -> None:
    listed = users.list_users(node, people.admin)
    assert [u.username for u in listed] == sorted(u.username for u in listed)
    officer = next(u for u in listed if u.username == "officer")
    assert officer == UserView("officer", "officer", ("case-officer",), True)
    assert officer.to_dict() == {
        "username": "officer",
        "display_name": "officer",
        "roles": ["case-officer"],
        "active": True,
    }


def test_list_users_is_for_administrators(node: Node, people: People) -> None:
    with pytest.raises(PermissionDenied, match="list accounts"):
        users.list_users(node, people.officer)


@pytest.mark.parametrize(
    ("username", "password", "where"),
    [("X", PASSWORD, "username"), ("-bad", PASSWORD, "username"), ("carol", "short", "password")],
)
def test_create_user_refuses_bad_input_and_stores_nothing(
    node: Node, people: People, username: str, password: str, where: str
) -> None:
    before = snapshot(node)
    with pytest.raises(InvalidInput) as refused:
        users.create_user(
            node, people.admin, username=username, password=password, roles=["auditor"]
        )
    assert refused.value.where == where
    assert snapshot(node) == before


def test_create_user_refuses_a_taken_name_and_a_second_first_admin(
    node: Node, people: People
) -> None:
    before = snapshot(node)
    with pytest.raises(Conflict) as taken:
        users.create_user(
            node, people.admin, username="officer", password=PASSWORD, roles=["auditor"]
        )
    assert taken.value.where == "username"
    with pytest.raises(PermissionDenied):
        users.create_user(node, None, username="carol", password=PASSWORD, roles=["node-admin"])
    assert snapshot(node) == before


def test_disabled_account_cannot_log_in_until_enabled(node: Node, people: People) -> None:
    users.set_user_active(node, people.admin, "officer", active=False, why="left the unit")
    assert not next(
        u for u in users.list_users(node, people.admin) if u.username == "officer"
    ).active
    with pytest.raises(AuthenticationRequired):
        users.authenticate_password(node, "officer", PASSWORD)
    users.set_user_active(node, people.admin, "officer", active=True, why="back")
    assert users.authenticate_password(node, "officer", PASSWORD).username == "officer"


def test_set_user_active_names_an_unknown_user(node: Node, people: People) -> None:
    before = snapshot(node)
    with pytest.raises(InvalidInput) as unknown:
        users.set_user_active(node, people.admin, "nobody", active=False, why="typo")
    assert unknown.value.where == "username"
    assert snapshot(node) == before
