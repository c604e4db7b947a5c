"""Treaty network: the all-pairs basis matrix against the 2 s budget and the naive explainer.

The matrix covers every state in the treaty data and every measure (ordered pairs x 12
measures). It is timed ``--repeat`` times (median reported) on a warm catalogue. The naive
peer is what the matrix replaces: calling ``find_bases`` (the full explainer) once per
cell. Running it for every cell would take minutes, so it is timed on ``--sample`` random
cells and extrapolated linearly (each call is independent of the others); the same
sample checks that both give the same best basis, so the speed is not bought with a
different answer.

``python bench/bench_law_network.py [--date 2024-01-01] [--sample 3000] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from datetime import date
from pathlib import Path

from repatria.domain.measure import Measure
from repatria.law import basis_matrix, find_bases, load_catalogue

BUDGET_SECONDS = 2.0
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2024-01-01", help="date the network is judged on")
    parser.add_argument("--sample", type=int, default=3000, help="cells timed with the explainer")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of the matrix")
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args(argv)
    on = date.fromisoformat(args.date)

    started = time.perf_counter()
    catalogue = load_catalogue()
    load_seconds = time.perf_counter() - started
    basis_matrix(catalogue, on=on)  # warm-up: first numpy calls, party standings
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        matrix = basis_matrix(catalogue, on=on)
        runs.append(time.perf_counter() - started)
    matrix_seconds = statistics.median(runs)
    states = len(matrix.states)
    cells = len(Measure) * states * (states - 1)

    rng = random.Random(args.seed)
    sample = [
        (*rng.sample(matrix.states, 2), rng.choice(list(Measure))) for _ in range(args.sample)
    ]
    mismatches = 0
    started = time.perf_counter()
    for requesting, requested, measure in sample:
        result = find_bases(requesting, requested, measure, on=on, catalogue=catalogue)
        certain = next(b.instrument for b in result.bases if b.certain)
        if matrix.best(measure, requesting, requested) != (certain, result.bases[0].instrument):
            mismatches += 1
    per_call = (time.perf_counter() - started) / len(sample)
    naive_seconds = per_call * cells

    rows = [
        ("states in the data", f"{states}"),
        ("cells (ordered pairs x measures)", f"{cells:,}"),
        ("catalogue load (cold, s)", f"{load_seconds:.3f}"),
        ("matrix, vectorised (median s)", f"{matrix_seconds:.3f}"),
        ("budget (s)", f"{BUDGET_SECONDS:.1f}"),
        ("share of budget used", f"{matrix_seconds / BUDGET_SECONDS:.1%}"),
        ("naive explainer per cell (ms)", f"{per_call * 1000:.3f}"),
        ("naive explainer, all cells (s, extrapolated)", f"{naive_seconds:.1f}"),
        ("speed-up vs naive (x)", f"{naive_seconds / matrix_seconds:,.0f}"),
        (f"sampled cells that disagree (of {len(sample)})", f"{mismatches}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"Treaty network on {on.isoformat()} ({platform.python_version()}, {platform.machine()})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>12}")
    verdict = "within" if matrix_seconds < BUDGET_SECONDS else "OVER"
    print(f"  -> {verdict} the {BUDGET_SECONDS:.0f} s budget")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_law_network.json"
    out.write_text(
        json.dumps(
            {
                "date": on.isoformat(),
                "states": states,
                "cells": cells,
                "catalogue_load_seconds": load_seconds,
                "matrix_seconds_median": matrix_seconds,
                "matrix_seconds_runs": runs,
                "budget_seconds": BUDGET_SECONDS,
                "within_budget": matrix_seconds < BUDGET_SECONDS,
                "naive_seconds_per_cell": per_call,
                "naive_seconds_extrapolated": naive_seconds,
                "speedup_vs_naive": naive_seconds / matrix_seconds,
                "sample": len(sample),
                "sample_mismatches": mismatches,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"  written: {out}")


if __name__ == "__main__":
    main()
