"""Read a draft: JSON text or a dict in, the parsed model and the structural problems out.

A draft in the wizard is often half right. Rather than stop at the first wrong
value, the reader reports every structural problem pydantic finds, then drops
the offending values from a *copy* of the draft and parses again, so the
completeness checks still run on everything that is well formed. The caller's
document is never changed (the wizard keeps what the user typed).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from repatria.drafting.model import SCHEMA_VERSION, RequestDocument
from repatria.drafting.report import Problem

SUPPORTED_VERSIONS = (SCHEMA_VERSION,)
"""Schema versions this code reads; a new version is added here with its model."""

SCHEMA_ARTICLE = f"repatria request schema {SCHEMA_VERSION} (docs/drafting.md)"

_ARTICLE_BY_ERROR = {
    "language": "ISO 639-1",
    "jurisdiction": "ISO 3166-1",
    "currency": "ISO 4217",
    "date_from_datetime_parsing": "ISO 8601",
    "date_parsing": "ISO 8601",
    "date_type": "ISO 8601",
}

_MAX_ROUNDS = 20
"""Each round removes every value pydantic refused; nesting is shallow, so few are needed."""


@dataclass(frozen=True, slots=True)
class ParsedDraft:
    """The model of what could be read (``None`` if nothing could) and the problems."""

    document: RequestDocument | None
    schema_version: str | None
    problems: tuple[Problem, ...]


def load_json(text: str | bytes) -> tuple[Any, tuple[Problem, ...]]:
    """Decode JSON text; a syntax error becomes a problem naming line and column."""
    try:
        return json.loads(text), ()
    except UnicodeDecodeError as error:
        return None, (Problem("$", f"not UTF-8 text: {error.reason}", "RFC 8259 §8.1"),)
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        return None, (Problem("$", message, "RFC 8259"),)


def format_path(loc: tuple[int | str, ...]) -> str:
    """``('persons', 0, 'entity')`` -> ``persons[0].entity``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def parse_draft(document: object) -> ParsedDraft:
    """Parse a draft dict; never raises for bad content, never mutates ``document``."""
    if not isinstance(document, Mapping):
        found = type(document).__name__
        return ParsedDraft(
            None, None, (Problem("$", f"expected a JSON object, found {found}", SCHEMA_ARTICLE),)
        )
    version = document.get("schema_version")
    problems: list[Problem] = []
    if version is None:
        problems.append(
            Problem(
                "schema_version",
                f"missing; expected one of {', '.join(SUPPORTED_VERSIONS)}",
                SCHEMA_ARTICLE,
            )
        )
    elif version not in SUPPORTED_VERSIONS:
        message = (
            f"unsupported schema version {version!r}; supported: {', '.join(SUPPORTED_VERSIONS)}"
        )
        return ParsedDraft(
            None, str(version), (Problem("schema_version", message, SCHEMA_ARTICLE),)
        )
    data: dict[str, Any] = copy.deepcopy(dict(document))
    for _ in range(_MAX_ROUNDS):
        try:
            parsed = RequestDocument.model_validate(data)
        except ValidationError as error:
            details = error.errors(include_url=False)
            reported = {p.path for p in problems}
            # A later round only sees the holes the earlier rounds made: skip those.
            problems.extend(
                found for found in map(_problem, details) if not _under(found.path, reported)
            )
            for detail in sorted(details, key=lambda d: _sort_key(d["loc"]), reverse=True):
                _drop(data, tuple(detail["loc"]))
            continue
        return ParsedDraft(parsed, SCHEMA_VERSION, tuple(_unique(problems)))
    return ParsedDraft(None, SCHEMA_VERSION, tuple(_unique(problems)))


def _under(path: str, reported: set[str]) -> bool:
    return any(path == q or path.startswith((f"{q}.", f"{q}[")) for q in reported)


def _problem(detail: Any) -> Problem:
    kind = str(detail["type"])
    loc = tuple(detail["loc"])
    path = format_path(loc)
    article = _ARTICLE_BY_ERROR.get(kind, SCHEMA_ARTICLE)
    if kind == "extra_forbidden":
        message = f"unknown field {str(loc[-1])!r} in schema {SCHEMA_VERSION}"
    elif kind == "missing":
        message = "required here but missing"
    elif kind in ("language", "jurisdiction", "currency"):
        message = str(detail["msg"])
    else:
        shown = repr(detail.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        expected = str(detail["msg"]).replace("Input should be", "expected")
        message = f"{expected}; found {shown}"
    return Problem(path, message, article)


def _sort_key(loc: tuple[int | str, ...]) -> tuple[tuple[int, int | str], ...]:
    # Ints and strings never compare; tag them so list indices sort numerically.
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in loc)


def _drop(data: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the value at ``loc``; if it is absent (a missing field), its parent."""
    parents: list[tuple[Any, int | str]] = []
    node = data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not present:
            break
        parents.append((node, part))
        node = node[part]
    else:
        container, key = parents[-1]
        del container[key]
        return
    if parents:
        container, key = parents[-1]
        del container[key]


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            kept.append(p)
    return kept
