from __future__ import annotations

from pathlib import Path

import pytest

from repatria.domain.lifecycle import RequestState
from repatria.errors import InvalidInput, NotFound
from repatria.service import cases, entities, tracing
from repatria.service.node import Node
from tests.conftest import CaseFixture, People, snapshot

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "delta_transactions.csv"


def test_a_case_trace_is_kept_recorded_and_drafts_requests(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    summary = tracing.trace_case(node, people.officer, ng_case.case, RECORDS, ["t1"], "fifo")
    assert summary.total_tainted == "5550000.00"
    assert [j.code for j in summary.jurisdictions_to_ask] == ["GB", "CH"]
    assert summary.rule_source  # the legal source of the rule goes with the result
    listed = tracing.list_traces(node, people.reviewer, ng_case.case)
    assert [t.trace for t in listed] == [summary.trace]
    assert listed[0].details["file_sha256"] == summary.file_sha256
    picture = tracing.trace_picture(node, people.officer, ng_case.case, summary.trace)
    assert picture.read_text().startswith("<?xml")

    drafted = tracing.draft_freezing_requests(node, people.officer, ng_case.case, summary.trace)
    assert [(r.requested_state, r.state) for r in drafted] == [
        ("GB", RequestState.DRAFT),
        ("CH", RequestState.DRAFT),
    ]
    assert drafted[0].legal_basis  # the engine's first basis for NG -> GB freezing
    assert "GB-MARLIN" in drafted[0].summary and "2750000.00" in drafted[0].summary
    accounts = entities.list_entities(node, people.officer, ng_case.case, schema="BankAccount")
    assert {a.properties["accountNumber"][0] for a in accounts} == {
        "GB-MARLIN",
        "GB-OKONKWO",
        "CH-TRUST",
    }
    actions = [e.action for e in cases.case_timeline(node, people.officer, ng_case.case)]
    assert "trace.run" in actions and actions.count("request.drafted") == 3


def test_bad_trace_input_changes_nothing(node: Node, people: People, ng_case: CaseFixture) -> None:
    before = snapshot(node)
    with pytest.raises(InvalidInput, match="unknown seed"):
        tracing.trace_case(node, people.officer, ng_case.case, RECORDS, ["t9"], "fifo")
    with pytest.raises(InvalidInput, match="unknown"):
        tracing.trace_case(node, people.officer, ng_case.case, RECORDS, ["t1"], "magic")
    with pytest.raises(InvalidInput, match="not a trace id"):
        tracing.get_trace(node, people.officer, ng_case.case, "../../etc")
    with pytest.raises(NotFound, match="no trace"):
        tracing.get_trace(node, people.officer, ng_case.case, "0" * 16)
    assert snapshot(node) == before


def test_outsiders_cannot_run_or_read_traces(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    summary = tracing.trace_case(node, people.officer, ng_case.case, RECORDS, ["t1"], "lifo")
    with pytest.raises(NotFound):
        tracing.get_trace(node, people.outsider, ng_case.case, summary.trace)
    with pytest.raises(NotFound):
        tracing.trace_case(node, people.outsider, ng_case.case, RECORDS, ["t1"], "fifo")
