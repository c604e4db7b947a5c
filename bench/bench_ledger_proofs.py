"""Proof generation and verification: stored subtree hashes vs recomputing from leaf data.

For each tree size it builds the log once as a ``CompactRange`` (every complete subtree hash
kept, as the persistent log keeps them) and then times, at a few spread-out leaf indices and
old sizes:

- the root, an inclusion proof and a consistency proof from stored hashes
  (``repatria.ledger.subtree``, O(log n) reads);
- the same three recomputed from the leaf data (``repatria.ledger.merkle``, O(n) hashes),
  the named peer: what a log without stored subtree hashes would have to do;
- verification of both proofs (the same for either, since it needs only the proof).

Every proof pair is checked equal and verified before it is timed. Prints a table with the
peer/ours ratio and writes ``bench/results/ledger_proofs.json``.

    .venv/bin/python bench/bench_ledger_proofs.py                 # 10^4, 10^5, 10^6 leaves
    .venv/bin/python bench/bench_ledger_proofs.py --sizes 10000 --probes 5
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from repatria.ledger import merkle
from repatria.ledger.compact_range import CompactRange

RESULTS = Path(__file__).parent / "results"


def _time(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``call`` in seconds over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench_size(size: int, probes: int, fast_repeat: int) -> dict[str, Any]:
    leaves = [f"leaf {i:09d}".encode() for i in range(size)]
    start = time.perf_counter()
    tree = CompactRange(leaves)
    build = time.perf_counter() - start
    root = tree.root()
    indices = [size * (k + 1) // (probes + 1) for k in range(probes)]
    olds = [max(1, size * (k + 1) // (probes + 2)) for k in range(probes)]

    ours: dict[str, list[float]] = {"root": [], "inclusion": [], "consistency": []}
    peer: dict[str, list[float]] = {"root": [], "inclusion": [], "consistency": []}
    verify: dict[str, list[float]] = {"inclusion": [], "consistency": []}

    ours["root"].append(_time(tree.root, fast_repeat))
    peer["root"].append(_time(partial(merkle.root_hash, leaves), 1))
    for index, old in zip(indices, olds, strict=True):
        fast_inc = tree.inclusion_proof(index)
        slow_inc = merkle.inclusion_proof(index, leaves)
        assert fast_inc == slow_inc
        merkle.verify_inclusion(leaves[index], index, size, fast_inc, root)
        fast_con = tree.consistency_proof(old)
        assert fast_con == merkle.consistency_proof(old, leaves)
        old_root = tree.root(old)
        merkle.verify_consistency(old, size, fast_con, old_root, root)

        ours["inclusion"].append(_time(partial(tree.inclusion_proof, index), fast_repeat))
        peer["inclusion"].append(_time(partial(merkle.inclusion_proof, index, leaves), 1))
        ours["consistency"].append(_time(partial(tree.consistency_proof, old), fast_repeat))
        peer["consistency"].append(_time(partial(merkle.consistency_proof, old, leaves), 1))
        check_inclusion = partial(
            merkle.verify_inclusion, leaves[index], index, size, fast_inc, root
        )
        verify["inclusion"].append(_time(check_inclusion, fast_repeat))
        check_consistency = partial(merkle.verify_consistency, old, size, fast_con, old_root, root)
        verify["consistency"].append(_time(check_consistency, fast_repeat))
    return {
        "size": size,
        "build_seconds": build,
        "stored_rows": len(tree.rows()),
        "ours_median_seconds": {k: statistics.median(v) for k, v in ours.items()},
        "peer_median_seconds": {k: statistics.median(v) for k, v in peer.items()},
        "verify_median_seconds": {k: statistics.median(v) for k, v in verify.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--probes", type=int, default=3, help="indices / old sizes per tree")
    parser.add_argument("--repeat", type=int, default=50, help="runs per fast measurement")
    args = parser.parse_args(argv)

    results = [bench_size(size, args.probes, args.repeat) for size in args.sizes]
    header = (
        f"{'leaves':>9} {'build s':>8} {'what':<12} {'stored µs':>10} {'recompute ms':>13} "
        f"{'ratio':>9} {'verify µs':>10}"
    )
    print("Ledger proofs: stored subtree hashes (ours) vs recomputing from leaf data (peer)")
    print(header)
    print("-" * len(header))
    for r in results:
        for what in ("root", "inclusion", "consistency"):
            ours = r["ours_median_seconds"][what]
            peer = r["peer_median_seconds"][what]
            verify = r["verify_median_seconds"].get(what)
            verify_text = f"{verify * 1e6:10.1f}" if verify is not None else f"{'-':>10}"
            print(
                f"{r['size']:>9} {r['build_seconds']:8.2f} {what:<12} {ours * 1e6:10.1f} "
                f"{peer * 1e3:13.1f} {peer / ours:8.0f}x {verify_text}"
            )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "ledger_proofs.json"
    document = {
        "benchmark": "ledger_proofs",
        "peer": "recompute from leaf data (repatria.ledger.merkle)",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "probes": args.probes,
        "results": results,
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
