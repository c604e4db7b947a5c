from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from repatria.domain.lifecycle import RequestState
from repatria.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from repatria.service import cases, drafting, requests
from repatria.service.node import Node
from repatria.store.tables import EventRow
from tests.conftest import REQUEST_BODY, CaseFixture, People, complete_document, snapshot

FULL_PATH = [
    ("officer", "mark-ready", ""),
    ("supervisor", "send", ""),
    ("officer", "acknowledge", ""),
    ("officer", "request-additional-information", "which period?"),
    ("officer", "provide-additional-information", "2019-2021"),
    ("officer", "start-execution", ""),
    ("officer", "execute-partially", ""),
    ("officer", "complete-execution", ""),
]


def test_full_lifecycle_writes_one_event_per_move(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    for who, move, why in FULL_PATH:
        requests.apply_transition(node, people.by_name(who), ng_case.request, move, why=why)
    final = requests.get_request(node, people.officer, ng_case.request)
    assert final.state is RequestState.EXECUTED
    timeline = cases.case_timeline(node, people.officer, ng_case.case)
    moves = [e for e in timeline if e.request_reference == ng_case.request]
    assert [e.action for e in moves[2:]] == [f"request.{m}" for _, m, _ in FULL_PATH]
    acknowledged = next(e for e in moves if e.action == "request.acknowledge")
    assert acknowledged.details["reported_by"] == "GB"
    assert acknowledged.details["from"] == "sent" and acknowledged.details["to"] == "acknowledged"


def test_refusal_needs_consultation_grounds_and_reasons(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    for who, move in [
        ("officer", "mark-ready"),
        ("supervisor", "send"),
        ("officer", "acknowledge"),
    ]:
        requests.apply_transition(node, people.by_name(who), ng_case.request, move)
    with pytest.raises(InvalidTransition, match="cannot refuse from 'acknowledged'"):
        requests.apply_transition(node, people.supervisor, ng_case.request, "refuse", why="x")
    requests.apply_transition(
        node, people.officer, ng_case.request, "open-consultation", why="may refuse: sovereignty"
    )
    before = snapshot(node)
    with pytest.raises(InvalidInput, match=r"46\(8\)"):
        requests.apply_transition(
            node, people.supervisor, ng_case.request, "refuse", why="x", grounds=["bank-secrecy"]
        )
    with pytest.raises(InvalidInput, match=r"refuse needs reasons"):
        requests.apply_transition(
            node, people.supervisor, ng_case.request, "refuse", grounds=["essential-interests"]
        )
    assert snapshot(node) == before
    refused = requests.apply_transition(
        node,
        people.supervisor,
        ng_case.request,
        "refuse",
        why="execution would prejudice an ongoing trial",
        grounds=["essential-interests"],
    )
    assert refused.state is RequestState.REFUSED
    event = cases.case_timeline(node, people.officer, ng_case.case)[-1]
    assert event.details["grounds_articles"] == ["UNCAC 46(21)(b)"]


def test_only_a_supervisor_sends(node: Node, people: People, ng_case: CaseFixture) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    with pytest.raises(PermissionDenied, match="only a supervisor may send a request"):
        requests.apply_transition(node, people.officer, ng_case.request, "send")
    assert requests.get_request(node, people.officer, ng_case.request).state is RequestState.READY


def test_an_incomplete_request_cannot_leave_draft(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    """UNCAC 46(15): without every mandatory content the request stays a draft."""
    bare = requests.open_request(node, people.officer, ng_case.case, REQUEST_BODY)
    with pytest.raises(InvalidInput, match="no draft is attached"):
        requests.apply_transition(node, people.officer, bare.reference, "mark-ready")
    document = complete_document(bare.reference)
    del document["facts"]
    report = drafting.save_document(node, people.officer, bare.reference, document)
    assert any(p.article.endswith("46(15)(c)") for p in report.errors)
    before = snapshot(node)
    with pytest.raises(InvalidInput, match=r"incomplete: .*facts"):
        requests.apply_transition(node, people.officer, bare.reference, "mark-ready")
    assert snapshot(node) == before
    # the incomplete draft was kept, not lost
    assert "facts" not in drafting.get_document(node, people.officer, bare.reference)
    drafting.save_document(node, people.officer, bare.reference, complete_document(bare.reference))
    moved = requests.apply_transition(node, people.officer, bare.reference, "mark-ready")
    assert moved.state is RequestState.READY


def test_the_draft_must_match_its_request(node: Node, people: People, ng_case: CaseFixture) -> None:
    other = requests.open_request(
        node, people.officer, ng_case.case, REQUEST_BODY | {"requested_state": "CH"}
    )
    report = drafting.save_document(
        node, people.officer, other.reference, complete_document(other.reference)
    )
    assert [p.path for p in report.errors][:1] == ["requested_state"]
    with pytest.raises(InvalidInput, match="requested_state"):
        requests.apply_transition(node, people.officer, other.reference, "mark-ready")


def test_only_drafts_are_edited(node: Node, people: People, ng_case: CaseFixture) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    with pytest.raises(InvalidInput, match="revise it back to draft"):
        drafting.save_document(
            node, people.officer, ng_case.request, complete_document(ng_case.request)
        )


def test_stale_state_is_refused(node: Node, people: People, ng_case: CaseFixture) -> None:
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    with pytest.raises(Conflict, match="is now 'ready', not 'draft'"):
        requests.apply_transition(
            node, people.officer, ng_case.request, "revise", expected_state="draft"
        )


def test_subjects_must_be_entities_of_the_case(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    before = snapshot(node)
    with pytest.raises(InvalidInput, match="no entity 'ghost'") as info:
        requests.open_request(
            node, people.officer, ng_case.case, REQUEST_BODY | {"subjects": ["ghost"]}
        )
    assert info.value.where == "subjects[0]"
    assert snapshot(node) == before


def test_filters_and_deadlines(node: Node, people: People, ng_case: CaseFixture) -> None:
    late = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        REQUEST_BODY
        | {
            "requested_state": "CH",
            "measures": ["freezing"],
            "deadline": (date.today() + timedelta(days=1)).isoformat(),
            "deadline_reason": "hearing",
        },
    )
    with node.transaction() as session:  # time passes: the deadline is now behind us
        requests.load_request(session, late.reference).deadline = date.today() - timedelta(days=3)
    soon = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        REQUEST_BODY
        | {"deadline": (date.today() + timedelta(days=30)).isoformat(), "deadline_reason": "trial"},
    )
    f = requests.RequestFilter
    assert [
        r.reference for r in requests.list_requests(node, people.officer, f(measure="freezing"))
    ] == [late.reference]
    assert [
        r.reference for r in requests.list_requests(node, people.officer, f(requested_state="ch"))
    ] == [late.reference]
    assert [r.reference for r in requests.list_requests(node, people.officer, f(overdue=True))] == [
        late.reference
    ]
    assert [r.reference for r in requests.deadlines(node, people.officer)] == [
        late.reference,
        soon.reference,
        ng_case.request,  # its draft suggests a deadline 90 days on (one truth, issue 12)
    ]
    assert requests.list_requests(node, people.outsider, f()) == []
    with pytest.raises(InvalidInput, match="unknown state 'lost'"):
        requests.list_requests(node, people.officer, f(state="lost"))


def test_status_inquiry_and_answer(node: Node, people: People, ng_case: CaseFixture) -> None:
    asked = requests.ask_status(node, people.officer, ng_case.request, "Any progress?")
    answered = requests.answer_status(
        node, people.officer, ng_case.request, asked.id, "Records due next week"
    )
    assert answered.answer == "Records due next week" and answered.answered_by == "officer"
    with pytest.raises(Conflict, match="answered already"):
        requests.answer_status(node, people.officer, ng_case.request, asked.id, "again")
    with pytest.raises(NotFound, match="no inquiry 999"):
        requests.answer_status(node, people.officer, ng_case.request, 999, "x")
    actions = [e.action for e in cases.case_timeline(node, people.officer, ng_case.case)]
    assert actions[-2:] == ["request.status-inquiry", "request.status-answer"]


def test_every_state_change_has_exactly_one_event(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    with node.transaction() as session:
        before = len(session.scalars(select(EventRow)).all())
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    with pytest.raises(InvalidTransition):
        requests.apply_transition(node, people.officer, ng_case.request, "acknowledge")
    with node.transaction() as session:
        after = session.scalars(select(EventRow).order_by(EventRow.id)).all()
    assert len(after) == before + 1
    assert after[-1].action == "request.mark-ready" and after[-1].actor == "officer"


def test_a_past_deadline_is_refused(node: Node, people: People, ng_case: CaseFixture) -> None:
    before = snapshot(node)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for past in ("1999-01-01", yesterday):
        with pytest.raises(InvalidInput, match="in the past") as info:
            requests.open_request(
                node,
                people.officer,
                ng_case.case,
                REQUEST_BODY | {"deadline": past, "deadline_reason": "trial"},
            )
        assert info.value.where == "deadline"
    assert snapshot(node) == before
    today = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        REQUEST_BODY | {"deadline": date.today().isoformat(), "deadline_reason": "trial"},
    )
    assert today.deadline == date.today()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("GI", "GI \\(Gibraltar\\) is a territory.*GB \\(United Kingdom\\)"),
        ("HK", "territory.*CN \\(China\\)"),
        ("AQ", "AQ \\(Antarctica\\) is not a state"),
        ("IP", "is not a state"),
        ("QQ", "not an ISO 3166-1"),
    ],
)
def test_the_requested_state_must_be_a_state(
    node: Node, people: People, ng_case: CaseFixture, code: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        requests.open_request(
            node, people.officer, ng_case.case, REQUEST_BODY | {"requested_state": code}
        )
    assert info.value.where == "requested_state"
