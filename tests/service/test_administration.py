"""The node administrator's page: accounts, witnesses, alarms and keys, nothing of a case."""

from __future__ import annotations

import pytest

from repatria.errors import PermissionDenied
from repatria.service.administration import node_overview
from repatria.service.ledger.alarms import raise_alarm
from repatria.service.node import Node
from tests.conftest import People


def test_the_admin_reads_accounts_alarms_witnesses_and_keys(node: Node, people: People) -> None:
    raise_alarm(node, "ng-test", "test-alarm", "a checkpoint did not verify")
    overview = node_overview(node, people.admin)
    assert {u.username: u.roles for u in overview.users}["officer"] == ("case-officer",)
    assert len(overview.users) == 6
    assert [a.reason for a in overview.alarms] == ["a checkpoint did not verify"]
    assert overview.peers == ()
    assert {k.record.purpose.value for k in overview.keys.keys} >= {"signing", "witness"}


@pytest.mark.parametrize("name", ["supervisor", "officer", "auditor", "reviewer"])
def test_no_other_role_reads_it(node: Node, people: People, name: str) -> None:
    with pytest.raises(PermissionDenied):
        node_overview(node, people.by_name(name))
