"""Feature extraction speed and counts: repatria's SQL features beside IBM's GFP, 1M edges.

GFP runs in its paper configuration (fan, degree, scatter-gather, temporal cycles,
length-constrained cycles up to 10, 7-day windows, streaming batches of 128 and 2048 edges,
2 threads) in its own venv (``bench/peer/setup.sh``). repatria computes, over the same
canonical CSV in DuckDB with the same thread count:

* ``repatria-degrees``: the features both compute, fan (distinct counterparties) and degree
  (transfers) of the payer's and the payee's outgoing and incoming transfers in a trailing
  7-day window;
* ``repatria-patterns``: the same plus memberships of fan-in, fan-out and ordered cycles up
  to length 10 within 7 days.

Rates are edges per second of the extraction alone (loading the CSV is not counted on either
side).

Count check. GFP's vertex statistics are a snapshot of its streaming graph: a batch is
inserted whole, then every edge of the batch reads the counts of the graph, so an edge sees
the later edges of its own batch; and edges leave the graph only when older than the window
measured from the last timestamp of the previous batch. repatria's window is exactly
``[ts - 7 days, ts]`` per transfer. The check reports, per statistic, the share of edges where
the two agree, and the share where GFP agrees with a replay of its snapshot rule
(``snapshot_counts``): 100 % there shows the counts are the same quantity and every
difference comes from the snapshot rule alone.

``python bench/bench_features.py [--transactions 1000000] [--skip-peer]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import duckdb
import numpy as np
import numpy.typing as npt

import generator
from repatria.tracing.features import FeatureParameters, WindowAlignment, feature_table
from repatria.tracing.patterns import CycleParameters, Pattern, PatternParameters
from repatria.tracing.scoring import load_transactions

PEER = HERE / ".peer-venv" / "bin" / "python"
RESULTS = HERE / "results"
WINDOW = timedelta(days=7)
STATS = (
    ("src_fan_out", "src_out fan"),
    ("src_n_out", "src_out degree"),
    ("src_fan_in", "src_in fan"),
    ("src_n_in", "src_in degree"),
    ("dst_fan_out", "dst_out fan"),
    ("dst_n_out", "dst_out degree"),
    ("dst_fan_in", "dst_in fan"),
    ("dst_n_in", "dst_in degree"),
)
"""Our column (suffix ``_168h``) and GFP's vertex statistic, in the order gfp_run dumps them."""


def ours(
    con: duckdb.DuckDBPyConnection, patterns: tuple[Pattern, ...]
) -> tuple[dict[str, object], npt.NDArray[np.int64]]:
    params = FeatureParameters(
        windows=(WINDOW,),
        alignment=WindowAlignment.TRAILING,
        patterns=patterns,
        pattern_parameters=PatternParameters(
            cycle=CycleParameters(min_length=2, max_length=10, window=WINDOW)
        ),
    )
    started = time.perf_counter()
    names = feature_table(con, "tx", "features", params)
    seconds = time.perf_counter() - started
    cols = ", ".join(f"{ours_name}_168h" for ours_name, _ in STATS)
    counts = np.column_stack(
        list(con.sql(f"SELECT {cols} FROM features ORDER BY rowid").fetchnumpy().values())
    ).astype(np.int64)
    edges = counts.shape[0]
    return {
        "edges": edges,
        "seconds": seconds,
        "edges_per_second": edges / seconds,
        "columns": len(names),
    }, counts


def peer(path: Path, batch: int, threads: int, dump: Path) -> dict[str, object]:
    if not PEER.exists():
        return {"error": f"peer venv missing: run {HERE / 'peer' / 'setup.sh'}"}
    command = [str(PEER), str(HERE / "peer" / "gfp_run.py"), "features", str(path)]
    command += ["--batch", str(batch), "--threads", str(threads), "--dump", str(dump)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def snapshot_counts(
    src: list[str], dst: list[str], ts: list[int], window: int, batch: int
) -> npt.NDArray[np.int64]:
    """Replay GFP's streaming snapshot: fan and degree as each edge's batch reads them.

    Edges come in ``ts, id`` order, ``batch`` at a time. Before a batch is inserted, edges with
    a timestamp below (last timestamp of the previous batch - ``window``) leave the graph; then
    the whole batch is inserted and each of its edges reads the counts (found by comparing
    with snapshot outputs of GFP, snapml 1.17.2, on small graphs).
    """
    n = len(ts)
    fans: dict[str, defaultdict[str, Counter[str]]] = {
        "out": defaultdict(Counter),
        "in": defaultdict(Counter),
    }
    degrees: dict[str, Counter[str]] = {"out": Counter(), "in": Counter()}
    result = np.zeros((n, 8), dtype=np.int64)

    def move(r: int, sign: int) -> None:
        for side, account, other in (("out", src[r], dst[r]), ("in", dst[r], src[r])):
            partners = fans[side][account]
            partners[other] += sign
            if partners[other] == 0:
                del partners[other]
            degrees[side][account] += sign

    oldest = 0
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        if start:
            limit = ts[start - 1] - window
            while oldest < start and ts[oldest] < limit:
                move(oldest, -1)
                oldest += 1
        for r in range(start, stop):
            move(r, 1)
        for r in range(start, stop):
            s, d = src[r], dst[r]
            result[r] = (
                len(fans["out"][s]),
                degrees["out"][s],
                len(fans["in"][s]),
                degrees["in"][s],
                len(fans["out"][d]),
                degrees["out"][d],
                len(fans["in"][d]),
                degrees["in"][d],
            )
    return result


def count_check(
    con: duckdb.DuckDBPyConnection, mine: npt.NDArray[np.int64], dump: Path, batch: int
) -> dict[str, object]:
    gfp = np.load(dump)
    rows = con.sql(
        "SELECT from_account, to_account, epoch(ts)::BIGINT FROM tx ORDER BY ts, id"
    ).fetchall()
    src = [str(r[0]) for r in rows]
    dst = [str(r[1]) for r in rows]
    ts = [int(r[2]) for r in rows]
    replay = snapshot_counts(src, dst, ts, int(WINDOW.total_seconds()), batch)
    out: dict[str, object] = {}
    for k, (name, gfp_name) in enumerate(STATS):
        same = mine[:, k] == gfp[:, k]
        out[name] = {
            "gfp": gfp_name,
            "identical_share": float(same.mean()),
            "gfp_minus_ours_mean": float((gfp[:, k] - mine[:, k]).mean()),
            "gfp_below_ours": int((gfp[:, k] < mine[:, k]).sum()),
            "gfp_equals_snapshot_replay_share": float((replay[:, k] == gfp[:, k]).mean()),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="feature extraction edges/s beside GFP")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"generated-{args.transactions}-7.csv"
    if not path.exists():
        cfg = generator.GeneratorConfig(transactions=args.transactions)
        generator.write_csv(generator.generate(cfg), path)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    load_transactions(con, path, "tx")
    results: dict[str, dict[str, object]] = {}
    results["repatria-degrees"], mine = ours(con, ())
    results["repatria-patterns"], _ = ours(con, (Pattern.FAN_IN, Pattern.FAN_OUT, Pattern.CYCLE))
    checks: dict[str, object] = {}
    if not args.skip_peer:
        for batch in (2048, 128):
            dump = RESULTS / f"gfp-vertex-stats-{args.transactions}-{batch}.npy"
            results[f"gfp-batch-{batch}"] = res = peer(path, batch, args.threads, dump)
            if "error" not in res:
                checks[f"batch-{batch}"] = count_check(con, mine, dump, batch)
    print(f"{args.threads} threads, {path.name}")
    print(f"{'pipeline':<20}{'edges':>10}{'seconds':>10}{'edges/s':>12}{'ours/GFP-2048':>15}")
    peer_rate = results.get("gfp-batch-2048", {}).get("edges_per_second")
    for name, res in results.items():
        if "error" in res:
            print(f"{name:<20}  {res['error']}")
            continue
        eps = float(str(res["edges_per_second"]))
        ratio = f"{eps / float(str(peer_rate)):.3f}" if peer_rate and "repatria" in name else ""
        print(
            f"{name:<20}{res['edges']:>10}{float(str(res['seconds'])):>10.1f}{eps:>12.0f}{ratio:>15}"
        )
    for batch_name, check in checks.items():
        print(f"count check against GFP {batch_name} (share of edges with the same count)")
        assert isinstance(check, dict)
        for name, c in check.items():
            print(
                f"  {name:<12} vs {c['gfp']:<15} identical {c['identical_share']:.4f}  "
                f"mean GFP-ours {c['gfp_minus_ours_mean']:+.3f}  GFP<ours {c['gfp_below_ours']}  "
                f"GFP = snapshot replay {c['gfp_equals_snapshot_replay_share']:.4f}"
            )
    out = RESULTS / "bench_features.json"
    out.write_text(json.dumps({"runs": results, "count_check": checks}, indent=1), "utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
