"""Use cases of ``service.ledger.alarms``: reading and clearing ledger alarms (R3, R4)."""

from __future__ import annotations

import pytest

from repatria.errors import InvalidInput, NotFound, PermissionDenied
from repatria.service.ledger import alarms
from repatria.service.ledger.alarms import AlarmView
from repatria.service.node import Node
from tests.conftest import People, snapshot


def test_an_alarm_is_read_with_its_evidence_and_cleared_once(node: Node, people: People) -> None:
    alarm_id = alarms.raise_alarm(
        node, "repatria/gb-a", "split-view", "two roots", previous_note="a", new_note="b"
    )
    (alarm,) = alarms.read_alarms(node, people.auditor)
    assert isinstance(alarm, AlarmView)
    assert (alarm.id, alarm.kind, alarm.previous_checkpoint, alarm.new_checkpoint) == (
        alarm_id,
        "split-view",
        "a",
        "b",
    )
    assert alarm.to_dict()["cleared_at"] is None and alarm.to_dict()["proof"] == []
    cleared = alarms.clear_alarm(node, people.admin, alarm_id, "operator explained the fork")
    assert cleared.cleared_by == "admin" and cleared.clear_reason == "operator explained the fork"
    assert alarms.read_alarms(node, people.admin) == []
    assert [a.id for a in alarms.alarms(node, include_cleared=True)] == [alarm_id]


def test_clear_alarm_refuses_and_changes_nothing(node: Node, people: People) -> None:
    alarm_id = alarms.raise_alarm(node, "repatria/gb-a", "rollback", "went back")
    before = snapshot(node)
    with pytest.raises(InvalidInput) as no_reason:
        alarms.clear_alarm(node, people.admin, alarm_id, "  ")
    assert no_reason.value.where == "why"
    with pytest.raises(NotFound) as unknown:
        alarms.clear_alarm(node, people.admin, alarm_id + 1, "typo")
    assert unknown.value.where == "alarm_id"
    with pytest.raises(PermissionDenied):
        alarms.clear_alarm(node, people.officer, alarm_id, "not mine")
    assert snapshot(node) == before
    alarms.clear_alarm(node, people.admin, alarm_id, "restored from backup")
    with pytest.raises(InvalidInput, match="already cleared") as twice:
        alarms.clear_alarm(node, people.admin, alarm_id, "again")
    assert twice.value.where == "alarm_id"


def test_read_alarms_is_for_auditors_and_admins(node: Node, people: People) -> None:
    with pytest.raises(PermissionDenied, match="read ledger alarms"):
        alarms.read_alarms(node, people.officer)
