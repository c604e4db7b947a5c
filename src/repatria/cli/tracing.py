"""Tracing and detection commands: ingest, trace, patterns, train, detect.

These work on files (bank records) and need no node: an analyst can run them
on a laptop. `repatria case trace` (in case.py) runs the same trace for a
case and keeps the result in the node.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from repatria.adapters.parquet import run_trace, write_parquet
from repatria.adapters.picture import write_picture
from repatria.cli import output
from repatria.cli.output import JsonFlag
from repatria.cli.progress import stage_bar
from repatria.errors import InvalidInput
from repatria.tracing.flowgraph import assets_to_freeze, draw_flow, flow_graph, jurisdictions_to_ask
from repatria.tracing.ingest import FORMATS, ingest
from repatria.tracing.patterns import Pattern, find_patterns
from repatria.tracing.scoring import detect, load_transactions, train
from repatria.tracing.trace import trace_back

FileArg = Annotated[Path, typer.Argument(help="Transactions: canonical CSV, AMLworld CSV, camt.053, MT940, FtM JSON lines or Parquet.")]  # fmt: skip


def ingest_command(
    path: Annotated[Path, typer.Argument(help="Bank records to load.")],
    out: Annotated[Path, typer.Option("--output", help="Parquet file to write.")],
    format: Annotated[
        str | None, typer.Option(help=f"One of {', '.join(FORMATS)}; guessed when absent.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Load bank records into canonical Parquet, all rows or none, with per-row errors."""
    if json_out:
        report = ingest(path, out, format=format, write=write_parquet)
    else:
        with stage_bar() as shown:
            report = ingest(path, out, format=format, progress=shown, write=write_parquet)
    data = {
        "path": str(report.path),
        "format": report.format,
        "rows": report.rows,
        "labelled": report.labelled,
        "dropped": report.dropped,
        "seconds": round(report.seconds, 3),
        "rows_per_second": round(report.rows_per_second),
    }
    if json_out:
        output.emit_json(data)
    else:
        output.say(
            f"{report.rows} rows ({report.format}) written to {report.path}"
            f" in {report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s)"
        )


def trace_command(
    path: FileArg,
    seed: Annotated[
        list[str], typer.Option("--seed", help="Id of a payment of proceeds (repeat).")
    ],
    rule: Annotated[
        str,
        typer.Option(help="fifo, lifo, proportional, clean-first, taint-first or poison."),
    ] = "fifo",
    back: Annotated[
        str | None, typer.Option(help="Trace backwards: where the money in this account came from.")
    ] = None,
    picture: Annotated[
        Path | None, typer.Option(help="Write the money-flow graph here (.svg; a .png beside it).")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Follow the proceeds through accounts and countries under a tracing rule."""
    if back is not None:
        with tempfile.TemporaryDirectory() as tmp:
            backward = trace_back(_as_parquet(path, Path(tmp)), back, rule)
        if json_out:
            output.emit_json(backward.to_json())
        else:
            output.table(
                f"Where the money in {back} came from ({rule})",
                ["payment", "hops", "left in the account"],
                [(k, backward.hops.get(k), v) for k, v in backward.sources.items()],
            )
        return
    if not seed:
        raise InvalidInput("name at least one seed payment (--seed ID)", where="seed")
    result = run_trace(path, seed, rule)
    if picture is not None:
        write_picture(draw_flow(flow_graph(result)), picture)
    if json_out:
        output.emit_json(result.to_json())
        return
    output.table(
        f"Tainted balances ({result.rule.value}, {result.currency or 'one currency'})",
        ["account", "tainted balance"],
        sorted(result.accounts.items(), key=lambda kv: -kv[1])[:30],
    )
    output.table(
        "Jurisdictions to ask",
        ["state", "name", "tainted amount", "accounts"],
        [
            (j.code, j.name, j.amount, ", ".join(j.accounts[:5]))
            for j in jurisdictions_to_ask(result)
        ],
    )
    output.table(
        "Assets to freeze",
        ["account", "bank", "country", "tainted balance"],
        [(a.account, a.bank, a.country, a.amount) for a in assets_to_freeze(result)[:30]],
    )


def _as_parquet(path: Path, tmp: Path) -> Path:
    if path.suffix == ".parquet":
        return path
    target = tmp / "transactions.parquet"
    ingest(path, target, write=write_parquet)
    return target


def patterns_command(
    path: FileArg,
    pattern: Annotated[
        list[str] | None, typer.Option("--pattern", help="Only these typologies (repeat).")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Find laundering typologies: fan-in/out, cycles, scatter-gather, structuring, mules..."""
    chosen = None
    if pattern:
        try:
            chosen = [Pattern(p) for p in pattern]
        except ValueError:
            accepted = ", ".join(p.value for p in Pattern)
            raise InvalidInput(f"unknown pattern; accepted: {accepted}", where="pattern") from None
    con = duckdb.connect()
    try:
        load_transactions(con, path, "transactions")
        hits = find_patterns(con, "transactions", chosen)
    finally:
        con.close()
    rows: list[dict[str, Any]] = [
        {
            "pattern": h.pattern.value,
            "accounts": list(h.accounts),
            "transactions": list(h.transactions),
            "start": h.start.isoformat(),
            "end": h.end.isoformat(),
            "detail": dict(h.detail),
        }
        for h in hits
    ]
    if json_out:
        output.emit_json(rows)
        return
    output.table(
        f"{len(hits)} pattern hits",
        ["pattern", "start", "end", "accounts", "transactions"],
        [
            (h.pattern.value, h.start, h.end, len(h.accounts), len(h.transactions))
            for h in hits[:100]
        ],
    )


def train_command(
    path: Annotated[Path, typer.Argument(help="Labelled canonical CSV (is_laundering column).")],
    out: Annotated[Path, typer.Option("--output", help="Model file to write.")],
    json_out: JsonFlag = False,
) -> None:
    """Learn a transaction scoring model (LightGBM on graph and pattern features)."""
    report = train(path, out)
    data = {
        "model": str(report.model_path),
        "rows": report.rows,
        "positives": report.positives,
        "features": len(report.features),
        "threshold": report.threshold,
        "trees": report.trees,
        "validation": report.validation.to_dict(),
        "test": report.test.to_dict(),
        "seconds": round(report.seconds, 2),
    }
    if json_out:
        output.emit_json(data)
        return
    output.fields(
        "Model trained (temporal split 60/20/20; figures on the last 20%)",
        [
            ("model", data["model"]),
            ("rows / laundering", f"{report.rows} / {report.positives}"),
            ("threshold", f"{report.threshold:.4f}"),
            ("test F1", f"{report.test.f1:.3f}"),
            ("test precision / recall", f"{report.test.precision:.3f} / {report.test.recall:.3f}"),
            ("test PR-AUC", f"{report.test.pr_auc:.3f}"),
        ],
    )


def detect_command(
    path: FileArg,
    model: Annotated[Path, typer.Option(help="Model file from `repatria train`.")],
    out: Annotated[Path, typer.Option("--output", help="CSV to write: id,score,flag.")],
    json_out: JsonFlag = False,
) -> None:
    """Score every transaction with a trained model and flag the suspicious ones."""
    report = detect(path, model, out)
    data = {
        "output": str(report.output_path),
        "rows": report.rows,
        "flagged": report.flagged,
        "threshold": report.threshold,
        "seconds": round(report.seconds, 2),
    }
    if json_out:
        output.emit_json(data)
    else:
        output.say(
            f"{report.rows} transactions scored, {report.flagged} flagged, written to"
            f" {report.output_path}"
        )
