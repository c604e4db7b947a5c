"""The global options of a ``repatria`` invocation, set by the root command.

Kept apart from :mod:`repatria.cli.context` (which opens nodes and so imports the service
layer) so that the root command can record ``--data-dir`` and ``--user`` without importing
anything heavy: ``repatria --help`` must answer at once (issue 11, point 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliState:
    data_dir: Path | None = None
    user: str | None = None


STATE = CliState()
