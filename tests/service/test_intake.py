"""The intake: requests arriving from another state wait for a supervisor to assign them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from repatria.domain.lifecycle import RequestState
from repatria.domain.measure import Measure
from repatria.errors import NotFound, PermissionDenied
from repatria.service import cases, requests, users
from repatria.service.actor import Actor
from repatria.service.exchange import deliver_due
from repatria.service.intake import assignees, intake
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import utcnow
from tests.conftest import PASSWORD, CaseFixture, People
from tests.exchange.directory_of import Direct, join


@dataclass
class Uk:
    node: Node
    supervisor: Actor
    officer: Actor
    other_officer: Actor
    reference: str
    """The incoming request GB opened from NG's request."""


def send_to_uk(node: Node, people: People, reference: str, gb: Node) -> None:
    requests.apply_transition(node, people.officer, reference, "mark-ready")
    requests.apply_transition(node, people.supervisor, reference, "send")
    endpoints = {"http://127.0.0.1:1": node, "http://127.0.0.1:2": gb}
    (attempt,) = deliver_due(node, Direct(endpoints), utcnow() + timedelta(hours=1))
    assert attempt.state == "delivered", attempt.error


@pytest.fixture
def uk(node: Node, people: People, ng_case: CaseFixture, tmp_path: Path) -> Iterator[Uk]:
    settings = Settings(data_dir=tmp_path / "gb-uka")
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    admin = users.create_user(gb, None, username="gbadmin", password=PASSWORD, roles=["node-admin"])
    supervisor = users.create_user(gb, admin, username="gbsup", password=PASSWORD,
                                   roles=["supervisor"])  # fmt: skip
    officer = users.create_user(gb, admin, username="gbofficer", password=PASSWORD,
                                roles=["case-officer"], display_name="Grace Officer")  # fmt: skip
    other = users.create_user(gb, admin, username="gbother", password=PASSWORD,
                              roles=["case-officer"])  # fmt: skip
    join({"http://127.0.0.1:1": node, "http://127.0.0.1:2": gb}, central_authorities=(gb,))
    send_to_uk(node, people, ng_case.request, gb)
    (incoming,) = requests.list_requests(gb, supervisor, requests.RequestFilter())
    yield Uk(gb, supervisor, officer, other, incoming.reference)
    gb.close()


def test_an_arrived_request_is_in_the_supervisors_intake_with_what_triage_needs(uk: Uk) -> None:
    (item,) = intake(uk.node, uk.supervisor)
    assert item.reference == uk.reference
    assert item.requesting_state == "NG"
    assert item.measures == (Measure.RECORDS,)
    assert item.state is RequestState.SENT
    assert item.confidential is True and item.urgent is False
    assert item.received_at <= utcnow()


def test_officers_see_neither_the_intake_nor_the_request_until_assigned(uk: Uk) -> None:
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        intake(uk.node, uk.officer)
    assert requests.list_requests(uk.node, uk.officer, requests.RequestFilter()) == []
    with pytest.raises(NotFound):
        requests.get_request(uk.node, uk.officer, uk.reference)


def test_assigning_an_officer_takes_the_request_out_of_the_intake(uk: Uk) -> None:
    case = requests.get_request(uk.node, uk.supervisor, uk.reference).case_reference
    cases.assign_member(uk.node, uk.supervisor, case, "gbofficer", "handles NG requests")
    assert intake(uk.node, uk.supervisor) == []
    assert requests.get_request(uk.node, uk.officer, uk.reference).reference == uk.reference
    timeline = cases.case_timeline(uk.node, uk.supervisor, case)
    added = [e for e in timeline if e.action == "case.member-added"]
    assert added[-1].details == {"username": "gbofficer"}
    assert added[-1].why == "handles NG requests"
    # unassigned again, the officer loses it and it is back in the intake
    cases.remove_member(uk.node, uk.supervisor, case, "gbofficer", "wrong desk")
    assert [i.reference for i in intake(uk.node, uk.supervisor)] == [uk.reference]
    with pytest.raises(NotFound):
        requests.get_request(uk.node, uk.officer, uk.reference)


def test_a_closed_request_leaves_the_intake(
    uk: Uk, node: Node, people: People, ng_case: CaseFixture
) -> None:
    requests.apply_transition(
        node, people.officer, ng_case.request, "withdraw", why="no longer needed"
    )
    endpoints = {"http://127.0.0.1:1": node, "http://127.0.0.1:2": uk.node}
    deliver_due(node, Direct(endpoints), utcnow() + timedelta(hours=1))
    assert requests.get_request(uk.node, uk.supervisor, uk.reference).state is (
        RequestState.WITHDRAWN
    )
    assert intake(uk.node, uk.supervisor) == []


def test_assignees_are_the_active_case_officers(uk: Uk) -> None:
    found = assignees(uk.node, uk.supervisor)
    assert [(a.username, a.display_name) for a in found] == [
        ("gbofficer", "Grace Officer"),
        ("gbother", "gbother"),
    ]
    users.set_user_active(uk.node, users.find_user(uk.node, "gbadmin"), "gbother",
                          active=False, why="left")  # fmt: skip
    assert [a.username for a in assignees(uk.node, uk.supervisor)] == ["gbofficer"]
    with pytest.raises(PermissionDenied):
        assignees(uk.node, uk.officer)
