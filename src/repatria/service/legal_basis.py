"""Legal basis use cases for the node's users (UNCAC 46 and the other instruments).

Treaty law is public: any signed-in user may ask. The network report takes a
few seconds to draw, so it is kept in the data directory, one per date, and
drawn again only for a new date.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from repatria.adapters.network_report import write_network_report
from repatria.law import BasisResult, find_bases, parse_date
from repatria.service.actor import Actor
from repatria.service.node import Node


def legal_bases(
    node: Node,
    actor: Actor,
    *,
    requesting: str,
    requested: str,
    measure: str,
    offence: str | None = None,
    on: str | None = None,
    explain: bool = False,
) -> BasisResult:
    del actor  # any signed-in user: the data is public law
    return find_bases(
        requesting, requested, measure, offence=offence or None, on=on or None, explain=explain
    )


def network_summary(node: Node, actor: Actor, *, on: str | None = None) -> dict[str, Any]:
    """The network report for a date (default today), drawn once and kept."""
    del actor
    day = parse_date(on) if on else datetime.now(UTC).date()
    folder = node.settings.data_dir / "network" / day.isoformat()
    summary = folder / "summary.json"
    if not summary.exists():
        write_network_report(folder, on=day.isoformat())
    data: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8"))
    return data


def network_picture(node: Node, actor: Actor, *, on: str | None, kind: str) -> Path:
    network_summary(node, actor, on=on)
    day = parse_date(on) if on else datetime.now(UTC).date()
    return node.settings.data_dir / "network" / day.isoformat() / f"coverage.{kind}"
