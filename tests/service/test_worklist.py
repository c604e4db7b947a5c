"""The work queue: what waits for each person, group by group, with deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from repatria.domain.lifecycle import Direction, RequestState
from repatria.service import requests
from repatria.service.node import Node
from repatria.service.worklist import ANSWER_INQUIRY, Worklist, worklist
from repatria.store.tables import InquiryRow, RequestRow
from tests.conftest import REQUEST_BODY, CaseFixture, People

TODAY = date.today()
"""Deadlines must lie in the future when set, so the tests count from today."""


def refs(items: tuple[object, ...]) -> list[str]:
    return [i.reference for i in items]  # type: ignore[attr-defined]


def incoming(node: Node, people: People, case: str, **extra: object) -> str:
    """An incoming request entered by hand from a letter of the UK (no node of its own)."""
    body = REQUEST_BODY | {"direction": "incoming", "requesting_state": "GB",
                           "requested_state": "NG", "subjects": []} | extra  # fmt: skip
    return requests.open_request(node, people.officer, case, body).reference


def test_a_draft_is_to_draft_for_the_members_of_its_case(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    work = worklist(node, people.officer, TODAY)
    assert refs(work.to_draft) == [ng_case.request]
    (item,) = work.to_draft
    assert item.direction is Direction.OUTGOING and item.other_state == "GB"
    assert item.next_move == "Complete the draft and mark it ready"
    # the deadline is the saved draft's (tests/conftest.py: 90 days ahead), far from due
    assert (item.deadline, item.days_left, item.due_soon) == (TODAY + timedelta(days=90), 90, False)
    assert refs(worklist(node, people.supervisor, TODAY).to_draft) == [ng_case.request]


def test_a_ready_request_waits_for_a_supervisor_to_approve_it(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    supervisor = worklist(node, people.supervisor, TODAY)
    assert refs(supervisor.to_approve) == [ng_case.request] and supervisor.approves
    assert supervisor.to_approve[0].next_move.startswith("Approve and send")
    officer = worklist(node, people.officer, TODAY)
    assert (officer.to_draft, officer.to_approve, officer.approves) == ((), (), False)


def test_to_answer_holds_incoming_requests_and_questions_of_the_other_state(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    arrived = incoming(node, people, ng_case.case)
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    work = worklist(node, people.officer, TODAY)
    assert refs(work.to_answer) == [arrived]
    assert work.to_answer[0].next_move == "Acknowledge receipt"
    assert work.to_answer[0].state is RequestState.SENT
    # the UK asks for more on our outgoing request (entered by hand from its letter): ours to answer
    requests.apply_transition(node, people.officer, ng_case.request, "acknowledge")
    requests.apply_transition(node, people.officer, ng_case.request,
                              "request-additional-information", why="which account?")  # fmt: skip
    moves = {i.reference: i.next_move for i in worklist(node, people.officer, TODAY).to_answer}
    assert moves == {arrived: "Acknowledge receipt",
                     ng_case.request: "Give the additional information"}  # fmt: skip


def test_a_status_inquiry_of_the_other_state_is_to_answer(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    assert worklist(node, people.officer, TODAY).to_answer == ()  # sent: waits for the UK
    with node.transaction() as session:  # as service.incoming records a StatusInquiry
        row = session.query(RequestRow).filter_by(reference=ng_case.request).one()
        session.add(InquiryRow(request_id=row.id, asked_by="node:gb-uka", question="status?"))
    (item,) = worklist(node, people.officer, TODAY).to_answer
    assert (item.reference, item.next_move) == (ng_case.request, ANSWER_INQUIRY)


def test_deadlines_say_the_days_left_and_highlight_those_within_the_reminder_window(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    assert node.settings.reminder_days == 7
    soon = incoming(node, people, ng_case.case, deadline=(TODAY + timedelta(days=7)).isoformat(),
                    deadline_reason="hearing on that date")  # fmt: skip
    later = incoming(node, people, ng_case.case, deadline=(TODAY + timedelta(days=8)).isoformat(),
                     deadline_reason="hearing on that date", urgent=True)  # fmt: skip
    work = worklist(node, people.officer, TODAY)
    by_ref = {i.reference: i for i in work.to_answer}
    assert (by_ref[soon].days_left, by_ref[soon].due_soon) == (7, True)
    assert (by_ref[later].days_left, by_ref[later].due_soon) == (8, False)
    assert refs(work.to_answer) == [later, soon]  # urgent first


def test_a_request_past_its_deadline_is_overdue_and_only_there(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    late = incoming(node, people, ng_case.case, deadline=(TODAY + timedelta(days=3)).isoformat(),
                    deadline_reason="asset may move")  # fmt: skip
    work = worklist(node, people.officer, TODAY + timedelta(days=5))
    assert refs(work.overdue) == [late]
    assert work.overdue[0].days_left == -2 and not work.overdue[0].due_soon
    assert late not in refs(work.to_answer)
    # closed requests wait for nobody, however late they were
    requests.apply_transition(node, people.officer, ng_case.request, "withdraw", why="done")
    requests.apply_transition(node, people.officer, late, "acknowledge")
    requests.apply_transition(node, people.officer, late, "start-execution")
    requests.apply_transition(node, people.officer, late, "complete-execution")
    assert worklist(node, people.officer, TODAY + timedelta(days=5)).empty


def test_nobody_sees_the_work_of_cases_they_are_not_on(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    incoming(node, people, ng_case.case)
    assert worklist(node, people.outsider, TODAY) == Worklist((), (), (), (), 7, False)
