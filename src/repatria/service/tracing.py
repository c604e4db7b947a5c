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
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from repatria.adapters.parquet import run_trace
from repatria.adapters.picture import write_picture
from repatria.domain.access import Action
from repatria.domain.case import check_case_reference
from repatria.domain.event import EventKind
from repatria.domain.request import Request
from repatria.errors import InvalidInput
from repatria.law import find_bases
from repatria.service import drafting, entities, requests
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.cases import case_timeline, load_case
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.trace_facts import keep_payments, read_trace, targets_in, trace_folder
from repatria.service.trace_summary import AssetToFreeze, StateToAsk, TraceRun, TraceSummary
from repatria.store.tables import EventRow, RequestRow
from repatria.tracing.flowgraph import (
    assets_to_freeze,
    draw_flow,
    flow_graph,
    jurisdictions_to_ask,
)
from repatria.tracing.trace import rule_source

_folder = trace_folder


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
    with path.open("rb") as fh:  # streamed: the records may be far larger than memory
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
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
    keep_payments(folder, path, result.transactions)
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
    return read_trace(node, ref, trace_id)


def trace_picture(node: Node, actor: Actor, case_reference: str, trace_id: str) -> Path:
    get_trace(node, actor, case_reference, trace_id)
    return _folder(node, check_case_reference(case_reference), trace_id) / "flow.svg"


def draft_freezing_requests(
    node: Node, actor: Actor, case_reference: str, trace_id: str
) -> list[Request]:
    """One draft freezing request per state holding tainted balances (not our own).

    The requests of ``drafts_from_trace``: a second call returns the ones drafted
    by the first.
    """
    return [d.request for d in drafts_from_trace(node, actor, case_reference, trace_id)]


@dataclass(frozen=True, slots=True)
class DraftFromTrace:
    """A request drafted from a trace, and whether an earlier call had drafted it."""

    request: Request
    existing: bool


def drafts_from_trace(
    node: Node, actor: Actor, case_reference: str, trace_id: str
) -> list[DraftFromTrace]:
    """At most one draft freezing and records request per requested state and trace
    (UNCAC 54(2), 55(2)), filled from the case, each with its draft document.

    The accounts become FtM ``BankAccount`` entities of the case unless the case
    holds them already (same account number or IBAN: the existing entity is used,
    with its own currency; a new one has no currency, since the records give the
    payments' currency, not the account's). The basis is the best one whose
    conditions are known with certainty (``drafting.best_basis``). Everything stays
    a draft for the officer to complete and check.
    """
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.REQUEST_CREATE, ref)  # even when they exist already
    trace = get_trace(node, actor, ref, trace_id)
    own = node.config.jurisdiction
    asks = [a for a in trace.jurisdictions_to_ask if a.code != own]
    if not asks:
        raise InvalidInput(
            f"trace {trace_id} found no tainted balance abroad; no request to draft",
            where="trace",
        )
    existing = _drafted_from(node, ref, trace_id)
    drafted = []
    for ask in asks:
        if ask.code in existing:
            request = requests.get_request(node, actor, existing[ask.code])
            drafted.append(DraftFromTrace(request, existing=True))
            continue
        subjects = _accounts_of(node, actor, ref, trace, ask.code)
        bases = find_bases(own, ask.code, "freezing").bases
        opened = requests.open_request(
            node,
            actor,
            ref,
            {
                "direction": "outgoing",
                "requesting_state": own,
                "requested_state": ask.code,
                "measures": ["freezing", "records"],
                "title": f"Freezing of accounts holding traced proceeds in {ask.name}",
                "summary": "",
                "legal_basis": drafting.best_basis(bases),
                "subjects": subjects,
            },
            drafted_from=trace_id,
        )
        document = drafting.starting_draft(node, actor, opened.reference) | _freezing_texts(
            trace, ask.name
        )
        drafting.save_document(node, actor, opened.reference, document)
        request = requests.get_request(node, actor, opened.reference)
        drafted.append(DraftFromTrace(request, existing=False))
    return drafted


def _freezing_texts(trace: TraceSummary, state_name: str) -> dict[str, Any]:
    """What a trace says for the freezing request's own items (UNCAC 54(2)(b), 55(3)(c))."""

    def text(value: str) -> dict[str, str]:
        return {"text": value, "lang": "en", "translation": "original"}

    return {
        "link_to_offence": text(
            f"The accounts listed in {state_name} received part of the proceeds of the payments"
            " described in the facts, as traced through the bank records; their balances, up"
            " to the traced amounts, are proceeds of the offences under investigation."
        ),
        "freezing": {
            "action": text(
                f"Freeze the balances of the accounts listed in {state_name}, up to the traced"
                f" amounts ({trace.currency or 'currency not recorded'}), pending confiscation."
            )
        },
    }


def _drafted_from(node: Node, case_reference: str, trace_id: str) -> dict[str, str]:
    """Requested state -> reference of the requests drafted from this trace already."""
    with node.transaction() as session:
        case = load_case(session, case_reference)
        rows = session.execute(
            select(EventRow.details, RequestRow.requested_state, RequestRow.reference)
            .join(RequestRow, RequestRow.id == EventRow.request_id)
            .where(
                EventRow.case_id == case.id,
                EventRow.action == EventKind.REQUEST_DRAFTED.value,
            )
            .order_by(EventRow.id)
        ).all()
    found: dict[str, str] = {}
    for details, state, reference in rows:
        if (details or {}).get("trace") == trace_id:
            found.setdefault(state, reference)
    return found


def _accounts_of(
    node: Node, actor: Actor, case_reference: str, trace: TraceSummary, state: str
) -> list[str]:
    """The case's entity ids of the accounts to freeze in ``state``, adding those it lacks."""
    held = {
        number: e.id
        for e in entities.list_entities(node, actor, case_reference, schema="BankAccount")
        for number in [*e.properties.get("accountNumber", []), *e.properties.get("iban", [])]
    }
    subjects = []
    for target in targets_in(trace, state):
        entity_id = held.get(target.account)
        if entity_id is None:
            entity_id = "account-" + hashlib.sha256(target.account.encode()).hexdigest()[:12]
            properties: dict[str, list[str]] = {
                "accountNumber": [target.account],
                "country": [state.lower()],
            }
            if target.bank:
                properties["bankName"] = [target.bank]
            entities.put_entity(
                node,
                actor,
                case_reference,
                {"id": entity_id, "schema": "BankAccount", "properties": properties},
            )
            held[target.account] = entity_id
        if entity_id not in subjects:
            subjects.append(entity_id)
    return subjects
