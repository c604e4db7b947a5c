"""``repatria --help`` answers at once: it imports no heavy library and no command module.

Issue 11, point 7: the commands are loaded lazily (repatria.cli.lazy_group), so the root help
costs Typer and Rich only. The wall time is measured by ``python -m bench cli``; here we check
the cause, which does not depend on the machine's speed: what the process imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("followthemoney", "sqlalchemy", "alembic", "duckdb", "pyarrow", "lightgbm",
         "matplotlib", "weasyprint", "fastapi", "uvicorn", "numpy", "babel", "httpx",
         "docx", "jinja2")  # fmt: skip

PROBE = """
import json, sys
sys.argv = ["repatria", *json.loads(sys.argv[1])]
from repatria.cli.main import main
try:
    main()
except SystemExit:
    pass
sys.stdout.write("\\n" + json.dumps(sorted(sys.modules)))
"""


def imported_by(*args: str) -> tuple[str, set[str]]:
    """Run ``repatria ARGS`` in a fresh interpreter; its output and every module it imported."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output, _, modules = result.stdout.rpartition("\n")
    return output, set(json.loads(modules))


def top_level(modules: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


@pytest.mark.process
def test_root_help_imports_no_heavy_library_and_no_command() -> None:
    output, modules = imported_by("--help")
    assert "case" in output and "received" in output
    assert top_level(modules) & set(HEAVY) == set()
    loaded = {m for m in modules if m.startswith("repatria.")}
    assert loaded <= {
        "repatria.cli",
        "repatria.cli.main",
        "repatria.cli.lazy_group",
        "repatria.cli.output",
        "repatria.cli.state",
        "repatria.errors",
    }, loaded


@pytest.mark.process
def test_a_command_loads_only_its_own_module() -> None:
    output, modules = imported_by("basis", "--help")
    assert "--measure" in output
    assert "repatria.cli.law" in modules
    assert not {"repatria.cli.case", "repatria.cli.tracing", "repatria.cli.exchange"} & modules


@pytest.mark.process
@pytest.mark.parametrize(
    ("command", "allowed"),
    [
        ("basis", {"numpy"}),  # the treaty network's matrices; no node, no database
        ("trace", {"duckdb", "numpy", "babel"}),  # no LightGBM, Matplotlib or Arrow
        ("user", {"sqlalchemy"}),  # the node's store; Alembic only when it migrates
        ("ledger", {"sqlalchemy", "httpx"}),  # httpx: the peer client of witnessing
        ("case", {"sqlalchemy", "duckdb", "numpy", "babel"}),  # a case's tracing and drafting
        ("request", {"sqlalchemy", "numpy", "babel"}),  # no FtM model until an entity is read
    ],
)
def test_a_commands_help_pays_only_for_what_the_command_uses(
    command: str, allowed: set[str]
) -> None:
    _, modules = imported_by(command, "--help")
    assert top_level(modules) & set(HEAVY) <= allowed
