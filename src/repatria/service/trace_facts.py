"""What a kept trace says about one requested state, for a draft request (UNCAC 46(15)(c)).

Both the starting draft of any request and the freezing requests drafted from a
trace (54(2), 55(2)) fill their facts, period and assets from the case's traces.
A trace is kept as ``trace.json`` and, beside it, ``payments.json``: the dates,
accounts and banks of the payments it followed, read from the records when the
trace ran (a trace result keeps amounts only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from repatria.adapters.traced_payments import TracedPayment, traced_payments
from repatria.domain.jurisdiction import jurisdiction_name
from repatria.drafting.facts import Holding, Payment, money, traced_facts
from repatria.errors import InvalidInput, NotFound
from repatria.service.node import Node
from repatria.service.trace_summary import AssetToFreeze, TraceSummary
from repatria.tracing.rules import RULES, Rule

TRACE_ID_PATTERN = r"^[0-9a-f]{16}$"
TRACE_ID = re.compile(TRACE_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class HeldAccount:
    """An account of the case: its entity id and own currency (None when not recorded)."""

    entity_id: str
    currency: str | None


@dataclass(frozen=True, slots=True)
class TraceFacts:
    """Facts, period and per-asset links of a trace, for a request to one state."""

    trace: str
    facts: str
    period: tuple[date, date] | None
    links: dict[str, str]
    """Entity id of an account -> how it is linked to the offence (55(3)(a))."""


def trace_folder(node: Node, case_reference: str, trace_id: str) -> Path:
    if not TRACE_ID.fullmatch(trace_id):
        raise InvalidInput(f"{trace_id!r} is not a trace id (16 hex digits)", where="trace")
    return node.settings.data_dir / "traces" / case_reference / trace_id


def read_trace(node: Node, case_reference: str, trace_id: str) -> TraceSummary:
    """The kept summary; the caller has checked the reader may see the case."""
    path = trace_folder(node, case_reference, trace_id) / "trace.json"
    if not path.exists():
        raise NotFound(f"no trace {trace_id} in case {case_reference}", where="trace")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return TraceSummary.from_dict(data)


def keep_payments(folder: Path, records: Path, transactions: Mapping[str, object]) -> None:
    """Keep, beside the trace, the dates and parties of the payments it followed."""
    found = traced_payments(records, list(transactions))
    (folder / "payments.json").write_text(
        json.dumps([asdict(p) for p in found], indent=2), encoding="utf-8"
    )


def _payments(folder: Path) -> list[TracedPayment]:
    path = folder / "payments.json"
    if not path.exists():
        return []
    return [TracedPayment(**p) for p in json.loads(path.read_text(encoding="utf-8"))]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def targets_in(summary: TraceSummary, state: str) -> list[AssetToFreeze]:
    return [t for t in summary.assets_to_freeze if t.country == state]


def facts_for_state(
    node: Node,
    summary: TraceSummary,
    state: str,
    held: Mapping[str, HeldAccount],
) -> TraceFacts:
    """The facts of ``summary`` for a request to ``state``; ``held`` maps account numbers
    to the case's entities (their currency is the account's own, when recorded)."""
    payments = _payments(trace_folder(node, summary.case, summary.trace))
    by_id = {p.id: p for p in payments}
    seeds = [
        Payment(
            _day(p.date), p.amount, p.currency, p.from_account, p.from_bank, p.to_account, p.to_bank
        )
        for p in (by_id.get(s) for s in summary.seeds)
        if p is not None
    ]
    days = sorted(d for d in (_day(p.date) for p in payments) if d is not None)
    period = (days[0], days[-1]) if days else None
    targets = targets_in(summary, state)
    holdings = [
        Holding(
            t.account, t.bank, t.amount, held[t.account].currency if t.account in held else None
        )
        for t in targets
    ]
    try:
        rule = RULES[Rule(summary.rule)]
        title = rule.title
    except (ValueError, KeyError):
        title = summary.rule
    text = traced_facts(
        seeds=seeds,
        rule_title=title,
        rule_source=summary.rule_source,
        currency=summary.currency,
        state_name=jurisdiction_name(state),
        holdings=holdings,
        period=period,
    )
    links = {}
    for t in targets:
        if t.account in held:
            links[held[t.account].entity_id] = (
                f"Holds {money(t.amount, summary.currency)} of the traced proceeds"
                f" (trace {summary.trace}, {title} rule)."
            )
    return TraceFacts(summary.trace, text, period, links)
