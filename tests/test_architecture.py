"""The picture in docs/architecture.md, the import-linter contracts and two rules the
contracts cannot express: the pure core writes no file, and HTTP status codes live in web/.

The import rules themselves run as ``lint-imports`` in ``tests/test_docs.py``; here the doc's
layer table is compared with the ``layers`` contract, row by row, so neither changes alone.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "repatria"
DOC = ROOT / "docs" / "architecture.md"

PURE_CORE = ("domain", "law", "drafting", "ledger", "exchange", "tracing")
"""The packages of the pure core, as in the contract "Pure core does no I/O"."""


# ---- the picture and the contracts -------------------------------------------------------


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _contract_layers() -> list[set[str]]:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    rows = layers["layers"]
    assert isinstance(rows, list)
    return [
        {name.strip().removeprefix("repatria.") for name in re.split(r"[|:]", row)} for row in rows
    ]


def _doc_layers() -> list[tuple[str, set[str]]]:
    """The rows of the first table under "## Layers": (layer name, packages in backticks)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    table = section[section.index("\n|") :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not line.startswith("|") or set(cells[0]) <= {"-", " "}:
            continue
        if cells[0] == "Layer":
            continue
        rows.append((cells[0], set(re.findall(r"`([a-z_]+)`", cells[1]))))
    return rows


def _top_level() -> set[str]:
    names = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in SRC.glob("*.py")}
    # __init__ holds the version only; __main__ is `python -m repatria`, one call into cli.
    return names - {"__init__", "__main__"}


def test_the_layer_table_is_the_layers_contract() -> None:
    doc = [packages for _, packages in _doc_layers()]
    assert doc, "no layer table under '## Layers' in docs/architecture.md"
    assert doc == _contract_layers()


def test_every_package_has_one_layer_in_the_picture() -> None:
    placed = [name for _, packages in _doc_layers() for name in packages]
    assert sorted(placed) == sorted(set(placed)), "a package is in two rows"
    assert set(placed) == _top_level()


def test_the_pure_core_contract_names_the_pure_core() -> None:
    (pure,) = [c for c in _contracts() if str(c["name"]).startswith("Pure core")]
    sources = pure["source_modules"]
    assert isinstance(sources, list)
    assert {s.removeprefix("repatria.") for s in sources} == set(PURE_CORE)
    forbidden = pure["forbidden_modules"]
    assert isinstance(forbidden, list)
    for library in ("httpx", "sqlalchemy", "fastapi", "typer", "rich", "subprocess"):
        assert library in forbidden


# ---- the pure core writes no file ----------------------------------------------------------

_WRITING_METHODS = {"write_text", "write_bytes", "savefig", "to_parquet", "write_table"}
_SHUTIL = {"copy", "copy2", "copyfile", "copytree", "copyfileobj", "move"}
_COPY_TO = re.compile(r"\bCOPY\b.*\bTO\b", re.IGNORECASE | re.DOTALL)


def _text_of(node: ast.expr) -> str | None:
    """The text of a string literal or f-string (placeholders as ``{}``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text_of(v) or "{}" for v in node.values)
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _open_mode(call: ast.Call) -> str | None:
    """The mode of ``open(path, mode)``, ``path.open(mode)`` and ``*.open(..., mode=)``."""
    func = call.func
    if _callee(call) != "open":
        return None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            return _text_of(keyword.value)
    if isinstance(func, ast.Name) and func.id == "open" and len(call.args) >= 2:
        return _text_of(call.args[1])
    if isinstance(func, ast.Attribute) and func.attr == "open":
        # Path.open(mode) takes the mode first; gzip.open/io.open(path, mode) second.
        for arg in call.args[:2]:
            text = _text_of(arg)
            if text is not None and re.fullmatch(r"[rwaxbt+]{1,3}", text):
                return text
    return None


def file_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every way of writing a file that the pure core must not use."""
    return sorted(set(_file_writes(ast.parse(source))))


def _in_memory(tree: ast.AST) -> set[str]:
    """Names bound to ``io.BytesIO()`` / ``StringIO()``: writing to them writes no file."""
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _callee(node.value) in {"BytesIO", "StringIO"}
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _file_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    buffers = _in_memory(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            mode = _open_mode(node)
            if mode is not None and set(mode) & set("wax+"):
                yield node.lineno, f"open(..., {mode!r})"
            if isinstance(func, ast.Attribute):
                target = node.args[0] if node.args else None
                to_buffer = isinstance(target, ast.Name) and target.id in buffers
                if func.attr in _WRITING_METHODS and not to_buffer:
                    yield node.lineno, f".{func.attr}()"
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id == "shutil" and func.attr in _SHUTIL:
                    yield node.lineno, f"shutil.{func.attr}()"
        text = _text_of(node) if isinstance(node, ast.Constant | ast.JoinedStr) else None
        if text is not None and _COPY_TO.search(text):
            yield node.lineno, "COPY ... TO"


def _pure_core_files() -> Iterator[Path]:
    for package in PURE_CORE:
        yield from sorted((SRC / package).rglob("*.py"))


STILL_WRITING: dict[str, set[str]] = {
    "tracing/scoring.py": {"open(..., 'w')", ".write_text()"},
}
"""Pure-core modules that still write files, with what they write, until their writes move
to ``repatria.adapters`` (docs/architecture.md, "Departures"). Exact: a module that stops
writing must leave this list, so it only shrinks."""


def test_the_pure_core_writes_no_file() -> None:
    found: dict[str, set[str]] = {}
    for path in _pure_core_files():
        writes = {what for _, what in file_writes(path.read_text(encoding="utf-8"))}
        if writes:
            found[str(path.relative_to(SRC))] = writes
    assert found == STILL_WRITING


def test_the_scan_sees_every_kind_of_write() -> None:
    planted = """
import shutil
from pathlib import Path

def leak(p: Path, con, fig, frame, table, pq) -> None:
    with open(p, "w") as out: ...
    with open(p, mode="ab"): ...
    with p.open("x"): ...
    p.write_text("x")
    p.write_bytes(b"x")
    fig.savefig(p)
    frame.to_parquet(p)
    pq.write_table(table, p)
    con.execute(f"COPY (SELECT 1) TO '{p}' (FORMAT parquet)")
    shutil.copy(p, p)
    shutil.move(p, p)
"""
    kinds = [what for _, what in file_writes(planted)]
    assert kinds == [
        "open(..., 'w')", "open(..., 'ab')", "open(..., 'x')", ".write_text()",
        ".write_bytes()", ".savefig()", ".to_parquet()", ".write_table()", "COPY ... TO",
        "shutil.copy()", "shutil.move()",
    ]  # fmt: skip


def test_the_scan_lets_reading_through() -> None:
    reading = """
def read(p, con):
    with open(p) as f: ...
    with open(p, "rb") as f: ...
    with p.open("r", encoding="utf-8") as f: ...
    p.read_text()
    con.execute("SELECT * FROM read_parquet('x')")
    con.execute("COPY t FROM 'x'")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
"""
    assert file_writes(reading) == []


def test_the_pure_core_is_scanned_at_all() -> None:
    files = list(_pure_core_files())
    assert len(files) > 50
    assert all(p.suffix == ".py" for p in files)


# ---- HTTP status codes live in web/ --------------------------------------------------------

_STATUS_NAMES = {"status_code", "HTTPStatus"}
_STATUS_KEYWORDS = {"status", "status_code", "code"}
_STATUS_CALLEES = re.compile(r"(Refusal|Response|HTTPException)$")


def _is_code(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 400 <= node.value <= 599


def _names_status(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return "status" in node.attr
    return isinstance(node, ast.Name) and "status" in node.id


def status_codes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every HTTP status code: the names that carry one, and 4xx/5xx literals
    handed to a response or refusal, passed as ``status=``, or compared with a status."""
    return sorted(set(_status_codes(ast.parse(source))))


def _status_codes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _STATUS_NAMES:
            yield node.lineno, node.attr
        elif isinstance(node, ast.Name) and node.id in _STATUS_NAMES:
            yield node.lineno, node.id
        elif isinstance(node, ast.ImportFrom) and node.module in {"http", "starlette", "fastapi"}:
            for alias in node.names:
                if alias.name in {"HTTPStatus", "status"}:
                    yield node.lineno, f"from {node.module} import {alias.name}"
        elif isinstance(node, ast.Call):
            if _STATUS_CALLEES.search(_callee(node)) and any(_is_code(a) for a in node.args):
                yield node.lineno, f"{_callee(node)}(<code>)"
            for keyword in node.keywords:
                if keyword.arg in _STATUS_KEYWORDS and _is_code(keyword.value):
                    yield node.lineno, f"{keyword.arg}=<code>"
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_code(o) for o in operands) and any(_names_status(o) for o in operands):
                yield node.lineno, "status compared with a code"


HTTP_CLIENTS = {
    "adapters/http_transport.py",
    "adapters/peer_client.py",
    "adapters/directory_source.py",
    "demo/run.py",
}
"""Where repatria is an HTTP client and must read the answer's status: the adapters that
call peers and fetch the network directory, and the demo's wait for its nodes to answer
/api/health."""

CODES_AWAITING_WEB: set[str] = set()
"""Refusals that still carry tlog-witness's status codes outside web/; another part of
issue 11 moves them into web/api/ledger.py. Exact, so it only shrinks."""


def test_http_status_codes_only_in_web() -> None:
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        if where.startswith("web/") or where in HTTP_CLIENTS:
            continue
        if status_codes(path.read_text(encoding="utf-8")):
            found.add(where)
    assert found == CODES_AWAITING_WEB


def test_the_status_scan_sees_codes() -> None:
    planted = """
from http import HTTPStatus

def answer(reply):
    if reply.status_code == 200: ...
    if reply.status == 409: ...
    return Refusal(403, "bad signature"), JSONResponse({}, status_code=422), Thing(status=404)
"""
    kinds = sorted(what for _, what in status_codes(planted))
    assert kinds == sorted([
        "from http import HTTPStatus", "status_code", "status compared with a code",
        "Refusal(<code>)", "status_code=<code>", "status=<code>",
    ])  # fmt: skip


@pytest.mark.parametrize(
    "innocent",
    ["x = text[:500]", "String(500)", "range(0, n, 500)", "limit = 500", "f(max_length=500)"],
)
def test_the_status_scan_ignores_other_numbers(innocent: str) -> None:
    assert status_codes(innocent) == []
