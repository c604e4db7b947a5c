"""Canonical Parquet on disk: the checked rows the ingest engine selects, written whole.

``tracing.ingest`` reads bank records, checks every row and composes the ``SELECT`` of the
canonical table; ``write_parquet`` runs it into a Parquet file with DuckDB's ``COPY ... TO``
(streamed, so a large file is never held in memory), under a temporary name renamed into
place: a reader sees the old file or the whole new one (POSIX rename(2)). ``run_trace`` is
the command line's path from a file to a trace: Parquet is traced as it is, anything else is
ingested as a canonical CSV into a temporary Parquet file first.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from repatria.tracing.ingest import ingest_csv
from repatria.tracing.rules import Rule, parse_rule
from repatria.tracing.trace import TraceResult, trace


def write_parquet(con: duckdb.DuckDBPyConnection, select: str, out: Path) -> None:
    """Write the rows of ``select`` to ``out``, atomically (a ``ParquetWriter``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    target = "'" + str(tmp).replace("'", "''") + "'"
    try:
        con.execute(f"COPY ({select}) TO {target} (FORMAT parquet)")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def run_trace(path: str | Path, seeds: Sequence[str], rule: Rule | str) -> TraceResult:
    """Trace from a canonical CSV (ingested, all rows checked, errors listed) or Parquet file."""
    chosen = parse_rule(rule)
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return trace(p, seeds, chosen)
    with tempfile.TemporaryDirectory(prefix="repatria-trace-") as tmp:
        out = Path(tmp) / "transactions.parquet"
        ingest_csv(p, out, write=write_parquet)
        return trace(out, seeds, chosen)
