import csv
import json
from pathlib import Path

from repatria.adapters.network_report import write_network_report
from repatria.law.catalogue import load_catalogue


def test_write_network_report_writes_every_file(tmp_path: Path) -> None:
    report = write_network_report(
        tmp_path / "net", on="2024-01-01", measures=["records", "freezing"], top=5
    )
    assert set(report.files) == {"matrix", "gaps", "steps", "png", "svg", "summary"}
    for path in report.files.values():
        assert path.exists() and path.stat().st_size > 0
    assert report.files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in report.files["svg"].read_bytes()[:500]
    states = len(load_catalogue().states())
    with report.files["matrix"].open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0][4:] == ["records", "freezing"]
    assert len(rows) - 1 == states * (states - 1) == report.ordered_pairs
    us_ch = next(r for r in rows if r[0] == "US" and r[1] == "CH")
    assert us_ch[4] == "BILATERAL:CH-US"
    summary = json.loads(report.files["summary"].read_text())
    assert summary["states"] == states
    assert summary["gaps"] == report.gaps
    assert len(summary["steps"]) <= 5
    with report.files["gaps"].open() as handle:
        gap_rows = list(csv.DictReader(handle))
    assert len(gap_rows) == sum(report.unverified_gaps.values())
