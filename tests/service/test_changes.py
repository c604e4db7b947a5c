"""What changed, as a live page hears it: references of the person's cases only."""

from __future__ import annotations

import pytest

from repatria.errors import PermissionDenied
from repatria.service import cases, changes, requests
from repatria.service.node import Node
from tests.conftest import CaseFixture, People


def test_a_move_is_heard_by_members_of_the_case_with_its_references_only(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    start = changes.last_event_id(node)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    (change,) = changes.changes_after(node, people.supervisor, start)
    assert (change.case_reference, change.request_reference) == (ng_case.case, ng_case.request)
    assert change.event_id == changes.last_event_id(node) > start
    assert not change.by_you
    (own,) = changes.changes_after(node, people.officer, start)
    assert own.by_you  # the officer moved it: their page need not tell them
    assert changes.changes_after(node, people.supervisor, change.event_id) == []


def test_outsiders_hear_nothing_of_a_case_they_are_not_on(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    start = changes.last_event_id(node)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    assert changes.changes_after(node, people.outsider, start) == []
    assert changes.changes_after(node, people.admin, start) == []


def test_several_events_of_one_request_are_one_change_at_the_latest_id(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    start = changes.last_event_id(node)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.officer, ng_case.request, "revise")
    cases.assign_member(node, people.supervisor, ng_case.case, "outsider", "joins the team")
    found = changes.changes_after(node, people.outsider, start)
    # assigned now, the outsider hears of its case's changes, the assignment last
    assert [(c.case_reference, c.request_reference) for c in found] == [
        (ng_case.case, ng_case.request),
        (ng_case.case, None),
    ]
    assert found[-1].event_id == changes.last_event_id(node)


def test_a_removed_member_stops_hearing_at_once(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    cases.remove_member(node, people.supervisor, ng_case.case, "reviewer", "done")
    start = changes.last_event_id(node)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    assert changes.changes_after(node, people.reviewer, start) == []


def test_following_changes_is_a_recorded_decision(node: Node, people: People) -> None:
    changes.may_follow_changes(node, people.officer)
    with pytest.raises(PermissionDenied):
        changes.may_follow_changes(node, people.admin)
