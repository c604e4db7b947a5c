"""How fast the ``repatria`` command answers, beside ``ftm --help`` in the same run.

Issue 11, point 7: ``repatria --help`` should take under 0.5 s and a command's fixed start-up
(what it pays before doing any work) under 1 s. Each side is a fresh process started from
this interpreter's environment, its output thrown away, timed from ``subprocess.run`` to its
exit (wall clock):

- ours: the ``repatria`` console script of this environment (``from repatria.cli.main import
  main``, as an operator runs it) with ``--help``, the help of a few groups and commands
  (each loads only its own module and what that imports), and one real quick command,
  ``basis NG GB --measure freezing --json`` (the legal-basis engine on the treaty data, no
  node);
- the named peer: ``ftm --help``, FollowTheMoney's CLI (click), which imports its whole
  model before it answers;
- the floor: ``python -c pass``, the interpreter alone, which every side pays.

The commands are run round-robin (one of each, then again) after one warm-up round, so a
change of machine load touches every side alike. Prints median and fastest of ``--repeats``
runs, each median's ratio to the peer's (peer / ours: above 1 means ours answers sooner) and
whether the goal holds; writes ``bench/results/cli.json``.

    .venv/bin/python -m bench cli
    .venv/bin/python bench/bench_cli.py --repeats 21
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
BIN = Path(sys.executable).parent

HELP_GOAL = 0.5
"""Seconds: ``repatria --help``."""
START_GOAL = 1.0
"""Seconds: the fixed start-up of a command (its ``--help``)."""


def _script(name: str) -> list[str]:
    """The console script ``name`` of this environment, else ``python -m`` of its package."""
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


REPATRIA = _script("repatria")
CASES: dict[str, tuple[list[str], float | None]] = {
    "repatria --help": ([*REPATRIA, "--help"], HELP_GOAL),
    "repatria case --help": ([*REPATRIA, "case", "--help"], START_GOAL),
    "repatria case list --help": ([*REPATRIA, "case", "list", "--help"], START_GOAL),
    "repatria basis --help": ([*REPATRIA, "basis", "--help"], START_GOAL),
    "repatria trace --help": ([*REPATRIA, "trace", "--help"], START_GOAL),
    "repatria basis NG GB --measure freezing --json": (
        [*REPATRIA, "basis", "NG", "GB", "--measure", "freezing", "--json"],
        None,
    ),
    "ftm --help (peer)": ([*_script("ftm"), "--help"], None),
    "python -c pass (floor)": ([sys.executable, "-c", "pass"], None),
}
PEER = "ftm --help (peer)"


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, timeout=120
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return elapsed


def run(repeats: int) -> dict[str, dict[str, float | bool | None]]:
    for command, _ in CASES.values():  # warm-up: file cache, .pyc files
        _time(command)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, (command, _) in CASES.items():
            times[name].append(_time(command))
    peer = statistics.median(times[PEER])
    result: dict[str, dict[str, float | bool | None]] = {}
    for name, (_, goal) in CASES.items():
        median = statistics.median(times[name])
        result[name] = {
            "median_seconds": median,
            "fastest_seconds": min(times[name]),
            "peer_over_ours": peer / median,
            "goal_seconds": goal,
            "goal_met": None if goal is None else median < goal,
        }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each command")
    args = parser.parse_args(argv)
    result = run(args.repeats)
    load = os.getloadavg()[0]
    print(f"CLI start-up, {args.repeats} runs each (median), load {load:.1f}; peer: ftm --help")
    print(f"{'command':<48} {'median s':>9} {'fastest s':>10} {'peer/ours':>10} {'goal':>10}")
    for name, r in result.items():
        goal = r["goal_seconds"]
        verdict = "" if goal is None else f"<{goal} {'ok' if r['goal_met'] else 'MISSED'}"
        print(
            f"{name:<48} {r['median_seconds']:>9.3f} {r['fastest_seconds']:>10.3f} "
            f"{r['peer_over_ours']:>9.2f}x {verdict:>10}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "cli.json"
    document = {
        "benchmark": "cli",
        "peer": "ftm --help (FollowTheMoney's click CLI), in the same run",
        "python": platform.python_version(),
        "repeats": args.repeats,
        "load_average_1min": load,
        "result": result,
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
