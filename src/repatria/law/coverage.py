"""The network report: matrix, gaps and steps as CSV, and the coverage picture.

``survey_network`` computes; ``matrix_csv``, ``gaps_csv``, ``steps_csv``,
``law.picture.draw_coverage`` and ``summary_json`` give each file's content. The
adapter ``repatria.adapters.network_report.write_network_report`` (what the CLI
command and the UI page call) writes them into the directory it is given:

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
import io
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


@dataclass(frozen=True, slots=True)
class NetworkSurvey:
    """The network on one date: the matrix, the ranked steps, the measure to picture."""

    matrix: BasisMatrix
    steps: tuple[Step, ...]
    matrix_seconds: float
    shown: Measure
    """The measure the coverage picture shows."""


def survey_network(
    on: date | str | None = None,
    measures: Iterable[Measure | str] | None = None,
    offence: Offence | str | None = None,
    catalogue: Catalogue | None = None,
    *,
    picture_measure: Measure | str | None = None,
) -> NetworkSurvey:
    """Compute the network for ``on``: every ordered pair's basis and the steps that close
    most gaps (the first requested measure is pictured unless ``picture_measure`` is one)."""
    catalogue = catalogue or load_catalogue()
    chosen = None if measures is None else tuple(parse_measure(str(m)) for m in measures)
    started = time.perf_counter()
    matrix = basis_matrix(catalogue, on=on, measures=chosen, offence=offence)
    seconds = time.perf_counter() - started
    steps = rank_steps(matrix, catalogue)
    shown = matrix.measures[0] if picture_measure is None else parse_measure(str(picture_measure))
    if shown not in matrix.measures:
        shown = matrix.measures[0]
    return NetworkSurvey(matrix, tuple(steps), seconds, shown)


def network_report(
    survey: NetworkSurvey, out_dir: Path, files: dict[str, Path], *, top: int = 25
) -> NetworkReport:
    """The report's figures for ``survey``, naming the ``files`` written into ``out_dir``."""
    matrix = survey.matrix
    return NetworkReport(
        out_dir=out_dir,
        on=matrix.on,
        offence=matrix.offence,
        measures=matrix.measures,
        states=len(matrix.states),
        ordered_pairs=len(matrix.states) * (len(matrix.states) - 1),
        matrix_seconds=survey.matrix_seconds,
        gaps={m.value: int(matrix.gap_mask(m).sum()) for m in matrix.measures},
        unverified_gaps={
            m.value: int(matrix.gap_mask(m, certain=True).sum()) for m in matrix.measures
        },
        steps=survey.steps[:top],
        files=files,
    )


def summary_json(report: NetworkReport) -> str:
    """``summary.json``: the report's figures and the files it names."""
    return json.dumps(report.to_dict(), indent=2)


def matrix_csv(matrix: BasisMatrix) -> str:
    """``basis_matrix.csv``: one row per ordered pair, one column per measure."""
    region = regions(matrix)
    out = io.StringIO(newline="")
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
    return out.getvalue()


def gaps_csv(matrix: BasisMatrix) -> str:
    """``gaps.csv``: every pair and measure with no certain treaty basis."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["measure", "requesting", "requested", "left", "possibly_if_dates_confirmed"])
    for gap in list_gaps(matrix):
        writer.writerow([gap.measure, gap.requesting, gap.requested, gap.left, gap.unverified])
    return out.getvalue()


def steps_csv(steps: Iterable[Step]) -> str:
    """``steps.csv``: ratifications and bilateral treaties ranked by gaps closed."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["rank", "action", "instrument", "states", "gap_cells_closed"])
    for rank, step in enumerate(steps, start=1):
        writer.writerow([rank, step.action, step.instrument, " ".join(step.states), step.closes])
    return out.getvalue()
