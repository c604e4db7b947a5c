"""One place that writes results: JSON for machines, Rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
"""The ``--json`` option of every command that shows data: JSON on stdout, nothing else."""


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    view = Table(title=title, title_justify="left")
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*("" if v is None else str(v) for v in row))
    console.print(view)


def fields(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    view = Table(title=title, title_justify="left", show_header=False)
    view.add_column("field", style="bold")
    view.add_column("value")
    for key, value in pairs:
        view.add_row(key, "" if value is None else str(value))
    console.print(view)


def say(message: str) -> None:
    console.print(message)


def fail(message: str) -> None:
    """One line on stderr, never wrapped, so scripts can grep it."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
