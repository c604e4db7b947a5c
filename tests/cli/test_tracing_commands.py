"""`repatria ingest`, `trace`, `patterns` as an analyst runs them on files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "delta_transactions.csv"


def repatria(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repatria", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_trace_prints_the_documented_shape() -> None:
    done = repatria("trace", str(RECORDS), "--seed", "t2", "--rule", "fifo", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"rule", "transactions", "accounts"}
    assert data["rule"] == "fifo"
    # t2 (2.45m) reaches Marlin first; FIFO pays Okonkwo's 1.8m from it, then the trust 0.65m.
    assert data["transactions"] == {"t2": 2450000.0, "t4": 1800000.0, "t5": 650000.0}
    assert data["accounts"] == {"CH-TRUST": 650000.0, "GB-OKONKWO": 1800000.0}


def test_rules_differ_where_the_law_does() -> None:
    fifo = json.loads(repatria("trace", str(RECORDS), "--seed", "t3", "--json").stdout)
    lifo = json.loads(
        repatria("trace", str(RECORDS), "--seed", "t3", "--rule", "lifo", "--json").stdout
    )
    assert fifo["accounts"] != lifo["accounts"]
    assert sum(fifo["accounts"].values()) == sum(lifo["accounts"].values()) == 3100000.0


def test_bad_rows_are_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,timestamp,from_account,to_account,amount,currency\n"
        "a,2024-01-01T00:00:00Z,X,Y,10.00,USD\n"
        "b,not-a-time,X,Y,-5,USD\n"
    )
    out = tmp_path / "out.parquet"
    done = repatria("ingest", str(bad), "--output", str(out))
    assert done.returncode == 3
    assert "row" in done.stderr and "timestamp" in done.stderr
    assert not out.exists()


def test_ingest_then_patterns(tmp_path: Path) -> None:
    out = tmp_path / "tx.parquet"
    done = repatria("ingest", str(RECORDS), "--output", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 5
    found = repatria("patterns", str(out), "--json")
    assert found.returncode == 0, found.stderr
    assert isinstance(json.loads(found.stdout), list)
