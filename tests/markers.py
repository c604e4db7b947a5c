"""Which tests start a process or a server, and which touch the database under test.

Two markers let CI choose what to run where (``.ci/run``):

- ``process``: the test starts an OS process or serves over a socket (``subprocess``,
  ``uvicorn``, the node-process harnesses, the fault proxy). It is written on the test or its
  module by hand, and collection fails a test that starts one without it: the mark is how a
  reader (and ``-m "not process"``) knows that the test is slow to start and owns ports.
- ``db``: the test uses the database the suite is pointed at (the ``settings`` fixture, which
  is SQLite or ``REPATRIA_TEST_DATABASE_URL``'s PostgreSQL). It is applied here, never by
  hand, so no test that touches the database can be forgotten when the PostgreSQL run selects
  ``-m db``; a test that builds its own SQLite nodes runs the same code on either run, and
  runs once.

Whether a test starts a process is read from the source, not guessed at run time: a name is
a *starter* if it is imported from a module that starts processes (``STARTERS``), or is a
function or class of a module in ``tests/`` whose body refers to a starter (followed through
``from tests.… import`` to any depth). A test starts a process if its own body or any fixture
it uses (at any depth) refers to a starter. Library code that spawns a helper inside
repatria (fonts, the demo) is the product's business, not the test's.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# Modules whose use starts an OS process or a listening server.
STARTERS = frozenset({"subprocess", "multiprocessing", "uvicorn", "socketserver", "http.server"})

# Attributes that start a server whatever module they come from (``asyncio.start_server``).
STARTER_ATTRIBUTES = frozenset({"start_server", "create_server", "serve_forever"})

# The fixture every database-backed fixture is built on (tests/conftest.py).
DATABASE_FIXTURE = "pg_engine"

# The names in tests/conftest.py that say which database the suite is pointed at.
DATABASE_NAMES = frozenset({"PG_URL", "backend", "REPATRIA_TEST_DATABASE_URL"})


def _module_file(name: str) -> Path | None:
    """The file of a ``tests.…`` module, or None for anything outside ``tests/``."""
    if name != "tests" and not name.startswith("tests."):
        return None
    parts = name.split(".")[1:]
    base = TESTS.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _referenced(node: ast.AST) -> set[str]:
    """Every bare name and every attribute name used anywhere inside ``node``."""
    names: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, ast.Attribute):
            names.add(inner.attr)
    return names


@cache
def starters_of(path: Path) -> frozenset[str]:
    """The names bound at the top of ``path`` that start a process when used."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    starters: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name in STARTERS or alias.name.split(".")[0] in STARTERS:
                    starters.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
            source = _module_file(statement.module)
            for alias in statement.names:
                if (
                    statement.module in STARTERS
                    or statement.module.split(".")[0] in STARTERS
                    or source is not None
                    and alias.name in starters_of(source)
                ):
                    starters.add(alias.asname or alias.name)
    definitions = {
        statement.name: _referenced(statement)
        for statement in tree.body
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    grew = True
    while grew:  # a helper that calls a helper that starts a process starts one too
        grew = False
        for name, uses in definitions.items():
            if name not in starters and uses & (starters | STARTER_ATTRIBUTES):
                starters.add(name)
                grew = True
    return frozenset(starters)


@cache
def _definitions_of(path: Path) -> dict[str, frozenset[str]]:
    """Each top-level function's and class's referenced names, and its methods' (dotted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[str, frozenset[str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[statement.name] = frozenset(_referenced(statement))
        if isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[f"{statement.name}.{inner.name}"] = frozenset(_referenced(inner))
    return found


def _source_and_uses(function: Callable[..., object]) -> tuple[Path, frozenset[str]] | None:
    """The file of ``function`` (a test or a fixture defined under ``tests/``) and the names
    its body refers to; ``None`` for anything defined elsewhere (pytest's own fixtures)."""
    unwrapped = inspect.unwrap(function)
    try:
        path = Path(inspect.getfile(unwrapped)).resolve()
    except TypeError:
        return None
    if TESTS not in path.parents or path.suffix != ".py":
        return None
    return path, _definitions_of(path).get(unwrapped.__qualname__, frozenset())


def starts_a_process(function: Callable[..., object]) -> bool:
    """Whether ``function`` (a test or a fixture defined under ``tests/``) refers to a starter."""
    found = _source_and_uses(function)
    if found is None:
        return False
    path, uses = found
    return bool(uses & (starters_of(path) | STARTER_ATTRIBUTES))


def _functions(item: pytest.Item) -> Iterable[Callable[..., object]]:
    """The test function and every fixture function it uses, at any depth."""
    function = getattr(item, "function", None)
    if function is not None:
        yield function
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return
    for definitions in info.name2fixturedefs.values():
        for definition in definitions:
            yield definition.func


def reads_the_database_url(function: Callable[..., object]) -> bool:
    """Whether ``function`` (under ``tests/``) asks which database the suite is pointed at."""
    found = _source_and_uses(function)
    return found is not None and bool(found[1] & DATABASE_NAMES)


def uses_the_database(item: pytest.Item) -> bool:
    """Whether the test's fixtures reach the database the suite is pointed at, or the test
    asks which one it is (``backend()``, ``PG_URL``)."""
    if DATABASE_FIXTURE in getattr(item, "fixturenames", ()):
        return True
    return any(reads_the_database_url(function) for function in _functions(item))


def starts_processes(item: pytest.Item) -> bool:
    return any(starts_a_process(function) for function in _functions(item))


UNMARKED = pytest.StashKey[bool]()


def apply(items: list[pytest.Item]) -> None:
    """Mark the database tests ``db``; note the process-starting tests left unmarked."""
    for item in items:
        if uses_the_database(item):
            item.add_marker(pytest.mark.db)
        if item.get_closest_marker("process") is None and starts_processes(item):
            item.stash[UNMARKED] = True


def refuse_unmarked(item: pytest.Item) -> None:
    """Fail a test that starts a process or a server without saying so."""
    if item.stash.get(UNMARKED, False):
        pytest.fail(
            f"{item.nodeid} starts a process or a server (subprocess, uvicorn or a tests/ "
            "harness that does) but is not marked: add @pytest.mark.process to it or "
            "`pytestmark = pytest.mark.process` to its module",
            pytrace=False,
        )
