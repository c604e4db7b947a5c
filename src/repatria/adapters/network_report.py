"""The treaty-network report on disk: the files ``law.coverage`` composes, in one folder.

``law.coverage.survey_network`` computes the network and ``law.coverage`` /
``law.picture`` give each file's content; this writes them into ``out_dir`` (the caller's
choice: nothing else is opened) and returns the report naming them. The files are listed in
``law.coverage``'s docstring; CSV keeps the RFC 4180 CRLF line ends ``csv.writer`` gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from repatria.adapters.picture import write_picture
from repatria.domain.measure import Measure
from repatria.law.catalogue import Catalogue
from repatria.law.coverage import (
    NetworkReport,
    gaps_csv,
    matrix_csv,
    network_report,
    steps_csv,
    summary_json,
    survey_network,
)
from repatria.law.offences import Offence
from repatria.law.picture import draw_coverage


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
    """Compute the network for ``on`` and write its files into ``out_dir``."""
    survey = survey_network(on, measures, offence, catalogue, picture_measure=picture_measure)
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "matrix": _write(target / "basis_matrix.csv", matrix_csv(survey.matrix)),
        "gaps": _write(target / "gaps.csv", gaps_csv(survey.matrix)),
        "steps": _write(target / "steps.csv", steps_csv(survey.steps)),
    }
    files.update(write_picture(draw_coverage(survey.matrix, survey.shown), target / "coverage"))
    files["summary"] = target / "summary.json"
    report = network_report(survey, target, files, top=top)
    _write(files["summary"], summary_json(report))
    return report


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path
