"""train/detect round trip on a small generated ledger."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from repatria.errors import InvalidInput
from repatria.tracing.features import FeatureParameters, WindowAlignment
from repatria.tracing.scoring import (
    MODEL_FORMAT,
    ModelSettings,
    _params_from_json,
    _params_to_json,
    detect,
    load_transactions,
    train,
)


def _generator() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "generator.py"
    spec = importlib.util.spec_from_file_location("repatria_bench_generator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ledger_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gen = _generator()
    cfg = gen.GeneratorConfig(transactions=15_000, days=90, seed=11, instances_per_pattern=8)
    path = tmp_path_factory.mktemp("gen") / "ledger.csv"
    gen.write_csv(gen.generate(cfg), path)
    return path


def test_train_then_detect_round_trip(ledger_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    # One thread: the suite runs one worker per core, and LightGBM's OpenMP threads spin
    # against each other on a busy machine (80 rounds took 17 s with two, 0.5 s with one).
    settings = ModelSettings(max_rounds=80, num_threads=1)
    report = train(ledger_csv, model, settings=settings)
    document = json.loads(model.read_text(encoding="utf-8"))
    assert document["format"] == MODEL_FORMAT and document["version"] == 1
    assert document["features"] == list(report.features)
    assert document["threshold"] == report.threshold
    assert report.positives > 0 and report.test.positives > 0
    # Planted typologies are far from random: PR-AUC well above the base rate.
    assert report.test.pr_auc > 10 * report.test.positives / report.test.rows
    assert set(report.test_recall_per_pattern) <= {*_generator().PATTERNS, "none"}

    out = tmp_path / "scores.csv"
    result = detect(ledger_csv, model, out, num_threads=1)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "score", "flag"]
    assert result.rows == len(rows) == report.rows
    assert sum(int(r["flag"]) for r in rows) == result.flagged
    for r in rows:
        assert (float(r["score"]) >= report.threshold) == (r["flag"] == "1")

    again = tmp_path / "model2.json"
    train(ledger_csv, again, settings=settings)
    assert json.loads(again.read_text(encoding="utf-8"))["lightgbm"] == document["lightgbm"]


def test_detect_refuses_a_file_that_is_not_a_model(ledger_csv: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "model.json"
    bogus.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="expected a repatria-transaction-scoring model"):
        detect(ledger_csv, bogus, tmp_path / "out.csv")


def test_train_needs_labels(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "id,timestamp,from_account,to_account,amount,currency\n"
        "1,2024-01-01T00:00:00Z,A,B,10.00,USD\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="is_laundering column"):
        train(path, tmp_path / "m.json")


def test_model_file_keeps_the_window_alignment() -> None:
    params = FeatureParameters(
        windows=(timedelta(days=2),), patterns=(), alignment=WindowAlignment.TRAILING
    )
    document = json.loads(json.dumps(_params_to_json(params)))
    assert document["alignment"] == "trailing"
    assert _params_from_json(document) == params
    # Model files written before the option existed meant centred windows.
    del document["alignment"]
    assert _params_from_json(document).alignment is WindowAlignment.CENTRED


def test_load_transactions_refuses_a_table_name_that_is_not_an_identifier(
    tmp_path: Path,
) -> None:
    # Found by bandit B608 (R23): the table name was written into CREATE TABLE unquoted, so a
    # name carrying a second statement ran it (here: a COPY writing a file).
    path = tmp_path / "plain.csv"
    path.write_text(
        "id,timestamp,from_account,to_account,amount,currency\n"
        "1,2024-01-01T00:00:00Z,A,B,10.00,USD\n",
        encoding="utf-8",
    )
    planted = tmp_path / "planted.csv"
    hostile = f"t AS SELECT 1 AS x; COPY (SELECT 42) TO '{planted}'; CREATE TABLE u"
    with duckdb.connect() as con, pytest.raises(InvalidInput, match="relation name") as refused:
        load_transactions(con, path, hostile)
    assert refused.value.where == "table"
    assert not planted.exists()
    with duckdb.connect() as con:
        assert load_transactions(con, path, "plain") == []
        assert con.sql("SELECT count(*) FROM plain").fetchone() == (1,)
