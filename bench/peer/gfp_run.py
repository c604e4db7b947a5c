"""The peer pipeline: IBM's Graph Feature Preprocessor (snapml) + LightGBM.

Runs ONLY inside bench/.peer-venv (see setup.sh): snapml is proprietary and never a dependency
of repatria. Called by bench_detection.py and bench_features.py with a canonical CSV; prints
one JSON object on stdout.

GFP configuration follows the snapml example for AML (Blanusa et al. 2024): fan, degree,
scatter-gather, temporal cycles and length-constrained cycles (up to length 10) plus vertex
statistics of the amount, with time windows in seconds.
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


def gfp_params(threads: int, window_days: float, cycle_len: int) -> dict[str, object]:
    tw = int(window_days * DAY)
    return {
        "num_threads": threads,
        "time_window": -1,
        "vertex_stats": True,
        "vertex_stats_tw": tw,
        "vertex_stats_cols": [4],
        "vertex_stats_feats": [0, 1, 2, 3, 4, 8, 9, 10],
        "fan": True,
        "fan_tw": tw,
        "fan_bins": [y + 2 for y in range(9)],
        "degree": True,
        "degree_tw": tw,
        "degree_bins": [y + 2 for y in range(9)],
        "scatter-gather": True,
        "scatter-gather_tw": tw,
        "scatter-gather_bins": [y + 2 for y in range(9)],
        "temp-cycle": True,
        "temp-cycle_tw": tw,
        "temp-cycle_bins": [y + 2 for y in range(9)],
        "lc-cycle": True,
        "lc-cycle_tw": tw,
        "lc-cycle_len": cycle_len,
        "lc-cycle_bins": [y + 2 for y in range(9)],
    }


def load(path: str) -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.read_csv(path, dtype={"id": str, "from_account": str, "to_account": str})
    df["ts"] = pd.to_datetime(df["timestamp"], utc=True).astype("int64") // 10**9
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
    params = gfp_params(args.threads, args.window_days, args.cycle_len)
    feats, seconds = transform(edges, params, args.batch)
    x = np.column_stack([edges[:, 4], feats[:, 5:]])
    y = df["is_laundering"].astype(str).isin(["1", "True", "true"]).to_numpy()
    tr, va, te = split(edges[:, 3])
    booster = lightgbm.train(
        {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 31,
            "scale_pos_weight": 5.0,
            "num_threads": args.threads,
            "seed": 7,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
            "metric": "average_precision",
        },
        lightgbm.Dataset(x[tr], label=y[tr]),
        num_boost_round=600,
        valid_sets=[lightgbm.Dataset(x[va], label=y[va])],
        callbacks=[lightgbm.early_stopping(50, verbose=False)],
    )
    sv = booster.predict(x[va], num_iteration=booster.best_iteration)
    thr = best_threshold(y[va], sv)
    st = booster.predict(x[te], num_iteration=booster.best_iteration)
    return {
        "peer": "snapml GraphFeaturePreprocessor + LightGBM",
        "gfp_seconds": seconds,
        "features": int(x.shape[1]),
        "threshold": thr,
        "test": metrics(y[te], st, thr),
        "validation": metrics(y[va], sv, thr),
    }


def features(args: argparse.Namespace) -> dict[str, object]:
    _, edges = load(args.input)
    params = gfp_params(args.threads, args.window_days, args.cycle_len)
    feats, seconds = transform(edges, params, args.batch)
    out: dict[str, object] = {
        "edges": int(edges.shape[0]),
        "batch": args.batch,
        "seconds": seconds,
        "edges_per_second": edges.shape[0] / seconds,
        "columns": int(feats.shape[1]),
    }
    if args.dump:
        np.save(args.dump, feats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["detect", "features"])
    parser.add_argument("input")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--window-days", type=float, default=7.0)
    parser.add_argument("--cycle-len", type=int, default=10)
    parser.add_argument("--dump", default="")
    args = parser.parse_args()
    result = detect(args) if args.mode == "detect" else features(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
