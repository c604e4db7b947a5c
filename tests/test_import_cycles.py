"""No import cycle among repatria's modules (docs/architecture.md, "Imports point down").

The graph comes from grimp, the library import-linter is built on. It records every import
statement of a module, at the top or inside a function, so an import moved into a function to
dodge a cycle still counts as the edge it is. Imports under ``TYPE_CHECKING`` count too: a
module that needs another's types to be read belongs above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

SRC = Path(__file__).parents[1] / "src" / "repatria"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _shortest_cycle(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """One concrete cycle through the component's first module, to name in the failure."""
    start = component[0]
    for other in component[1:]:
        there = graph.find_shortest_chain(start, other)
        back = graph.find_shortest_chain(other, start)
        if there and back:
            return [*there, *back[1:]]
    return component


def test_cycle_finder_sees_a_planted_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p.a", "p.b", "p.c", "p.d"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.d", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]
    assert _shortest_cycle(graph, ["p.a", "p.b", "p.c"]) == ["p.a", "p.b", "p.c", "p.a"]


def test_no_import_cycle_among_repatria_modules() -> None:
    graph = grimp.build_graph("repatria", cache_dir=None)
    assert len(graph.modules) > 100  # the whole package was read, not an empty graph
    cycles = [" -> ".join(_shortest_cycle(graph, c)) for c in _cycles(graph)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def _imports_inside_functions(source: str) -> list[tuple[int, str]]:
    """Imports of repatria's own modules made inside a function body. Deferring a heavy
    third-party library to its point of use is allowed; deferring our own modules only ever
    hides a cycle or a layer crossed the wrong way."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                name = "." * node.level + (node.module or "")
                if node.level or name.split(".")[0] == "repatria":
                    found.append((node.lineno, name))
            elif isinstance(node, ast.Import):
                found += [
                    (node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "repatria"
                ]
    return found


def test_no_repatria_import_inside_a_function() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {name}"
        for path in sorted(SRC.rglob("*.py"))
        for line, name in _imports_inside_functions(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_function_import_scan_sees_a_planted_one() -> None:
    planted = "import json\n\ndef f():\n    import numpy\n    from repatria.service import cases\n"
    assert _imports_inside_functions(planted) == [(5, "repatria.service")]
