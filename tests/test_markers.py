"""The ``process`` and ``db`` markers (tests/markers.py) say the truth about the suite.

The collection hook fails an unmarked process test among the tests collected; this scan reads
every test module, so a forgotten mark shows even when only one file is run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests import markers
from tests.ledger import test_checkpoint, test_r4_rollback

TESTS = markers.TESTS


def _marks_process(decorators: list[ast.expr]) -> bool:
    return any("process" in markers._referenced(d) for d in decorators)


def _module_marks_process(tree: ast.Module) -> bool:
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            return "process" in markers._referenced(statement.value)
    return False


def _starter_fixtures(module: Path) -> frozenset[str]:
    """Starter names of the module and of every conftest.py above it (its fixtures)."""
    names = set(markers.starters_of(module))
    for folder in module.parents:
        conftest = folder / "conftest.py"
        if conftest.is_file():
            names |= markers.starters_of(conftest)
        if folder == TESTS:
            break
    return frozenset(names)


def unmarked_process_tests() -> list[str]:
    """Every ``test_*`` function under tests/ that starts a process and is not marked."""
    found = []
    for module in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        if _module_marks_process(tree):
            continue
        starters = _starter_fixtures(module) | markers.STARTER_ATTRIBUTES
        for statement in tree.body:
            if not isinstance(statement, ast.FunctionDef) or not statement.name.startswith("test_"):
                continue
            uses = markers._referenced(statement) | {a.arg for a in statement.args.args}
            if uses & starters and not _marks_process(statement.decorator_list):
                found.append(f"{module.relative_to(TESTS)}::{statement.name}")
    return found


def test_every_test_that_starts_a_process_is_marked() -> None:
    assert unmarked_process_tests() == []


def test_helpers_that_start_servers_are_told_from_those_that_do_not() -> None:
    served = markers.starters_of(TESTS / "ledger" / "served.py")
    assert "serving" in served  # uvicorn in a thread
    assert "sqlite_node" not in served and "free_port" not in served
    # Followed through imports: ServedNode is a NodeProcess, which runs ``repatria serve``.
    assert "ServedNode" in markers.starters_of(TESTS / "exchange" / "served.py")
    assert "FaultProxy" in markers.starters_of(TESTS / "exchange" / "fault_proxy.py")


def test_a_process_test_is_detected_and_a_pure_one_is_not() -> None:
    assert markers.starts_a_process(test_r4_rollback.witness)
    assert not markers.starts_a_process(test_checkpoint.test_text_layout)


def test_markers_are_declared(pytestconfig: pytest.Config) -> None:
    declared = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {"process", "db", "slow", "browser"} <= declared


@pytest.mark.process  # the mark may be written where nothing is detected
def test_this_one_is_marked_but_starts_nothing(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("process") is not None
    assert request.node.get_closest_marker("db") is None


def test_a_test_on_the_node_is_a_database_test(
    request: pytest.FixtureRequest, node: object
) -> None:
    assert request.node.get_closest_marker("db") is not None
