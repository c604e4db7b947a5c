"""The conversation of a request, the same on both nodes: NG (the suite's ``node``) asks GB
(a second node) for records; GB acknowledges with a note, asks a question, NG answers with a
document, GB reports partial and full execution with documents. Deliveries go straight to
the receiving node's ``receive`` (``Direct``)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from repatria.errors import InvalidInput, NotFound
from repatria.exchange.messages import ATTACHED_LIMIT
from repatria.service import cases, requests, users
from repatria.service.actor import Actor
from repatria.service.attachments import Upload, document_path, open_document
from repatria.service.exchange import deliver_due
from repatria.service.node import Node, init_node, open_node
from repatria.service.thread import ThreadEntry, move_with_documents, request_thread
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import OutboxRow
from repatria.store.tables import EventRow, RequestRow
from tests.conftest import PASSWORD, CaseFixture, People
from tests.exchange.directory_of import Direct, join

ORDER = Upload("court-order.txt", "text/plain", b"Order of the Federal High Court, Abuja: freeze.")


@dataclass
class Pair:
    ng: Node
    gb: Node
    ng_people: People
    gb_supervisor: Actor
    gb_officer: Actor
    transport: Direct

    def pump(self) -> None:
        for _ in range(5):
            later = utcnow() + timedelta(hours=2)
            sent = deliver_due(self.ng, self.transport, later)
            sent += deliver_due(self.gb, self.transport, later)
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
    join(endpoints, central_authorities=(gb,))
    yield Pair(node, gb, people, supervisor, officer, Direct(endpoints))
    gb.close()


def _incoming(pair: Pair) -> str:
    with pair.gb.transaction() as session:
        return session.scalars(select(RequestRow)).one().reference


def _converse(pair: Pair, fixture: CaseFixture) -> str:
    ng, gb, sup = pair.ng, pair.gb, pair.gb_supervisor
    requests.apply_transition(ng, pair.ng_people.officer, fixture.request, "mark-ready")
    requests.apply_transition(ng, pair.ng_people.supervisor, fixture.request, "send")
    pair.pump()
    gb_ref = _incoming(pair)
    requests.apply_transition(gb, sup, gb_ref, "acknowledge",
                              why="Received; assigned to J. Smith, asset recovery unit")  # fmt: skip
    requests.apply_transition(gb, sup, gb_ref, "request-additional-information",
                              why="Which accounts at Barclays?\nFor which years?")  # fmt: skip
    pair.pump()
    move_with_documents(ng, pair.ng_people.officer, fixture.request,
                        "provide-additional-information",
                        why="Accounts 1234 and 5678, 2019 to 2021.", uploads=[ORDER])  # fmt: skip
    pair.pump()
    requests.apply_transition(gb, sup, gb_ref, "start-execution")
    move_with_documents(gb, sup, gb_ref, "execute-partially", why="2019 statements produced",
                        uploads=[Upload("statements-2019.pdf", "application/pdf",
                                        b"%PDF-1.4 statements")])  # fmt: skip
    requests.apply_transition(gb, sup, gb_ref, "complete-execution", why="all records produced")
    pair.pump()
    return gb_ref


def _said(thread: list[ThreadEntry]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(e.type.value, e.direction, e.text, tuple(d.sha256 for d in e.documents))
            for e in thread]  # fmt: skip


def _mirror(said: list[tuple[str, str, str, tuple[str, ...]]]) -> list[tuple[str, ...]]:
    flip = {"sent": "received", "received": "sent"}
    return [(t, flip[d], x, *docs) for t, d, x, docs in said]


def test_both_nodes_show_the_same_conversation_mirrored(pair: Pair, ng_case: CaseFixture) -> None:
    gb_ref = _converse(pair, ng_case)
    ours = request_thread(pair.ng, pair.ng_people.officer, ng_case.request)
    theirs = request_thread(pair.gb, pair.gb_supervisor, gb_ref)
    assert [e.type.value for e in ours] == [
        "request", "acknowledgement", "additional-information-request",
        "additional-information", "status-answer", "partial-execution", "final-execution",
    ]  # fmt: skip
    assert [e.direction for e in ours] == ["sent", "received", "received", "sent", "received",
                                           "received", "received"]  # fmt: skip
    assert [(t, *rest) for t, *rest in _mirror(_said(theirs))] == [
        (t, d, x, *docs) for t, d, x, docs in _said(ours)
    ]
    assert ours[1].text == "Received; assigned to J. Smith, asset recovery unit"
    assert ours[2].text == "Which accounts at Barclays?\nFor which years?"
    assert ours[3].documents[0].sha256 == hashlib.sha256(ORDER.content).hexdigest()
    assert ours[3].documents[0].name == "court-order.txt"
    sent = ours[3].delivery
    assert sent is not None and sent.state == "delivered" and sent.receipt_status == "accepted"
    assert sent.log_index is not None and ours[3].article == "UNCAC 46(16)"
    assert ours[0].subject and ours[0].text == theirs[0].text


def test_the_question_is_recorded_once_and_the_acknowledgement_keeps_its_note(
    pair: Pair, ng_case: CaseFixture
) -> None:
    _converse(pair, ng_case)
    timeline = cases.case_timeline(pair.ng, pair.ng_people.officer, ng_case.case)
    asked = [e for e in timeline if e.action == "request.request-additional-information"]
    assert [e.why for e in asked] == ["Which accounts at Barclays?\nFor which years?"]
    assert sum("Which accounts" in e.why for e in timeline) == 1
    ack = next(e for e in timeline if e.action == "request.acknowledge")
    assert ack.why == "Received; assigned to J. Smith, asset recovery unit"


def test_received_documents_are_kept_by_hash_and_served_to_case_members_only(
    pair: Pair, ng_case: CaseFixture
) -> None:
    gb_ref = _converse(pair, ng_case)
    sha = hashlib.sha256(ORDER.content).hexdigest()
    for node in (pair.ng, pair.gb):
        path = document_path(node, sha)
        assert path.read_bytes() == ORDER.content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    got = open_document(pair.gb, pair.gb_supervisor, gb_ref, sha)
    assert got.content == ORDER.content and got.document.media_type == "text/plain"
    with pair.gb.transaction() as session:
        kinds = [e.action for e in session.scalars(select(EventRow)).all()]
    assert "document.received" in kinds and "document.exported" in kinds
    with pytest.raises(NotFound, match="not assigned"):
        open_document(pair.gb, pair.gb_officer, gb_ref, sha)


def test_a_too_large_upload_is_refused_before_anything_is_stored_or_queued(
    pair: Pair, ng_case: CaseFixture
) -> None:
    requests.apply_transition(pair.ng, pair.ng_people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(pair.ng, pair.ng_people.supervisor, ng_case.request, "send")
    pair.pump()
    requests.apply_transition(pair.gb, pair.gb_supervisor, _incoming(pair),
                              "request-additional-information", why="Which years?")  # fmt: skip
    pair.pump()
    big = Upload("scan.pdf", "application/pdf", b"x" * (ATTACHED_LIMIT + 1))
    with pytest.raises(InvalidInput, match="evidence transfer") as refused:
        move_with_documents(pair.ng, pair.ng_people.officer, ng_case.request,
                            "provide-additional-information", why="see scan", uploads=[big])  # fmt: skip
    assert refused.value.where == "files"
    assert not document_path(pair.ng, hashlib.sha256(big.content).hexdigest()).exists()
    with pair.ng.transaction() as session:
        queued = session.scalars(select(OutboxRow.message_type)).all()
        state = session.scalars(select(RequestRow.state)).one()
    assert queued == ["request"] and state == "additional-information-requested"


def test_a_request_off_the_network_shows_its_moves_recorded_by_hand(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    requests.apply_transition(node, people.officer, ng_case.request, "acknowledge",
                              why="letter of 3 March: received")  # fmt: skip
    (asked,) = [requests.ask_status(node, people.officer, ng_case.request, "Any progress?")]
    requests.answer_status(node, people.officer, ng_case.request, asked.id,
                           "phone call of 9 March: the bank is producing")  # fmt: skip
    thread = request_thread(node, people.officer, ng_case.request)
    assert [(e.type.value, e.direction, e.by_hand) for e in thread] == [
        ("request", "sent", True), ("acknowledgement", "received", True),
        ("status-inquiry", "sent", True), ("status-answer", "received", True)]  # fmt: skip
    assert thread[1].text == "letter of 3 March: received" and thread[1].delivery is None


def test_consultation_inquiries_and_refusal_read_the_same_on_both_nodes(
    pair: Pair, ng_case: CaseFixture
) -> None:
    ng, gb, sup = pair.ng, pair.gb, pair.gb_supervisor
    requests.apply_transition(ng, pair.ng_people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(ng, pair.ng_people.supervisor, ng_case.request, "send")
    pair.pump()
    gb_ref = _incoming(pair)
    requests.apply_transition(gb, sup, gb_ref, "acknowledge")
    pair.pump()
    requests.ask_status(ng, pair.ng_people.officer, ng_case.request, "When can we expect it?")
    pair.pump()
    (asked,) = requests.list_inquiries(gb, sup, gb_ref)
    requests.answer_status(gb, sup, gb_ref, asked.id, "The bank is producing the records.")
    requests.apply_transition(gb, sup, gb_ref, "open-consultation",
                              why="Execution would prejudice our own inquiry.",
                              grounds=["essential-interests"])  # fmt: skip
    pair.pump()
    requests.answer_consultation(ng, pair.ng_people.supervisor, ng_case.request, accepted=False,
                                 note="We cannot wait until September.")  # fmt: skip
    pair.pump()
    requests.apply_transition(gb, sup, gb_ref, "refuse", why="No conditions could help.",
                              grounds=["essential-interests"])  # fmt: skip
    pair.pump()
    ours = request_thread(ng, pair.ng_people.officer, ng_case.request)
    theirs = request_thread(gb, sup, gb_ref)
    assert [(e.type.value, e.direction) for e in ours] == [
        ("request", "sent"), ("acknowledgement", "received"), ("status-inquiry", "sent"),
        ("status-answer", "received"), ("consultation", "received"),
        ("consultation-answer", "sent"), ("refusal", "received"),
    ]  # fmt: skip
    assert _mirror(_said(theirs)) == [(t, d, x, *docs) for t, d, x, docs in _said(ours)]
    assert ours[3].text == "The bank is producing the records."
    assert ours[5].text == "conditions declined: We cannot wait until September."
    assert not any(e.by_hand for e in ours + theirs)  # every entry travelled, and shows how
    assert all(
        e.delivery and e.delivery.state == "delivered" for e in ours if e.direction == "sent"
    )
    assert ours[6].grounds == ("essential-interests",) == theirs[6].grounds
    assert [e.article for e in ours] == [e.article for e in theirs]
