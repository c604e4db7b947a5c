"""Tracing for a case: run a trace on bank records, keep it, and turn it into requests.

The analysis itself is pure (``repatria.tracing``); here it is tied to a case:
the result and its money-flow picture are kept under the data directory, the
run is recorded as an event (file hash, rule, seeds, totals), and the states
holding tainted balances can be turned into draft freezing requests
(UNCAC 54(2), 55(2)) addressed to them.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from repatria.adapters.parquet import run_trace
from repatria.adapters.picture import write_picture
from repatria.domain.access import Action
from repatria.domain.case import check_case_reference
from repatria.domain.event import EventKind
from repatria.domain.request import Request
from repatria.errors import InvalidInput, NotFound
from repatria.law import find_bases
from repatria.service import entities, requests
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.cases import case_timeline, load_case
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.trace_summary import AssetToFreeze, StateToAsk, TraceRun, TraceSummary
from repatria.tracing.flowgraph import (
    assets_to_freeze,
    draw_flow,
    flow_graph,
    jurisdictions_to_ask,
)
from repatria.tracing.trace import rule_source

TRACE_ID = re.compile(r"^[0-9a-f]{16}$")


def _folder(node: Node, case_reference: str, trace_id: str) -> Path:
    if not TRACE_ID.match(trace_id):
        raise InvalidInput(f"{trace_id!r} is not a trace id (16 hex digits)", where="trace")
    return node.settings.data_dir / "traces" / case_reference / trace_id


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def trace_case(
    node: Node, actor: Actor, case_reference: str, path: Path, seeds: list[str], rule: str
) -> TraceSummary:
    """Trace ``seeds`` through the records in ``path`` for the case and keep the result."""
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.ENTITY_WRITE, ref)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", where="path")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = run_trace(path, seeds, rule)
    trace_id = hashlib.sha256(
        json.dumps([digest, sorted(seeds), result.rule.value]).encode()
    ).hexdigest()[:16]
    asks = jurisdictions_to_ask(result)
    freeze = assets_to_freeze(result)
    summary = TraceSummary(
        trace=trace_id,
        case=ref,
        file_sha256=digest,
        file_name=path.name,
        rule=result.rule.value,
        rule_source=rule_source(result.rule),
        seeds=tuple(result.seeds),
        currency=result.currency,
        total_tainted=_money(result.total_tainted),
        by_country={k: _money(v) for k, v in result.by_country().items()},
        jurisdictions_to_ask=tuple(
            StateToAsk(j.code, j.name, _money(j.amount), tuple(j.accounts)) for j in asks
        ),
        assets_to_freeze=tuple(
            AssetToFreeze(a.account, a.bank, a.country, _money(a.amount)) for a in freeze
        ),
        result=result.to_json(),
    )
    folder = _folder(node, ref, trace_id)
    folder.mkdir(parents=True, exist_ok=True)
    write_picture(draw_flow(flow_graph(result)), folder / "flow")
    (folder / "trace.json").write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    with node.transaction() as session:
        case = load_case(session, ref)
        record_event(
            session,
            actor=actor.username,
            action=EventKind.TRACE_RUN,
            why=f"{result.rule.value} trace of {len(seeds)} seed payment(s) in {path.name}",
            case_id=case.id,
            details={
                "trace": trace_id,
                "rule": result.rule.value,
                "seeds": list(result.seeds),
                "file_sha256": digest,
                "total_tainted": summary.total_tainted,
                "jurisdictions": [j.code for j in asks],
            },
        )
    return summary


def list_traces(node: Node, actor: Actor, case_reference: str) -> list[TraceRun]:
    """The traces run for a case, from its timeline (newest last)."""
    found = []
    for event in case_timeline(node, actor, case_reference):
        if event.action == EventKind.TRACE_RUN:
            found.append(TraceRun(event.at.isoformat(), event.actor, dict(event.details)))
    return found


def get_trace(node: Node, actor: Actor, case_reference: str, trace_id: str) -> TraceSummary:
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.CASE_READ, ref)
    path = _folder(node, ref, trace_id) / "trace.json"
    if not path.exists():
        raise NotFound(f"no trace {trace_id} in case {ref}", where="trace")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return TraceSummary.from_dict(data)


def trace_picture(node: Node, actor: Actor, case_reference: str, trace_id: str) -> Path:
    get_trace(node, actor, case_reference, trace_id)
    return _folder(node, check_case_reference(case_reference), trace_id) / "flow.svg"


def draft_freezing_requests(
    node: Node, actor: Actor, case_reference: str, trace_id: str
) -> list[Request]:
    """One draft freezing request per state holding tainted balances (not our own).

    The accounts become FtM ``BankAccount`` entities of the case and the
    request's subjects; the legal basis proposed is the first one the engine
    ranks for freezing between the two states. Everything stays a draft for
    the officer to complete and check.
    """
    trace = get_trace(node, actor, case_reference, trace_id)
    own = node.config.jurisdiction
    drafted = []
    for ask in trace.jurisdictions_to_ask:
        if ask.code == own:
            continue
        subjects = []
        lines = []
        for target in trace.assets_to_freeze:
            if target.country != ask.code:
                continue
            entity_id = "account-" + hashlib.sha256(target.account.encode()).hexdigest()[:12]
            properties: dict[str, list[str]] = {
                "accountNumber": [target.account],
                "country": [ask.code.lower()],
            }
            if target.bank:
                properties["bankName"] = [target.bank]
            if trace.currency:
                properties["currency"] = [trace.currency]
            entities.put_entity(
                node,
                actor,
                case_reference,
                {"id": entity_id, "schema": "BankAccount", "properties": properties},
            )
            subjects.append(entity_id)
            bank = f" at {target.bank}" if target.bank else ""
            lines.append(f"account {target.account}{bank}: {target.amount} traced")
        bases = find_bases(own, ask.code, "freezing").bases
        drafted.append(
            requests.open_request(
                node,
                actor,
                case_reference,
                {
                    "direction": "outgoing",
                    "requesting_state": own,
                    "requested_state": ask.code,
                    "measures": ["freezing", "records"],
                    "title": f"Freezing of accounts holding traced proceeds in {ask.name}",
                    "summary": (
                        f"A {trace.rule} trace ({trace.rule_source}) of payments"
                        f" {', '.join(trace.seeds)} found {ask.amount}"
                        f" {trace.currency or ''} of the proceeds in {ask.name}: "
                        + "; ".join(lines)
                        + "."
                    ),
                    "legal_basis": bases[0].instrument if bases else None,
                    "subjects": subjects,
                },
            )
        )
    if not drafted:
        raise InvalidInput(
            f"trace {trace_id} found no tainted balance abroad; no request to draft",
            where="trace",
        )
    return drafted
