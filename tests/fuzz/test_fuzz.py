"""R22 in CI: every fuzz target's corpus replayed in process, and a short atheris run of each.

The replay is the regression test of every crash the fuzzer found (``corpus/<target>/``,
each fixed in src): it must now be refused with the target's declared error. The short run
(``RUNS`` inputs per target, about 25 s for all on the 2-core machine) checks that the
harness is instrumented (libFuzzer sees Python coverage) and that no input crashes, is slower
than 1 s or needs more than 1 GiB. ``make soak`` runs each target for 10 minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.targets import CORPUS, EXPECTED, TARGETS, regressions, run_target, seeds

ROOT = Path(__file__).resolve().parents[2]
RUNS = {
    "csv": 200,
    "camt053": 2000,
    "mt940": 1000,
    "ftm": 1000,
    "envelope": 2000,
    "checkpoint": 3000,
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_the_seeds_and_the_found_crashes_replay_without_a_crash(name: str) -> None:
    for data in seeds(name):
        run_target(name, data)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in CORPUS.glob("*/*") if p.is_file()),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_each_crash_found_is_now_refused_with_the_declared_error(path: Path) -> None:
    name = path.parent.name
    assert path.read_bytes() in regressions(name)
    with pytest.raises(EXPECTED[name]):
        TARGETS[name](path.read_bytes())


@pytest.mark.process
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_short_fuzzing_run_finds_no_crash(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run", name, f"-atheris_runs={RUNS[name]}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert f"Done {RUNS[name]} in " in log, log[-2000:]
    inited = re.search(r"INITED cov: (\d+)", log)
    assert inited is not None and int(inited.group(1)) > 30, "no Python coverage: not instrumented"
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
