"""R24: run mutmut over the Merkle, note, envelope and verification code and score the result.

``make soak`` runs ``python -m tests.mutation_score --run``: mutmut 3 (configured in
pyproject.toml ``[tool.mutmut]``) mutates the files listed in ``only_mutate``, runs the fast
tests that reach each mutated function, and leaves one ``.meta`` file per source file under
``mutants/`` with an exit code per mutant. This script reads those files, prints mutants,
killed, survived and the score per file and overall, lists every mutant not killed (``mutmut
show NAME`` prints its diff), and exits 1 when the overall score is below ``--min`` (90%,
reliability.md R24). The mutants that survive on purpose are justified in docs/security.md
("R24: mutation testing").

A mutant counts as killed when a test failed (exit 1 or 3), ran out of time or was killed
by the time limit (it looped), or the type checker refused it. "No tests" (no selected test
reaches the function), "suspicious" and "not checked" count against the score: a mutant no
test looked at is not a mutant the tests can catch.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED_CODES = {1, 3}
TIMEOUT_CODES = {36, -24, 24, 152, 255, -9, -11}
TYPE_CHECK_CODES = {37}
NO_TESTS_CODES = {5, 33}
SURVIVED_CODES = {0}


@dataclass
class FileScore:
    """The verdicts of one source file's mutants."""

    path: str
    killed: int = 0
    timeout: int = 0
    survived: list[str] = field(default_factory=list)
    no_tests: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def caught(self) -> int:
        return self.killed + self.timeout

    @property
    def total(self) -> int:
        return self.caught + len(self.survived) + len(self.no_tests) + len(self.other)

    @property
    def score(self) -> float:
        return 100.0 * self.caught / self.total if self.total else 100.0


def configured_files(root: Path) -> list[str]:
    """The files ``[tool.mutmut] only_mutate`` names (plain paths, no globs, in this project)."""
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def score_file(root: Path, path: str) -> FileScore:
    """Tally the exit codes mutmut stored for ``path`` (``mutants/<path>.meta``)."""
    result = FileScore(path)
    meta = root / "mutants" / f"{path}.meta"
    if not meta.exists():
        return result
    codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    for name, code in sorted(codes.items()):
        if code in KILLED_CODES or code in TYPE_CHECK_CODES:
            result.killed += 1
        elif code in TIMEOUT_CODES:
            result.timeout += 1
        elif code in SURVIVED_CODES:
            result.survived.append(name)
        elif code in NO_TESTS_CODES:
            result.no_tests.append(name)
        else:
            result.other.append(f"{name} (exit {code})")
    return result


def report(scores: list[FileScore]) -> float:
    """Print the table and the mutants not killed; return the overall score."""
    print(f"{'file':48} {'mutants':>7} {'killed':>7} {'timeout':>7} {'left':>5} {'score':>7}")
    for s in scores:
        left = s.total - s.caught
        print(f"{s.path:48} {s.total:7} {s.killed:7} {s.timeout:7} {left:5} {s.score:6.1f}%")
    total = sum(s.total for s in scores)
    caught = sum(s.caught for s in scores)
    overall = 100.0 * caught / total if total else 0.0
    killed = sum(s.killed for s in scores)
    timeout = sum(s.timeout for s in scores)
    print(f"{'all':48} {total:7} {killed:7} {timeout:7} {total - caught:5} {overall:6.1f}%")
    for s in scores:
        for label, names in (("survived", s.survived), ("no tests", s.no_tests),
                             ("other", s.other)):  # fmt: skip
            for name in names:
                print(f"  {label}: {name}")
    return overall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run mutmut first (from scratch)")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut worker processes")
    parser.add_argument("--min", type=float, default=90.0, help="lowest passing score, %%")
    args = parser.parse_args(argv)
    if args.run:
        mutmut = Path(sys.executable).with_name("mutmut")
        # mutmut keeps verdicts between runs and re-tests only changed functions; a soak
        # starts from nothing so that a test changed since cannot leave a stale verdict.
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        started = time.monotonic()
        subprocess.run(  # nosec B603  # a fixed argv: the venv's own mutmut
            [str(mutmut), "run", "--max-children", str(args.max_children)], cwd=ROOT, check=True
        )
        print(f"mutmut ran for {time.monotonic() - started:.0f} s")
    if not (ROOT / "mutants").is_dir():
        print("no mutants/ directory: run with --run (or `mutmut run`) first")
        return 1
    scores = [score_file(ROOT, path) for path in configured_files(ROOT)]
    if not any(s.total for s in scores):
        print("mutmut stored no verdicts")
        return 1
    overall = report(scores)
    if overall < args.min:
        print(f"FAIL: {overall:.1f}% of mutants killed, want at least {args.min:.0f}%")
        return 1
    print(f"OK: {overall:.1f}% of mutants killed (at least {args.min:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
