from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest
from sqlalchemy import func, select

from repatria.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from repatria.service import audit, cases, deliveries, entities, keys, requests, users
from repatria.service.ledger import alarms, witnessing
from repatria.service.ledger.facts import check_facts
from repatria.service.node import Node
from repatria.store.tables import AccessDecisionRow
from tests.conftest import PASSWORD, CaseFixture, People


def test_outsiders_cannot_tell_a_case_exists(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    with pytest.raises(NotFound) as hidden:
        cases.get_case(node, people.outsider, ng_case.case)
    with pytest.raises(NotFound) as absent:
        cases.get_case(node, people.outsider, "NG-2026-9999")
    assert str(hidden.value).replace(ng_case.case, "X") == str(absent.value).replace(
        "NG-2026-9999", "X"
    )


def test_every_decision_is_recorded(node: Node, people: People, ng_case: CaseFixture) -> None:
    cases.get_case(node, people.officer, ng_case.case)
    with pytest.raises(NotFound):
        cases.get_case(node, people.outsider, ng_case.case)
    with node.transaction() as session:
        rows = session.scalars(
            select(AccessDecisionRow).order_by(AccessDecisionRow.id.desc()).limit(2)
        ).all()
    assert (rows[1].actor, rows[1].allowed, rows[1].case_reference) == (
        "officer",
        True,
        ng_case.case,
    )
    assert (rows[0].actor, rows[0].allowed, rows[0].reason) == (
        "outsider",
        False,
        "not assigned to the case",
    )
    log = audit.access_decisions(node, people.auditor, case=ng_case.case)
    assert log[0].actor == "auditor" or log[0].actor == "outsider"
    with pytest.raises(PermissionDenied):
        audit.access_decisions(node, people.officer)


def test_removal_takes_effect_on_the_next_call(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    assert requests.get_request(node, people.officer, ng_case.request)
    cases.remove_member(node, people.supervisor, ng_case.case, "officer", "moved to another team")
    with pytest.raises(NotFound):
        requests.get_request(node, people.officer, ng_case.request)


def test_admin_sees_no_case_content(node: Node, people: People, ng_case: CaseFixture) -> None:
    with pytest.raises(PermissionDenied, match=r"node-admin\) does not allow case.read"):
        cases.get_case(node, people.admin, ng_case.case)
    with pytest.raises(PermissionDenied):
        entities.list_entities(node, people.admin, ng_case.case)


def test_reviewer_and_auditor_read_but_do_not_act(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    for reader in (people.reviewer, people.auditor):
        assert cases.get_case(node, reader, ng_case.case).reference == ng_case.case
        with pytest.raises(PermissionDenied):
            requests.apply_transition(node, reader, ng_case.request, "mark-ready")


def test_disabled_account_loses_its_credentials(node: Node, people: People) -> None:
    from datetime import timedelta

    token = users.issue_credential(node, people.officer, kind="api", lifetime=timedelta(days=1))
    assert users.resolve_credential(node, token.secret, kind="api")[0].username == "officer"
    users.set_user_active(node, people.admin, "officer", active=False, why="left the unit")
    with pytest.raises(AuthenticationRequired):
        users.resolve_credential(node, token.secret, kind="api")
    with pytest.raises(AuthenticationRequired, match="wrong username or password"):
        users.authenticate_password(node, "officer", PASSWORD)


def test_passwords_and_tokens_are_never_stored_in_clear(node: Node, people: People) -> None:
    from datetime import timedelta

    token = users.issue_credential(node, people.officer, kind="api", lifetime=timedelta(days=1))
    with node.engine.connect() as connection:
        dump = "\n".join(str(r) for r in connection.exec_driver_sql("SELECT * FROM users").all())
        dump += "\n".join(
            str(r) for r in connection.exec_driver_sql("SELECT * FROM credentials").all()
        )
    assert PASSWORD not in dump and token.secret not in dump
    assert "$argon2id$" in dump


def test_last_member_stays(node: Node, people: People) -> None:
    case = cases.open_case(node, people.supervisor, {"title": "solo"})
    with pytest.raises(Conflict, match="last member"):
        cases.remove_member(node, people.supervisor, case.reference, "supervisor", "x")


def test_first_user_only_without_admin(node: Node, people: People) -> None:
    with pytest.raises(PermissionDenied, match="only a node administrator"):
        users.create_user(node, people.officer, username="x1", password=PASSWORD, roles=["auditor"])
    with pytest.raises(PermissionDenied):
        users.create_user(node, None, username="x2", password=PASSWORD, roles=["node-admin"])


def _last_decision(node: Node) -> tuple[str, str, bool]:
    with node.transaction() as session:
        row = session.scalars(
            select(AccessDecisionRow).order_by(AccessDecisionRow.id.desc()).limit(1)
        ).one()
        return row.actor, row.action, row.allowed


def test_operator_and_ledger_acts_are_decided_and_recorded_by_authorize(
    node: Node, people: People
) -> None:
    """Role checks that used to sit in a router or a use case's own ``if`` now go through
    ``authorize``: a refusal leaves its access decision, with the act's own words."""
    refused = [
        (lambda: users.list_users(node, people.officer), "user.manage", "list accounts"),
        (lambda: alarms.read_alarms(node, people.officer), "ledger.alarms", "read ledger alarms"),
        (lambda: deliveries.outbox(node, people.auditor), "exchange.operate", "read the outbox"),
        (lambda: deliveries.inbox(node, people.supervisor), "exchange.operate", "read the inbox"),
        (
            lambda: keys.rotate_key(node, people.auditor, "signing", "why"),
            "keys.rotate",
            "rotate the node's keys",
        ),
        (
            lambda: witnessing.add_peer(node, people.auditor, "gb-x", "http://x", "k", "k"),
            "ledger.peers",
            "configure ledger peers",
        ),
    ]
    for call, action, words in refused:
        with pytest.raises(PermissionDenied, match=words):
            call()
        assert _last_decision(node)[1:] == (action, False)
    assert alarms.read_alarms(node, people.auditor) == []
    assert _last_decision(node) == ("auditor", "ledger.alarms", True)
    assert alarms.read_alarms(node, people.admin) == []
    assert _last_decision(node) == ("admin", "ledger.alarms", True)


def test_decisions_taken_at_once_line_up_in_one_chain(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    """Four threads deciding at once (on PostgreSQL, four connections): the head row's lock
    puts every decision after exactly one other, so the chain verifies (issue 13.2)."""
    with node.transaction() as session:
        before = session.scalar(select(func.count()).select_from(AccessDecisionRow)) or 0

    def decide(who: str) -> None:
        for _ in range(15):
            with suppress(NotFound):
                cases.get_case(node, people.by_name(who), ng_case.case)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(decide, ["officer", "outsider", "supervisor", "outsider"]))
    with node.transaction() as session:
        rows = list(session.scalars(select(AccessDecisionRow).order_by(AccessDecisionRow.id)))
        assert len(rows) == before + 60
        assert len({row.chain for row in rows}) == len(rows)
        assert check_facts(session) == []
