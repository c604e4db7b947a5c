"""`repatria basis` and `repatria network` as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process


def repatria(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repatria", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_basis_prints_the_documented_json_shape() -> None:
    done = repatria("basis", "US", "CH", "--measure", "records", "--date", "2024-01-01", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"requesting", "requested", "measure", "date", "bases", "not_applicable"} <= set(data)
    assert (data["requesting"], data["requested"], data["date"]) == ("US", "CH", "2024-01-01")
    ids = [b["instrument"] for b in data["bases"]]
    assert ids.index("BILATERAL:CH-US") < ids.index("UNCAC")
    for basis in data["bases"]:
        assert {"instrument", "title", "kind", "why", "requires", "articles"} <= set(basis)


def test_explain_lists_what_does_not_apply() -> None:
    done = repatria("basis", "FR", "DE", "--measure", "freezing", "--explain", "--json")
    data = json.loads(done.stdout)
    assert data["bases"][0]["instrument"] == "EU_2018_1805"
    assert any(x["instrument"] == "VIENNA1988" or x["why"] for x in data["not_applicable"])


def test_bad_values_name_the_accepted_ones() -> None:
    done = repatria("basis", "NG", "GB", "--measure", "teleport")
    assert done.returncode == 3
    assert "unknown measure 'teleport'; accepted: records" in done.stderr
    done = repatria("basis", "NG", "GB", "--measure", "records", "--date", "2024-02-30")
    assert done.returncode == 3 and "2024-02-30" in done.stderr


def test_network_writes_csv_and_pictures(tmp_path: Path) -> None:
    out = tmp_path / "net"
    done = repatria("network", "--out", str(out), "--measure", "records", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["states"] > 150
    for name in ("basis_matrix.csv", "gaps.csv", "steps.csv", "coverage.png", "coverage.svg"):
        assert (out / name).stat().st_size > 100, name
