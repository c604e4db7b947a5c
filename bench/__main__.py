"""`make bench`: run the benchmarks in `bench/`, each in its own process.

    python -m bench                 # every bench_*.py
    python -m bench law_network     # only bench/bench_law_network.py

Each benchmark prints its table (figures beside the peer named in its issue, as
ratios) and writes JSON under bench/results/.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    available = {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}
    chosen = argv or list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== {name}", flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(available[name])], check=False)
        print(f"=== {name}: exit {done.returncode} after {time.monotonic() - started:.0f} s")
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
