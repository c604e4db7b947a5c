"""Rich progress bars for the engines' stage reports, drawn by the CLI only.

The tracing engine reports its stages to a ``StageListener`` and draws nothing; this module
turns those reports into a transient Rich bar, one task per label, so a person at a terminal
sees which stage a long ingest is in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from repatria.tracing.ingest import StageListener


@contextmanager
def stage_bar(console: Console | None = None) -> Iterator[StageListener]:
    """A listener drawing a bar on ``console`` (default: the terminal) while the block runs;
    the bar is gone when it ends."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=True,
        console=console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def show(label: str, what: str, done: int, total: int) -> None:
            task = tasks.get(label)
            if task is None:
                task = tasks[label] = progress.add_task(label, total=total)
            described = f"{label}: {what}" if what else label
            progress.update(task, completed=done, total=total, description=described)

        yield show
