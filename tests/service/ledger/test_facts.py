"""Issue 13.2: what the node decides from, edited beside the log, fails `ledger verify`.

Each test makes one insider edit to a decision table of a node with a case, a request that
travelled to another node and back, and accounts; verify must name the row that disagrees.
The edit is the one the issue reproduced: a title, a request's state, a member inserted, a
role added, a byte of a received message flipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from repatria.errors import NotFound
from repatria.service import requests
from repatria.service.exchange import deliver_due
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow
from repatria.store.tables import (
    AccessChainRow,
    AccessDecisionRow,
    CaseMemberRow,
    CaseRow,
    RequestRow,
    UserRow,
)
from tests.conftest import CaseFixture, People
from tests.exchange.directory_of import Direct, join


@pytest.fixture
def checked(node: Node, people: People, ng_case: CaseFixture) -> Node:
    with pytest.raises(NotFound):  # an outsider is refused, and the refusal recorded
        requests.get_request(node, people.outsider, ng_case.request)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    ledger_checkpoints.checkpoint_now(node)
    report = ledger_verification.verify_node_log(node)
    assert report.ok, report.problems
    return node


def _retitle(session: Session) -> None:
    session.execute(update(CaseRow).values(title="Nothing to see"))


def _restate(session: Session) -> None:
    session.execute(update(RequestRow).values(state="executed"))


def _add_member(session: Session) -> None:
    outsider = session.scalar(select(UserRow.id).where(UserRow.username == "outsider"))
    case = session.scalar(select(CaseRow.id))
    session.execute(insert(CaseMemberRow).values(case_id=case, user_id=outsider, added_by="x"))


def _add_role(session: Session) -> None:
    session.execute(
        update(UserRow)
        .where(UserRow.username == "officer")
        .values(roles=["case-officer", "supervisor"])
    )


def _disable(session: Session) -> None:
    session.execute(update(UserRow).where(UserRow.username == "auditor").values(active=False))


def _forget_decisions(session: Session) -> None:
    session.execute(delete(AccessDecisionRow))
    session.execute(delete(AccessChainRow))


def _soften_a_refusal(session: Session) -> None:
    refused = session.scalar(
        select(func.min(AccessDecisionRow.id)).where(~AccessDecisionRow.allowed)
    )
    session.execute(
        update(AccessDecisionRow).where(AccessDecisionRow.id == refused).values(allowed=True)
    )


def _drop_one_decision(session: Session) -> None:
    session.execute(delete(AccessDecisionRow).where(AccessDecisionRow.id == 2))


def _edit_a_reason(session: Session) -> None:
    session.execute(
        update(AccessDecisionRow).where(AccessDecisionRow.id == 1).values(reason="edited")
    )


EDITS: dict[str, tuple[Callable[[Session], None], str]] = {
    "every access decision deleted": (_forget_decisions, "no longer holds"),
    "a refusal turned into an allowance": (_soften_a_refusal, "does not follow from"),
    "one access decision deleted": (_drop_one_decision, "access decision 3: it does not follow"),
    "a decision's reason edited": (_edit_a_reason, "access decision 1: it does not follow"),
    "case title": (_retitle, "is not the one logged when it was opened"),
    "request state": (_restate, "but its logged moves leave it 'ready'"),
    "member inserted": (_add_member, "outsider is a member but no logged event made them one"),
    "role added": (_add_role, "account officer: roles"),
    "account disabled": (_disable, "account auditor: is disabled"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_beside_the_log_fails_verify_naming_the_row(checked: Node, name: str) -> None:
    edit, words = EDITS[name]
    with checked.transaction() as session:
        edit(session)
    report = ledger_verification.verify_node_log(checked)
    assert not report.ok
    assert any(words in p for p in report.problems), report.problems


@pytest.fixture
def exchanged(
    node: Node, people: People, ng_case: CaseFixture, tmp_path: Path
) -> Iterator[tuple[Node, Node]]:
    """The case's request sent to a GB node in process and received there."""
    settings = Settings(data_dir=tmp_path / "gb-uka", database_url=None)
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    nodes = {"https://ng.test": node, "https://gb.test": gb}
    join(nodes, central_authorities=(gb,))
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    (attempt,) = deliver_due(node, Direct(nodes), utcnow())
    assert attempt.state == "delivered", attempt.error
    yield node, gb
    gb.close()


def test_a_flipped_byte_of_a_received_message_fails_verify(exchanged: tuple[Node, Node]) -> None:
    _, receiver = exchanged
    assert ledger_verification.verify_node_log(receiver).ok
    with receiver.transaction() as session:
        row = session.scalars(select(InboxRow)).first()
        assert row is not None
        content = bytearray(row.content)
        at = content.index(b'"summary"') + 12
        content[at] ^= 0x01
        row.content = bytes(content)
    report = ledger_verification.verify_node_log(receiver)
    assert not report.ok
    assert any("is not what was signed and logged" in p for p in report.problems), report.problems
