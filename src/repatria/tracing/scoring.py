"""A supervised model that scores each transaction for laundering, and its two uses.

``train`` learns a gradient-boosted tree model (LightGBM; Ke et al. 2017) on the features of
:mod:`features` from a labelled canonical CSV, and ``detect`` applies it to new transactions.
This is the pipeline the AMLworld paper (Altman et al. 2023, section 5) and the Graph Feature
Preprocessor paper (Blanusa et al. 2024) report as their strongest tree baseline; here the
features also include typology hits that an analyst can read.

The split is temporal (see :mod:`evaluation`): the model learns from the first 60 % of the
transactions in time, the next 20 % pick the number of trees and the threshold that maximises
minority-class F1, and the last 20 % measure it. Training is deterministic: fixed seeds,
``deterministic=True``, a fixed thread count and row order ``ts, id``.

The model file is JSON: the format name and version, the feature list, the feature
parameters, the threshold, the LightGBM model text, and what it was trained on, so a flag can
always be traced back to the exact model that raised it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import numpy.typing as npt

from repatria.errors import InvalidInput
from repatria.tracing.evaluation import (
    Metrics,
    PatternRecall,
    best_threshold,
    evaluate,
    recall_per_pattern,
    temporal_split,
)
from repatria.tracing.features import (
    FeatureParameters,
    WindowAlignment,
    feature_columns_present,
    feature_table,
)
from repatria.tracing.patterns import (
    CycleParameters,
    Pattern,
    PatternParameters,
    quote_relation,
)
from repatria.tracing.schema import COLUMNS, LABEL_COLUMN

if TYPE_CHECKING:
    import lightgbm

__all__ = [
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "DetectReport",
    "ModelSettings",
    "TrainReport",
    "detect",
    "load_transactions",
    "train",
]

MODEL_FORMAT = "repatria-transaction-scoring"
MODEL_VERSION = 1
_TABLE = "scoring_transactions"
_FEATURES = "scoring_features"
_TRUTH_COLUMNS = ("pattern", "alert_type")
"""Ground-truth typology columns of labelled synthetic data (ours, AMLSim's)."""


@dataclass(frozen=True)
class ModelSettings:
    """LightGBM settings; the defaults were chosen on AMLSim dataset A's validation split."""

    num_threads: int = 2
    seed: int = 7
    learning_rate: float = 0.05
    num_leaves: int = 31
    max_rounds: int = 600
    early_stopping_rounds: int = 50
    min_child_samples: int = 20
    feature_fraction: float = 0.8
    positive_weight: float = 5.0

    def lightgbm_params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "scale_pos_weight": self.positive_weight,
            "num_threads": self.num_threads,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }


@dataclass(frozen=True)
class TrainReport:
    """What ``train`` learnt and how well it did on the held-out parts."""

    model_path: Path
    rows: int
    positives: int
    features: tuple[str, ...]
    threshold: float
    trees: int
    validation: Metrics
    test: Metrics
    test_recall_per_pattern: Mapping[str, PatternRecall] = field(default_factory=dict)
    seconds: float = 0.0
    version: int = MODEL_VERSION


@dataclass(frozen=True)
class DetectReport:
    """What ``detect`` wrote: every transaction with its score and flag."""

    output_path: Path
    rows: int
    flagged: int
    threshold: float
    model_version: int
    seconds: float


def _source_sql(path: Path) -> str:
    name = str(path).replace("'", "''")
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith(".parquet"):
        return f"read_parquet('{name}')"
    if ".csv" in suffixes:
        return f"read_csv('{name}', header = true, all_varchar = true)"
    raise InvalidInput(
        f"expected a .csv, .csv.gz or .parquet file, found {path.name!r}", where=str(path)
    )


def load_transactions(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
    """Load canonical CSV or Parquet at ``path`` into table ``name``; return the extra columns.

    The CSV header is ``id,timestamp,from_account,to_account,amount,currency`` with optional
    ``from_bank,to_bank,from_country,to_country``, ``is_laundering`` (``0/1`` or
    ``true/false``) and ground-truth columns (``pattern``, ``alert_type``), which are kept.
    """
    table = quote_relation(name)  # refused here, before any SQL is built with it
    if not path.is_file():
        raise InvalidInput(f"expected a transaction file, found nothing at {path}", where="path")
    source = _source_sql(path)
    try:
        found = con.sql(f"SELECT * FROM {source} LIMIT 0").columns  # nosec B608  # source from _source_sql: the path is an escaped literal
    except duckdb.Error as exc:
        raise InvalidInput(f"cannot read transactions: {exc}", where=str(path)) from exc
    present = set(found)
    time_col = "ts" if "ts" in present else "timestamp"
    required = ["id", time_col, "from_account", "to_account", "amount", "currency"]
    missing = [c for c in required if c not in present]
    if missing:
        raise InvalidInput(
            f"expected columns {', '.join(required)}; missing {', '.join(missing)} "
            f"(found {', '.join(found)})",
            where=str(path),
        )
    parts = []
    for col in COLUMNS:
        source_col = time_col if col.name == "ts" else col.name
        if source_col not in present:
            parts.append(f"CAST(NULL AS {col.sql_type}) AS {col.name}")
        elif col.name == "ts":
            parts.append(f"CAST(CAST({source_col} AS TIMESTAMPTZ) AS TIMESTAMP) AS ts")
        else:
            parts.append(f"CAST({source_col} AS {col.sql_type}) AS {col.name}")
    extra = []
    if LABEL_COLUMN.name in present:
        parts.append(
            f"CAST(CAST({LABEL_COLUMN.name} AS VARCHAR) IN ('1', 'true', 'True', 'TRUE') "
            f"AS BOOLEAN) AS {LABEL_COLUMN.name}"
        )
        extra.append(LABEL_COLUMN.name)
    for col_name in _TRUTH_COLUMNS:
        if col_name in present:
            parts.append(f"CAST({col_name} AS VARCHAR) AS {col_name}")
            extra.append(col_name)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(parts)} FROM {source}")  # nosec B608  # table from quote_relation; parts from schema constants; source an escaped path
    except duckdb.Error as exc:
        raise InvalidInput(f"cannot read transactions: {exc}", where=str(path)) from exc
    bad = con.sql(
        f"SELECT count(*) FILTER (WHERE amount <= 0), count(*) - count(DISTINCT id) FROM {table}"  # nosec B608  # table from quote_relation
    ).fetchone()
    if bad is not None and (bad[0] or bad[1]):
        raise InvalidInput(
            f"expected positive amounts and unique ids, found {bad[0]} non-positive amounts "
            f"and {bad[1]} duplicate ids",
            where=str(path),
        )
    return extra


def _matrix(
    con: duckdb.DuckDBPyConnection, names: list[str]
) -> tuple[npt.NDArray[np.float64], list[str]]:
    cols = ", ".join(f'CAST("{n}" AS DOUBLE)' for n in names)
    arrays = con.sql(f"SELECT id, {cols} FROM {_FEATURES} ORDER BY rowid").fetchnumpy()  # nosec B608  # names are the feature columns feature_table made; _FEATURES a constant
    ids = [str(i) for i in arrays["id"]]
    data = np.column_stack([np.asarray(arrays[k], dtype=np.float64) for k in list(arrays)[1:]])
    return data, ids


def _params_to_json(params: FeatureParameters) -> dict[str, Any]:
    pp = params.pattern_parameters
    return {
        "windows_seconds": [int(w.total_seconds()) for w in params.windows],
        "alignment": params.alignment.value,
        "patterns": [p.value for p in params.patterns],
        "cycle": {
            "min_length": pp.cycle.min_length,
            "max_length": pp.cycle.max_length,
            "window_seconds": int(pp.cycle.window.total_seconds()),
            "ordered": pp.cycle.ordered,
        },
    }


def _params_from_json(data: Mapping[str, Any]) -> FeatureParameters:
    cyc = data["cycle"]
    return FeatureParameters(
        windows=tuple(timedelta(seconds=int(s)) for s in data["windows_seconds"]),
        alignment=WindowAlignment(str(data.get("alignment", WindowAlignment.CENTRED.value))),
        patterns=tuple(Pattern(p) for p in data["patterns"]),
        pattern_parameters=PatternParameters(
            cycle=CycleParameters(
                min_length=int(cyc["min_length"]),
                max_length=int(cyc["max_length"]),
                window=timedelta(seconds=int(cyc["window_seconds"])),
                ordered=bool(cyc["ordered"]),
            )
        ),
    )


@dataclass(frozen=True)
class _Fitted:
    booster: lightgbm.Booster
    threshold: float
    validation: Metrics
    test: Metrics
    test_scores: npt.NDArray[np.float64]
    test_mask: npt.NDArray[np.bool_]


def fit_on_table(
    con: duckdb.DuckDBPyConnection,
    names: list[str],
    labels: npt.NDArray[np.bool_],
    timestamps: npt.NDArray[np.datetime64],
    features: npt.NDArray[np.float64],
    settings: ModelSettings,
) -> _Fitted:
    """Fit on the train part, pick trees and threshold on validation, score the test part."""
    import lightgbm  # here, not at the top: a second to import, and only fitting needs it

    del con
    train_mask, val_mask, test_mask = temporal_split(timestamps)
    for part, mask in (("train", train_mask), ("validation", val_mask)):
        if not labels[mask].any():
            raise InvalidInput(
                f"expected laundering transactions in the {part} part of the temporal split, "
                f"found none among {int(mask.sum())}",
                where="is_laundering",
            )
    train_set = lightgbm.Dataset(
        features[train_mask], label=labels[train_mask], feature_name=names, free_raw_data=False
    )
    val_set = lightgbm.Dataset(
        features[val_mask], label=labels[val_mask], reference=train_set, free_raw_data=False
    )
    params = settings.lightgbm_params() | {"metric": "average_precision"}
    booster = lightgbm.train(
        params,
        train_set,
        num_boost_round=settings.max_rounds,
        valid_sets=[val_set],
        callbacks=[lightgbm.early_stopping(settings.early_stopping_rounds, verbose=False)],
    )
    val_scores = np.asarray(
        booster.predict(features[val_mask], num_iteration=booster.best_iteration), dtype=np.float64
    )
    threshold = best_threshold(labels[val_mask], val_scores)
    test_scores = np.asarray(
        booster.predict(features[test_mask], num_iteration=booster.best_iteration),
        dtype=np.float64,
    )
    return _Fitted(
        booster=booster,
        threshold=threshold,
        validation=evaluate(labels[val_mask], val_scores, threshold),
        test=evaluate(labels[test_mask], test_scores, threshold),
        test_scores=test_scores,
        test_mask=test_mask,
    )


def train(
    path: Path | str,
    output_model_path: Path | str,
    *,
    params: FeatureParameters | None = None,
    settings: ModelSettings | None = None,
) -> TrainReport:
    """Learn a scoring model from the labelled canonical file at ``path``.

    Writes the model to ``output_model_path`` and reports validation and test metrics (and
    recall per typology when the file has a ``pattern`` or ``alert_type`` column).
    """
    started = time.perf_counter()
    source, target = Path(path), Path(output_model_path)
    feature_params = params or FeatureParameters()
    model_settings = settings or ModelSettings()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(model_settings.num_threads)}")
    extra = load_transactions(con, source, _TABLE)
    if LABEL_COLUMN.name not in extra:
        raise InvalidInput(
            "expected an is_laundering column to learn from, found none", where=str(source)
        )
    names = feature_table(con, _TABLE, _FEATURES, feature_params)
    features, _ = _matrix(con, names)
    truth_col = next((c for c in _TRUTH_COLUMNS if c in extra), None)
    truth_sql = f", coalesce(t.{truth_col}, '')" if truth_col else ""
    meta = con.sql(
        f"SELECT t.is_laundering, t.ts{truth_sql} FROM {_FEATURES} AS f "
        f"JOIN {_TABLE} AS t USING (id) ORDER BY f.rowid"  # nosec B608  # truth_col from _TRUTH_COLUMNS; _FEATURES and _TABLE constants
    ).fetchnumpy()
    keys = list(meta)
    labels = np.asarray(meta[keys[0]], dtype=np.bool_)
    timestamps = np.asarray(meta[keys[1]], dtype="datetime64[us]")
    fitted = fit_on_table(con, names, labels, timestamps, features, model_settings)
    per_pattern: Mapping[str, PatternRecall] = {}
    if truth_col:
        truth = [str(v) for v in np.asarray(meta[keys[2]])[fitted.test_mask]]
        per_pattern = recall_per_pattern(truth, fitted.test_scores >= fitted.threshold)
    document = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "features": names,
        "feature_parameters": _params_to_json(feature_params),
        "threshold": fitted.threshold,
        "best_iteration": fitted.booster.best_iteration,
        "trained_on": {"file": source.name, "rows": int(labels.size)},
        "validation": fitted.validation.to_dict(),
        "test": fitted.test.to_dict(),
        "lightgbm": fitted.booster.model_to_string(num_iteration=fitted.booster.best_iteration),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
    con.close()
    return TrainReport(
        model_path=target,
        rows=int(labels.size),
        positives=int(labels.sum()),
        features=tuple(names),
        threshold=fitted.threshold,
        trees=int(fitted.booster.best_iteration),
        validation=fitted.validation,
        test=fitted.test,
        test_recall_per_pattern=per_pattern,
        seconds=time.perf_counter() - started,
    )


def _read_model(model_path: Path) -> dict[str, Any]:
    try:
        document = json.loads(model_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the model: {exc}", where=str(model_path)) from exc
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise InvalidInput(
            f"expected a {MODEL_FORMAT} model file, found another kind of file",
            where=str(model_path),
        )
    if document.get("version") != MODEL_VERSION:
        raise InvalidInput(
            f"expected model version {MODEL_VERSION}, found {document.get('version')!r}",
            where=str(model_path),
        )
    return document


def detect(
    path: Path | str, model_path: Path | str, output_csv_path: Path | str, *, num_threads: int = 2
) -> DetectReport:
    """Score every transaction of the canonical file at ``path`` with the model.

    Writes ``id,score,flag`` (flag 1 when the score reaches the model's threshold) to
    ``output_csv_path``, in ``ts, id`` order.
    """
    started = time.perf_counter()
    source, model_file, target = Path(path), Path(model_path), Path(output_csv_path)
    document = _read_model(model_file)
    names = [str(n) for n in document["features"]]
    threshold = float(document["threshold"])
    import lightgbm  # here, not at the top: a second to import, and only scoring needs it

    booster = lightgbm.Booster(model_str=document["lightgbm"])
    con = duckdb.connect()
    con.execute(f"SET threads = {int(num_threads)}")
    load_transactions(con, source, _TABLE)
    feature_table(con, _TABLE, _FEATURES, _params_from_json(document["feature_parameters"]))
    feature_columns_present(con, _FEATURES, names)
    features, ids = _matrix(con, names)
    scores = np.asarray(booster.predict(features, num_threads=num_threads), dtype=np.float64)
    flags = scores >= threshold
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write("id,score,flag\n")
        for tx_id, score, flag in zip(ids, scores.tolist(), flags.tolist(), strict=True):
            out.write(f"{tx_id},{score!r},{int(flag)}\n")
    con.close()
    return DetectReport(
        output_path=target,
        rows=len(ids),
        flagged=int(flags.sum()),
        threshold=threshold,
        model_version=int(document["version"]),
        seconds=time.perf_counter() - started,
    )
