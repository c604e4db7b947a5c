"""The MLA dialogue between two nodes: a move here becomes a message, the message a move there.

NG (the ``node`` fixture, on the suite's database) asks GB (a second node on SQLite) for
records. Every move of one side is queued in its own transaction and, delivered, applies
the same move on the other node as reported by it; the incoming request appears in the
case list of GB's supervisors and of nobody else. Delivery here goes through
``receive`` directly (``Direct``); the same path over real HTTP between node processes is
in ``test_network.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from repatria.errors import Conflict, InvalidInput, PermissionDenied
from repatria.service import cases, requests, users
from repatria.service.actor import Actor
from repatria.service.exchange import TransportError, deliver_due
from repatria.service.ledger.alarms import alarms
from repatria.service.node import Node, init_node, open_node
from repatria.service.spontaneous import send_spontaneous
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.tables import EventRow, RequestRow
from tests.conftest import PASSWORD, CaseFixture, People, snapshot
from tests.exchange.directory_of import Direct, join


@dataclass
class Pair:
    ng: Node
    gb: Node
    ng_people: People
    gb_supervisor: Actor
    gb_officer: Actor
    transport: Direct
    directory_key: Ed25519PrivateKey

    def pump(self) -> None:
        """Deliver everything due both ways until nothing is pending."""
        for _ in range(5):
            sent = deliver_due(self.ng, self.transport, utcnow() + timedelta(hours=2))
            sent += deliver_due(self.gb, self.transport, utcnow() + timedelta(hours=2))
            if not sent:
                return


@pytest.fixture
def pair(node: Node, people: People, tmp_path: Path) -> Iterator[Pair]:
    settings = Settings(data_dir=tmp_path / "gb-uka")
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    admin = users.create_user(gb, None, username="gbadmin", password=PASSWORD, roles=["node-admin"])
    supervisor = users.create_user(gb, admin, username="gbsup", password=PASSWORD,
                                   roles=["supervisor"])  # fmt: skip
    officer = users.create_user(gb, admin, username="gbofficer", password=PASSWORD,
                                roles=["case-officer"])  # fmt: skip
    endpoints = {"http://127.0.0.1:1": node, "http://127.0.0.1:2": gb}
    key = join(endpoints, central_authorities=(gb,))
    transport = Direct(endpoints)
    yield Pair(node, gb, people, supervisor, officer, transport, key)
    gb.close()


def _send(pair: Pair, fixture: CaseFixture) -> None:
    people = pair.ng_people
    requests.apply_transition(pair.ng, people.officer, fixture.request, "mark-ready")
    requests.apply_transition(pair.ng, people.supervisor, fixture.request, "send")


def _incoming(pair: Pair) -> RequestRow:
    with pair.gb.transaction() as session:
        return session.scalars(select(RequestRow)).one()


def test_sending_queues_the_request_in_the_same_transaction(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    with pair.ng.transaction() as session:
        row = session.scalars(select(OutboxRow)).one()
        request = session.scalars(select(RequestRow)).one()
        queued = session.scalars(select(EventRow).where(EventRow.action == "message.queued")).one()
    assert (row.recipient, row.message_type, row.state) == ("gb-uka", "request", "pending")
    assert row.request_id == request.id and request.peer_node == "gb-uka"
    assert queued.request_id == request.id and queued.details["message_id"] == row.message_id


def test_the_request_arrives_as_an_incoming_request_for_the_supervisors_only(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    incoming = _incoming(pair)
    assert (incoming.direction, incoming.state, incoming.requesting_state) == (
        "incoming", "sent", "NG")  # fmt: skip
    assert incoming.foreign_reference == ng_case.request
    assert incoming.document is not None and incoming.document["reference"] == ng_case.request
    listed = cases.list_cases(pair.gb, pair.gb_supervisor)
    assert [c.title for c in listed] == [f"Incoming: {incoming.title}"]
    assert cases.list_cases(pair.gb, pair.gb_officer) == []
    found = requests.list_requests(pair.gb, pair.gb_supervisor,
                                   requests.RequestFilter(direction="incoming"))  # fmt: skip
    assert [r.reference for r in found] == [incoming.reference]
    with pair.ng.transaction() as session:
        receipt = session.scalars(select(ReceiptRow)).one()
        outbox = session.scalars(select(OutboxRow)).one()
    assert receipt.message_id == outbox.message_id and outbox.state == "delivered"


def test_each_move_of_the_requested_side_is_mirrored_on_the_requesting_node(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    steps = [
        ("acknowledge", "", "acknowledged"),
        ("start-execution", "", "in-execution"),
        ("execute-partially", "bank statements 2019 produced", "partially-executed"),
        ("complete-execution", "all records produced", "executed"),
    ]
    for name, why, state in steps:
        requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, name, why=why)
        pair.pump()
        ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
        assert ours.state.value == state, name
    ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.foreign_reference == gb_ref  # learnt from the acknowledgement
    timeline = cases.case_timeline(pair.ng, pair.ng_people.officer, ng_case.case)
    reported = [e for e in timeline if e.action == "request.complete-execution"]
    assert reported and reported[0].actor == "node:gb-uka"
    assert reported[0].details["reported_by"] == "gb-uka"


def test_a_refusal_after_consultation_carries_its_grounds(pair: Pair, ng_case: CaseFixture) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    sup = pair.gb_supervisor
    requests.apply_transition(pair.gb, sup, gb_ref, "acknowledge")
    requests.apply_transition(pair.gb, sup, gb_ref, "open-consultation",
                              why="execution would prejudice our own investigation",
                              grounds=["essential-interests"])  # fmt: skip
    requests.apply_transition(pair.gb, sup, gb_ref, "refuse", why="no conditions could help",
                              grounds=["essential-interests"])  # fmt: skip
    pair.pump()
    ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.state.value == "refused"
    timeline = cases.case_timeline(pair.ng, pair.ng_people.officer, ng_case.case)
    refusal = next(e for e in timeline if e.action == "request.refuse")
    assert refusal.details["grounds"] == ["essential-interests"]
    assert refusal.why == "no conditions could help"


def test_withdrawal_by_the_requesting_side_reaches_the_requested_node(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    requests.apply_transition(pair.ng, pair.ng_people.officer, ng_case.request, "withdraw",
                              why="the assets were repatriated voluntarily")  # fmt: skip
    pair.pump()
    assert _incoming(pair).state == "withdrawn"


def test_a_message_that_cannot_apply_is_kept_with_its_reason_and_an_alarm(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    # NG withdraws by hand while GB's acknowledgement is on its way: the move is refused.
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "acknowledge")
    with pair.ng.transaction() as session:
        row = session.scalars(select(RequestRow)).one()
        row.state = "withdrawn"
    pair.pump()
    with pair.ng.transaction() as session:
        inbox = session.scalars(select(InboxRow)).one()
        count = session.scalar(select(func.count()).select_from(InboxRow))
    assert count == 1 and inbox.outcome.startswith("not applied:")
    assert any(a.kind == "message-unapplied" for a in alarms(pair.ng))
    assert requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request).state.value == (
        "withdrawn"
    )


def test_a_request_without_a_node_for_its_state_travels_outside_the_network(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    # No directory accepted: the move is recorded and nothing is queued.
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    with node.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert session.scalars(select(RequestRow.peer_node)).one() is None


def test_the_other_sides_moves_arrive_only_as_messages(pair: Pair, ng_case: CaseFixture) -> None:
    _send(pair, ng_case)
    before = snapshot(pair.ng)
    with pytest.raises(Conflict, match="travels with node gb-uka"):
        requests.apply_transition(pair.ng, pair.ng_people.officer, ng_case.request, "acknowledge")
    assert snapshot(pair.ng) == before


def test_a_status_inquiry_and_its_answer_travel_between_the_nodes(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    requests.ask_status(pair.ng, pair.ng_people.officer, ng_case.request, "When can we expect it?")
    pair.pump()
    (asked,) = requests.list_inquiries(pair.gb, pair.gb_supervisor, gb_ref)
    assert (asked.question, asked.asked_by) == ("When can we expect it?", "node:ng-test")
    requests.answer_status(pair.gb, pair.gb_supervisor, gb_ref, asked.id, "bank is producing")
    pair.pump()
    (ours,) = requests.list_inquiries(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.answered_by == "node:gb-uka"
    assert ours.answer == "bank is producing (state: sent)"


def test_conditions_offered_in_a_consultation_are_answered_over_the_network(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "acknowledge")
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "open-consultation",
                              why="we can execute if the records are not used for tax")  # fmt: skip
    pair.pump()
    with pytest.raises(PermissionDenied):
        requests.answer_consultation(pair.ng, pair.ng_people.officer, ng_case.request,
                                     accepted=True)  # fmt: skip
    requests.answer_consultation(pair.ng, pair.ng_people.supervisor, ng_case.request,
                                 accepted=True, note="agreed: criminal use only")  # fmt: skip
    pair.pump()
    gb_case = requests.get_request(pair.gb, pair.gb_supervisor, gb_ref).case_reference
    timeline = cases.case_timeline(pair.gb, pair.gb_supervisor, gb_case)
    answered = next(e for e in timeline if e.action == "request.conditions-answered")
    assert answered.actor == "node:ng-test" and answered.details["accepted"] is True
    # the requested side now agrees the conditions and goes on executing
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "agree-conditions",
                              why="criminal use only")  # fmt: skip
    pair.pump()
    ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.state.value == "in-execution"


def test_a_consultation_answer_needs_an_open_consultation(pair: Pair, ng_case: CaseFixture) -> None:
    _send(pair, ng_case)
    with pytest.raises(Conflict, match="no open consultation"):
        requests.answer_consultation(pair.ng, pair.ng_people.supervisor, ng_case.request,
                                     accepted=False, note="no")  # fmt: skip


def test_spontaneous_information_opens_a_case_for_the_other_states_intake(
    pair: Pair, ng_case: CaseFixture
) -> None:
    with pytest.raises(PermissionDenied):
        send_spontaneous(pair.ng, pair.ng_people.officer, ng_case.case, recipient="gb-uka",
                         basis="56", summary="a flat in London bought with bribes")  # fmt: skip
    with pytest.raises(InvalidInput, match="accepted: 46"):
        send_spontaneous(pair.ng, pair.ng_people.supervisor, ng_case.case, recipient="gb-uka",
                         basis="57", summary="x")  # fmt: skip
    send_spontaneous(pair.ng, pair.ng_people.supervisor, ng_case.case, recipient="gb-uka",
                     basis="56", summary="a flat in London bought with bribes")  # fmt: skip
    pair.pump()
    (case,) = cases.list_cases(pair.gb, pair.gb_supervisor)
    assert case.title == "Spontaneous information from ng-test (UNCAC 56)"
    assert case.summary == "a flat in London bought with bribes"
    assert cases.list_cases(pair.gb, pair.gb_officer) == []


class Flaky(Direct):
    """Refuses the first ``failures`` connections, then delivers (a peer that came back)."""

    def __init__(self, nodes: dict[str, Node], failures: int) -> None:
        super().__init__(nodes)
        self.failures = failures

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        if self.failures > 0:
            self.failures -= 1
            raise TransportError("connection refused")
        return super().send(endpoint, envelope)


def test_messages_of_one_request_never_overtake_each_other(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _send(pair, ng_case)
    pair.pump()
    gb_ref = _incoming(pair).reference
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "acknowledge")
    requests.apply_transition(pair.gb, pair.gb_supervisor, gb_ref, "start-execution")
    # the acknowledgement's first attempt fails; the start of execution must wait behind it
    flaky = Flaky(pair.transport.nodes, failures=1)
    now = utcnow()
    (first,) = deliver_due(pair.gb, flaky, now)
    assert (first.state, first.attempts) == ("pending", 1)
    ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.state.value == "sent"  # nothing overtook the acknowledgement
    delivered = deliver_due(pair.gb, flaky, now + timedelta(hours=1))
    assert [a.state for a in delivered] == ["delivered"]
    delivered += deliver_due(pair.gb, flaky, now + timedelta(hours=1))
    assert [a.state for a in delivered] == ["delivered", "delivered"]
    ours = requests.get_request(pair.ng, pair.ng_people.officer, ng_case.request)
    assert ours.state.value == "in-execution"
