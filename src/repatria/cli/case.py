"""Case commands: open, list, show, timeline, assign, entities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from repatria.cli import output
from repatria.cli.context import current_actor, opened_node
from repatria.cli.json_file import read_json_object
from repatria.cli.output import JsonFlag
from repatria.domain.case import Case
from repatria.service import cases as case_service
from repatria.service import entities as entity_service
from repatria.service import tracing as tracing_service

app = typer.Typer(
    help="Cases: open, list, show, timeline, members, entities.", no_args_is_help=True
)


def _case_dict(case: Case) -> dict[str, object]:
    return {
        "reference": case.reference,
        "title": case.title,
        "summary": case.summary,
        "offences": list(case.offences),
        "status": case.status.value,
        "created_at": case.created_at.isoformat(),
        "created_by": case.created_by,
        "members": list(case.members),
    }


@app.command("open")
def open_case(
    title: Annotated[str, typer.Option(help="Short title of the matter.")],
    summary: Annotated[str, typer.Option(help="What the case is about.")] = "",
    offence: Annotated[
        list[str] | None, typer.Option("--offence", help="Offence (repeat).")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Open a case; you become its first member."""
    with opened_node() as node:
        case = case_service.open_case(
            node,
            current_actor(node),
            {"title": title, "summary": summary, "offences": offence or []},
        )
    if json_out:
        output.emit_json(_case_dict(case))
    else:
        output.say(f"case [bold]{case.reference}[/] opened: {case.title}")


@app.command("list")
def list_cases(
    status: Annotated[str | None, typer.Option(help="open or closed")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Cases you are assigned to."""
    with opened_node() as node:
        cases = case_service.list_cases(node, current_actor(node), status=status)
    if json_out:
        output.emit_json([_case_dict(c) for c in cases])
        return
    output.table(
        "Cases",
        ["reference", "title", "status", "opened", "members"],
        [
            (c.reference, c.title, c.status.value, c.created_at.date(), ", ".join(c.members))
            for c in cases
        ],
    )


@app.command("show")
def show(reference: str, json_out: JsonFlag = False) -> None:
    """One case."""
    with opened_node() as node:
        case = case_service.get_case(node, current_actor(node), reference)
    if json_out:
        output.emit_json(_case_dict(case))
        return
    output.fields(case.reference, list(_case_dict(case).items()))


@app.command("timeline")
def timeline(reference: str, json_out: JsonFlag = False) -> None:
    """Every event of the case: who, when, what and why."""
    with opened_node() as node:
        events = case_service.case_timeline(node, current_actor(node), reference)
    if json_out:
        output.emit_json([e.to_dict() for e in events])
        return
    output.table(
        f"Timeline of {reference}",
        ["when (UTC)", "who", "what", "request", "why"],
        [
            (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.request_reference, e.why)
            for e in events
        ],
    )


@app.command("assign")
def assign(
    reference: str,
    username: str,
    why: Annotated[str, typer.Option(help="Why this person needs to know.")],
    json_out: JsonFlag = False,
) -> None:
    """Give a colleague access to the case (supervisors)."""
    with opened_node() as node:
        case = case_service.assign_member(node, current_actor(node), reference, username, why)
    if json_out:
        output.emit_json(_case_dict(case))
    else:
        output.say(f"{username} assigned to {case.reference}")


@app.command("unassign")
def unassign(
    reference: str,
    username: str,
    why: Annotated[str, typer.Option(help="Why access is withdrawn.")],
    json_out: JsonFlag = False,
) -> None:
    """Withdraw a colleague's access to the case (supervisors)."""
    with opened_node() as node:
        case = case_service.remove_member(node, current_actor(node), reference, username, why)
    if json_out:
        output.emit_json(_case_dict(case))
    else:
        output.say(f"{username} no longer assigned to {case.reference}")


@app.command("add-entity")
def add_entity(
    reference: str,
    file: Annotated[Path, typer.Argument(help="FtM entity as JSON.")],
    json_out: JsonFlag = False,
) -> None:
    """Add or replace a FollowTheMoney entity in the case."""
    data = read_json_object(file)
    with opened_node() as node:
        stored = entity_service.put_entity(node, current_actor(node), reference, data)
    if json_out:
        output.emit_json(stored.to_dict())
    else:
        output.say(f"{stored.schema} {stored.id} stored in {reference}")


@app.command("entities")
def entities(
    reference: str,
    schema: Annotated[str | None, typer.Option(help="Only this FtM schema.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """FollowTheMoney entities of the case."""
    with opened_node() as node:
        found = entity_service.list_entities(node, current_actor(node), reference, schema=schema)
    if json_out:
        output.emit_json([e.to_dict() for e in found])
        return
    output.table(
        f"Entities of {reference}",
        ["id", "schema", "properties"],
        [
            (
                e.id,
                e.schema,
                "; ".join(f"{k}={', '.join(v)}" for k, v in e.properties.items())[:120],
            )
            for e in found
        ],
    )


@app.command("trace")
def trace(
    reference: str,
    file: Annotated[Path, typer.Argument(help="Bank records of the case (any ingest format).")],
    seed: Annotated[
        list[str], typer.Option("--seed", help="Id of a payment of proceeds (repeat).")
    ],
    rule: Annotated[str, typer.Option(help="Tracing rule, e.g. fifo or clean-first.")] = "fifo",
    json_out: JsonFlag = False,
) -> None:
    """Trace the proceeds for the case; the result and its picture are kept in the node."""
    with opened_node() as node:
        summary = tracing_service.trace_case(node, current_actor(node), reference, file, seed, rule)
    if json_out:
        output.emit_json(summary.to_dict())
        return
    output.say(f"trace {summary.trace} kept in {reference}: {summary.total_tainted} tainted")
    output.table(
        "Jurisdictions to ask",
        ["state", "name", "amount", "accounts"],
        [(j.code, j.name, j.amount, ", ".join(j.accounts)) for j in summary.jurisdictions_to_ask],
    )


@app.command("traces")
def traces(reference: str, json_out: JsonFlag = False) -> None:
    """The traces run for the case."""
    with opened_node() as node:
        found = tracing_service.list_traces(node, current_actor(node), reference)
    if json_out:
        output.emit_json([t.to_dict() for t in found])
        return
    output.table(
        f"Traces of {reference}",
        ["trace", "when", "by", "rule", "tainted", "jurisdictions"],
        [
            (
                t["trace"],
                t["at"],
                t["by"],
                t["rule"],
                t["total_tainted"],
                ", ".join(t["jurisdictions"]),
            )
            for t in (run.to_dict() for run in found)
        ],
    )


@app.command("draft-from-trace")
def draft_from_trace(reference: str, trace_id: str, json_out: JsonFlag = False) -> None:
    """Draft a freezing request to every state holding traced proceeds."""
    with opened_node() as node:
        drafted = tracing_service.draft_freezing_requests(
            node, current_actor(node), reference, trace_id
        )
    if json_out:
        output.emit_json(
            [{"reference": r.reference, "requested_state": r.requested_state} for r in drafted]
        )
        return
    for r in drafted:
        output.say(f"draft {r.reference} to {r.requested_state}: {r.title}")
