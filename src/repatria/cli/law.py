"""Legal basis commands: `repatria basis` and `repatria network`.

Treaty law is public data, so these commands need no node and no sign-in;
they run the pure engine of ``repatria.law`` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from repatria.adapters.network_report import write_network_report
from repatria.cli import output
from repatria.cli.output import JsonFlag
from repatria.law import ROW_HEADER, find_bases


def basis(
    requesting: Annotated[str, typer.Argument(help="Requesting state, ISO 3166-1 alpha-2.")],
    requested: Annotated[str, typer.Argument(help="Requested state, ISO 3166-1 alpha-2.")],
    measure: Annotated[str, typer.Option(help="Measure of assistance, e.g. records, freezing.")],
    offence: Annotated[
        str | None, typer.Option(help="Offence: readable id or ICCS code, e.g. bribery.")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Date of the request (YYYY-MM-DD); default today.")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also list what does not apply, and why.")
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Every legal basis for this request, ranked, with what each requires."""
    result = find_bases(requesting, requested, measure, offence=offence, on=on, explain=explain)
    if json_out:
        output.emit_json(result.to_dict())
        return
    title = (
        f"Legal bases: {result.requesting} asks {result.requested} for {result.measure}"
        f" on {result.on.isoformat()}"
    )
    output.table(title, list(ROW_HEADER), result.to_rows(explain=explain))


def network(
    out: Annotated[Path, typer.Option(help="Directory for the CSV files and pictures.")] = Path(
        "network"
    ),
    on: Annotated[
        str | None, typer.Option("--date", help="Date (YYYY-MM-DD); default today.")
    ] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="Only these measures (repeat).")
    ] = None,
    offence: Annotated[str | None, typer.Option(help="Limit to one offence.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """All-pairs basis matrix, pairs with no treaty basis, the steps that close most gaps."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), transient=True, disable=json_out
    ) as progress:
        progress.add_task("computing the treaty network and drawing the coverage map", total=None)
        report = write_network_report(out, on=on, measures=measure, offence=offence)
    summary = report.to_dict()
    if json_out:
        output.emit_json(summary)
        return
    output.say(
        f"{report.states} states, {report.ordered_pairs} ordered pairs, matrix in"
        f" {report.matrix_seconds:.3f} s, written to {report.out_dir}"
    )
    output.table(
        "Ordered pairs with no treaty basis, by measure",
        ["measure", "no treaty basis at all", "no treaty basis with a confirmed date"],
        [(m, n, report.unverified_gaps.get(m, "")) for m, n in report.gaps.items()],
    )
    output.table(
        "Steps that would close the most gaps",
        ["action", "instrument", "states", "gap cells closed"],
        [(s.action, s.instrument, ", ".join(s.states), s.closes) for s in report.steps[:10]],
    )
