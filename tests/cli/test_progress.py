"""The CLI's Rich bar follows the stages an engine reports."""

from __future__ import annotations

import io

from rich.console import Console

from repatria.cli.progress import stage_bar


def test_the_bar_shows_each_label_at_its_reported_stage() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with stage_bar(console) as shown:
        shown("ingest a.csv", "", 0, 3)
        shown("ingest a.csv", "read", 1, 3)
        shown("ingest b.csv", "", 0, 2)
    drawn = screen.getvalue()
    assert "ingest a.csv: read" in drawn
    assert "1/3" in drawn
    assert "ingest b.csv" in drawn
    assert "0/2" in drawn
