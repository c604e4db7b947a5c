"""The network report: matrix, gaps and steps as CSV, and the coverage picture.

``write_network_report`` is what the CLI command and the UI page call. It writes
into ``out_dir`` (the caller's choice: the core opens no other path):

* ``basis_matrix.csv``: one row per ordered pair, one column per measure holding the
  best certain basis, with ``|possibly:<id>`` when a better basis might apply if an
  unknown date of entry into force were confirmed;
* ``gaps.csv``: every pair and measure with no certain treaty basis;
* ``steps.csv``: ratifications and bilateral treaties ranked by gaps closed;
* ``coverage.png`` and ``coverage.svg``: a heat map of the best kind of basis for
  every pair (states grouped by region), and the share of pairs with a treaty
  basis for each pair of regions;
* ``summary.json``: the figures in this report.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from repatria.domain.measure import Measure, parse_measure
from repatria.law.catalogue import Catalogue, load_catalogue
from repatria.law.gaps import Step, list_gaps, rank_steps
from repatria.law.network import BasisMatrix, basis_matrix, regions
from repatria.law.offences import Offence


@dataclass(frozen=True, slots=True)
class NetworkReport:
    """What ``write_network_report`` wrote, with the headline figures."""

    out_dir: Path
    on: date
    offence: str | None
    measures: tuple[Measure, ...]
    states: int
    ordered_pairs: int
    matrix_seconds: float
    gaps: dict[str, int]
    """Measure -> ordered pairs with no treaty basis at all."""
    unverified_gaps: dict[str, int]
    """Measure -> ordered pairs with no treaty basis whose dates are known."""
    steps: tuple[Step, ...]
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "date": self.on.isoformat(),
            "offence": self.offence,
            "measures": [m.value for m in self.measures],
            "states": self.states,
            "ordered_pairs": self.ordered_pairs,
            "matrix_seconds": round(self.matrix_seconds, 4),
            "gaps": self.gaps,
            "gaps_without_known_dates": self.unverified_gaps,
            "steps": [s.to_dict() for s in self.steps],
            "files": {k: str(v) for k, v in self.files.items()},
        }


def write_network_report(
    out_dir: str | Path,
    on: date | str | None = None,
    measures: Iterable[Measure | str] | None = None,
    offence: Offence | str | None = None,
    catalogue: Catalogue | None = None,
    *,
    top: int = 25,
    picture_measure: Measure | str | None = None,
) -> NetworkReport:
    """Compute the network for ``on`` and write the files listed in the module docstring."""
    catalogue = catalogue or load_catalogue()
    chosen = None if measures is None else tuple(parse_measure(str(m)) for m in measures)
    started = time.perf_counter()
    matrix = basis_matrix(catalogue, on=on, measures=chosen, offence=offence)
    seconds = time.perf_counter() - started
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    steps = rank_steps(matrix, catalogue)
    files = {
        "matrix": _write_matrix(matrix, target / "basis_matrix.csv"),
        "gaps": _write_gaps(matrix, target / "gaps.csv"),
        "steps": _write_steps(steps, target / "steps.csv"),
    }
    shown = matrix.measures[0] if picture_measure is None else parse_measure(str(picture_measure))
    if shown not in matrix.measures:
        shown = matrix.measures[0]
    # matplotlib takes a while to import; only the report needs it, not the engine.
    from repatria.law.picture import draw_coverage

    files.update(draw_coverage(matrix, shown, target / "coverage"))
    report = NetworkReport(
        out_dir=target,
        on=matrix.on,
        offence=matrix.offence,
        measures=matrix.measures,
        states=len(matrix.states),
        ordered_pairs=len(matrix.states) * (len(matrix.states) - 1),
        matrix_seconds=seconds,
        gaps={m.value: int(matrix.gap_mask(m).sum()) for m in matrix.measures},
        unverified_gaps={
            m.value: int(matrix.gap_mask(m, certain=True).sum()) for m in matrix.measures
        },
        steps=tuple(steps[:top]),
        files=files,
    )
    summary = target / "summary.json"
    report.files["summary"] = summary
    summary.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return report


def _write_matrix(matrix: BasisMatrix, path: Path) -> Path:
    region = regions(matrix)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["requesting", "requested", "requesting_region", "requested_region"]
            + [m.value for m in matrix.measures]
        )
        ids = np.array(matrix.instruments, dtype=object)
        best = ids[matrix.best_id]
        possible = ids[matrix.possible_id]
        differs = matrix.best_id != matrix.possible_id
        for a, code_a in enumerate(matrix.states):
            for b, code_b in enumerate(matrix.states):
                if a == b:
                    continue
                cells = [
                    f"{best[m, a, b]}|possibly:{possible[m, a, b]}"
                    if differs[m, a, b]
                    else str(best[m, a, b])
                    for m in range(len(matrix.measures))
                ]
                writer.writerow([code_a, code_b, region[a], region[b], *cells])
    return path


def _write_gaps(matrix: BasisMatrix, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["measure", "requesting", "requested", "left", "possibly_if_dates_confirmed"]
        )
        for gap in list_gaps(matrix):
            writer.writerow([gap.measure, gap.requesting, gap.requested, gap.left, gap.unverified])
    return path


def _write_steps(steps: list[Step], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["rank", "action", "instrument", "states", "gap_cells_closed"])
        for rank, step in enumerate(steps, start=1):
            writer.writerow(
                [rank, step.action, step.instrument, " ".join(step.states), step.closes]
            )
    return path
