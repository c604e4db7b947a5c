"""The peer pipeline: IBM's Graph Feature Preprocessor (snapml) + LightGBM.

Runs ONLY inside bench/.peer-venv (see setup.sh): snapml is proprietary and never a dependency
of repatria. Called by bench_detection.py and bench_features.py with a canonical CSV; prints
one JSON object on stdout.

GFP configuration follows the snapml example for AML (Blanusa et al. 2024): fan, degree,
scatter-gather, temporal cycles and length-constrained cycles (up to length 10) plus vertex
statistics of the amount, with time windows in seconds. ``--cycle-len``, ``--window-days`` and
``--no-temp-cycle`` depart from that configuration; the caller says when and why.

The LightGBM settings come from the caller (``--lightgbm JSON``), so both pipelines train with
the same budget. ``features --dump F.npy`` saves, per edge in ``ts, id`` order, the vertex
statistics both pipelines compute: fan and degree of the source's outgoing and incoming edges
and of the target's outgoing and incoming edges (8 integer columns).
"""

from __future__ import annotations

import argparse
import json
import time

import lightgbm
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score
from snapml import GraphFeaturePreprocessor

DAY = 86_400


VERTEX_BLOCKS = ("src_out", "src_in", "dst_out", "dst_in")
VERTEX_FEATS = [0, 1, 2, 3, 4, 8, 9, 10]
"""GFP's vertex statistics: fan, degree, ratio, average, sum, var, skew, kurtosis."""


def gfp_params(
    threads: int, window_days: float, cycle_len: int, temp_cycle: bool = True
) -> dict[str, object]:
    tw = int(window_days * DAY)
    return {
        "num_threads": threads,
        "time_window": -1,
        "vertex_stats": True,
        "vertex_stats_tw": tw,
        "vertex_stats_cols": [4],
        "vertex_stats_feats": VERTEX_FEATS,
        "fan": True,
        "fan_tw": tw,
        "fan_bins": [y + 2 for y in range(9)],
        "degree": True,
        "degree_tw": tw,
        "degree_bins": [y + 2 for y in range(9)],
        "scatter-gather": True,
        "scatter-gather_tw": tw,
        "scatter-gather_bins": [y + 2 for y in range(9)],
        "temp-cycle": temp_cycle,
        "temp-cycle_tw": tw,
        "temp-cycle_bins": [y + 2 for y in range(9)],
        "lc-cycle": True,
        "lc-cycle_tw": tw,
        "lc-cycle_len": cycle_len,
        "lc-cycle_bins": [y + 2 for y in range(9)],
    }


def load(path: str) -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.read_csv(path, dtype=str)
    df["amount"] = df["amount"].astype(np.float64)
    # Whole seconds since the epoch, whatever resolution pandas picks (pandas 3 parses ISO
    # strings to microseconds: dividing its int64 by 10**9 would give units of 1,000 s).
    df["ts"] = pd.to_datetime(df["timestamp"], utc=True).dt.as_unit("s").astype("int64")
    df = df.sort_values(["ts", "id"], kind="stable").reset_index(drop=True)
    accounts = pd.Index(pd.unique(pd.concat([df["from_account"], df["to_account"]])))
    edges = np.column_stack(
        [
            np.arange(len(df), dtype=np.float64),
            accounts.get_indexer(df["from_account"]).astype(np.float64),
            accounts.get_indexer(df["to_account"]).astype(np.float64),
            df["ts"].to_numpy(dtype=np.float64),
            df["amount"].to_numpy(dtype=np.float64),
        ]
    )
    return df, edges


def transform(edges: np.ndarray, params: dict[str, object], batch: int) -> tuple[np.ndarray, float]:
    gp = GraphFeaturePreprocessor()
    gp.set_params(params)
    parts = []
    started = time.perf_counter()
    for i in range(0, edges.shape[0], batch):
        parts.append(gp.transform(edges[i : i + batch]))
    return np.vstack(parts), time.perf_counter() - started


def split(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ordered = np.sort(ts, kind="stable")
    n = ts.size
    c1, c2 = ordered[int(n * 0.6)], ordered[int(n * 0.8)]
    return ts < c1, (ts >= c1) & (ts < c2), ts >= c2


def best_threshold(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(-s, kind="stable")
    ss, tp = s[order], np.cumsum(y[order])
    last = np.r_[ss[1:] != ss[:-1], True]
    f1 = 2 * tp[last] / (np.arange(1, s.size + 1)[last] + y.sum())
    return float(ss[last][int(np.argmax(f1))])


def metrics(y: np.ndarray, s: np.ndarray, thr: float) -> dict[str, float]:
    flags = s >= thr
    tp = int((flags & y).sum())
    p = tp / flags.sum() if flags.sum() else 0.0
    r = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"f1": f1, "precision": p, "recall": r, "pr_auc": float(average_precision_score(y, s))}


def detect(args: argparse.Namespace) -> dict[str, object]:
    df, edges = load(args.input)
    params = gfp_params(args.threads, args.window_days, args.cycle_len, not args.no_temp_cycle)
    feats, seconds = transform(edges, params, args.batch)
    x = np.column_stack([edges[:, 4], feats[:, 5:]])
    y = df["is_laundering"].astype(str).isin(["1", "True", "true"]).to_numpy()
    tr, va, te = split(edges[:, 3])
    budget = json.loads(args.lightgbm)
    rounds, patience = int(budget.pop("max_rounds")), int(budget.pop("early_stopping_rounds"))
    booster = lightgbm.train(
        budget | {"metric": "average_precision"},
        lightgbm.Dataset(x[tr], label=y[tr]),
        num_boost_round=rounds,
        valid_sets=[lightgbm.Dataset(x[va], label=y[va])],
        callbacks=[lightgbm.early_stopping(patience, verbose=False)],
    )
    sv = booster.predict(x[va], num_iteration=booster.best_iteration)
    thr = best_threshold(y[va], sv)
    st = booster.predict(x[te], num_iteration=booster.best_iteration)
    truth = next((c for c in ("pattern", "alert_type") if c in df.columns), None)
    per_pattern: dict[str, dict[str, int]] = {}
    if truth is not None:
        names = df[truth].fillna("").astype(str).to_numpy()[te]
        flags = st >= thr
        for name in sorted(set(names) - {""}):
            hit = names == name
            per_pattern[name] = {"found": int(flags[hit].sum()), "total": int(hit.sum())}
    return {
        "peer": "snapml GraphFeaturePreprocessor + LightGBM",
        "gfp_config": {
            "window_days": args.window_days,
            "cycle_len": args.cycle_len,
            "temp_cycle": not args.no_temp_cycle,
            "batch": args.batch,
        },
        "trees": int(booster.best_iteration),
        "recall_per_pattern": per_pattern,
        "gfp_seconds": seconds,
        "features": int(x.shape[1]),
        "threshold": thr,
        "test": metrics(y[te], st, thr),
        "validation": metrics(y[va], sv, thr),
    }


def features(args: argparse.Namespace) -> dict[str, object]:
    _, edges = load(args.input)
    if args.max_edges:
        edges = edges[: args.max_edges]
    params = gfp_params(args.threads, args.window_days, args.cycle_len, not args.no_temp_cycle)
    feats, seconds = transform(edges, params, args.batch)
    out: dict[str, object] = {
        "edges": int(edges.shape[0]),
        "batch": args.batch,
        "seconds": seconds,
        "edges_per_second": edges.shape[0] / seconds,
        "columns": int(feats.shape[1]),
    }
    if args.dump:
        stats = feats[:, -len(VERTEX_BLOCKS) * len(VERTEX_FEATS) :]
        cols = [i * len(VERTEX_FEATS) + k for i in range(len(VERTEX_BLOCKS)) for k in (0, 1)]
        np.save(args.dump, stats[:, cols].astype(np.int64))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["detect", "features"])
    parser.add_argument("input")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--window-days", type=float, default=7.0)
    parser.add_argument("--cycle-len", type=int, default=10)
    parser.add_argument("--no-temp-cycle", action="store_true")
    parser.add_argument("--max-edges", type=int, default=0)
    parser.add_argument("--lightgbm", default="{}")
    parser.add_argument("--dump", default="")
    args = parser.parse_args()
    result = detect(args) if args.mode == "detect" else features(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
