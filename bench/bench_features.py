"""Feature extraction speed: repatria's SQL features beside IBM's GFP on one 1M-edge list.

GFP runs in its paper configuration (all patterns, cycles up to length 10, streaming batches
of 128 and 2048 edges, same thread count) in its own venv; repatria computes its window
degrees, fan-in/fan-out counts and pattern memberships (fan-in, fan-out, ordered cycles up to
length 10) over the same canonical CSV in DuckDB. Rates are edges per second, end to end
for the extraction (loading the CSV is not counted on either side).

``python bench/bench_features.py [--transactions 1000000] [--skip-peer]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import duckdb

import generator
from repatria.tracing.features import FeatureParameters, feature_table
from repatria.tracing.patterns import CycleParameters, Pattern, PatternParameters
from repatria.tracing.scoring import load_transactions

PEER = HERE / ".peer-venv" / "bin" / "python"
RESULTS = HERE / "results"


def ours(path: Path, threads: int) -> dict[str, object]:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    load_transactions(con, path, "tx")
    params = FeatureParameters(
        windows=(timedelta(days=7),),
        patterns=(Pattern.FAN_IN, Pattern.FAN_OUT, Pattern.CYCLE),
        pattern_parameters=PatternParameters(
            cycle=CycleParameters(min_length=2, max_length=10, window=timedelta(days=7))
        ),
    )
    started = time.perf_counter()
    names = feature_table(con, "tx", "features", params)
    seconds = time.perf_counter() - started
    row = con.sql("SELECT count(*) FROM features").fetchone()
    edges = int(row[0]) if row else 0
    return {
        "edges": edges,
        "seconds": seconds,
        "edges_per_second": edges / seconds,
        "columns": len(names),
    }


def peer(path: Path, batch: int, threads: int) -> dict[str, object]:
    if not PEER.exists():
        return {"error": f"peer venv missing: run {HERE / 'peer' / 'setup.sh'}"}
    proc = subprocess.run(
        [
            str(PEER),
            str(HERE / "peer" / "gfp_run.py"),
            "features",
            str(path),
            "--batch",
            str(batch),
            "--threads",
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="feature extraction edges/s beside GFP")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"generated-{args.transactions}-7.csv"
    if not path.exists():
        generator.write_csv(
            generator.generate(generator.GeneratorConfig(transactions=args.transactions)), path
        )
    results: dict[str, dict[str, object]] = {"repatria": ours(path, args.threads)}
    if not args.skip_peer:
        for batch in (2048, 128):
            results[f"gfp-batch-{batch}"] = peer(path, batch, args.threads)
    base = results["repatria"]["edges_per_second"]
    print(f"{'pipeline':<18}{'edges':>10}{'seconds':>10}{'edges/s':>12}{'ours/peer':>11}")
    for name, res in results.items():
        if "error" in res:
            print(f"{name:<18}  {res['error']}")
            continue
        eps = float(res["edges_per_second"])  # type: ignore[arg-type]
        ratio = float(base) / eps if name != "repatria" else 1.0  # type: ignore[arg-type]
        print(
            f"{name:<18}{res['edges']:>10}{float(res['seconds']):>10.1f}{eps:>12.0f}{ratio:>11.2f}"
        )  # type: ignore[arg-type]
    out = RESULTS / "bench_features.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
