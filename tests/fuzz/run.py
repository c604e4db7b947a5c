"""Run one R22 fuzz target under atheris (libFuzzer): ``python -m tests.fuzz.run TARGET [libFuzzer
flags]``, e.g. ``-atheris_runs=2000`` or ``-max_total_time=600``.

repatria and the ``mt940`` package are imported inside ``atheris.instrument_imports`` so that
coverage guides the search (reliability.md R22: an uninstrumented harness passes vacuously).
The start corpus (``targets.seeds``) is written to a fresh folder that libFuzzer reads and grows;
``-timeout=1`` makes any input slower than 1 s a failure and ``-rss_limit_mb=1024`` any that
needs more than 1 GiB, as R22's pass criteria ask. A crash leaves ``crash-<sha1>`` in the
working folder and the process exits non-zero.
"""

from __future__ import annotations

import atexit
import signal
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["repatria", "mt940"]):
    from tests.fuzz.targets import TARGETS, run_target, seeds


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz.run {{{','.join(TARGETS)}}} [libFuzzer flags]")
    name = argv[1]
    start = Path(tempfile.mkdtemp(prefix=f"repatria-fuzz-{name}-"))
    for i, data in enumerate(seeds(name)):
        (start / f"seed-{i}").write_bytes(data)
        # Once outside the fuzzer: the first call pays for imports and DuckDB's start, which
        # on a loaded machine is more than the 1 s allowed for an input.
        run_target(name, data)

    def one(data: bytes) -> None:
        run_target(name, data)

    flags = [a for a in argv[2:] if a.startswith("-")]
    atheris.Setup(
        [argv[0], "-timeout=1", "-rss_limit_mb=1024", "-max_len=65536", *flags, str(start)],
        one,
    )
    # libFuzzer's per-input alarm is still armed while the interpreter shuts down after the
    # last run; a slow exit would be reported as SIGALRM.
    atexit.register(signal.alarm, 0)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
