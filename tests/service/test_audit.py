"""Use cases of ``service.audit``: the auditor's log of access decisions."""

from __future__ import annotations

import pytest

from repatria.errors import NotFound, PermissionDenied
from repatria.service import audit, cases
from repatria.service.audit import AccessDecisionView
from repatria.service.node import Node
from tests.conftest import CaseFixture, People, snapshot


def test_access_decisions_show_allowed_and_denied_newest_first(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    cases.get_case(node, people.officer, ng_case.case)
    with pytest.raises(NotFound):  # an outsider is not told the case exists
        cases.get_case(node, people.outsider, ng_case.case)
    log = audit.access_decisions(node, people.auditor, case=ng_case.case, limit=2)
    assert all(isinstance(d, AccessDecisionView) for d in log)
    assert [(d.actor, d.allowed) for d in log] == [("outsider", False), ("officer", True)]
    assert log[0].case == ng_case.case and log[0].reason
    assert set(log[0].to_dict()) == {"at", "actor", "action", "case", "allowed", "reason"}


def test_access_decisions_are_for_auditors_and_change_nothing(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    before = snapshot(node)
    with pytest.raises(PermissionDenied):
        audit.access_decisions(node, people.officer)
    assert snapshot(node) == before
