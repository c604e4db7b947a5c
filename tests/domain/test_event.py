"""Event kinds are one vocabulary (domain.event.EventKind), used everywhere an event is named."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from repatria.domain.event import EVENT_LABELS, Event, EventKind
from repatria.domain.lifecycle import TransitionName

SRC = Path(__file__).parents[2] / "src" / "repatria"
DOCS = Path(__file__).parents[2] / "docs" / "events.md"
LEAF_KIND = re.compile(r"^[a-z][a-z0-9.-]{0,63}$")  # ledger/entry.py: what a leaf accepts


def test_every_kind_has_a_label_and_fits_a_ledger_leaf() -> None:
    assert set(EVENT_LABELS) == set(EventKind)
    for kind in EventKind:
        assert LEAF_KIND.match(kind.value), kind
        assert kind.label and kind.label[0].isupper(), kind


def test_every_lifecycle_move_has_its_event_kind() -> None:
    for name in TransitionName:
        assert EventKind.of_transition(name).value == f"request.{name.value}"


def test_credential_kinds_are_named_and_unknown_ones_refused() -> None:
    assert EventKind.credential_issued("session") is EventKind.CREDENTIAL_ISSUED_SESSION
    assert EventKind.credential_revoked("api") is EventKind.CREDENTIAL_REVOKED_API
    with pytest.raises(ValueError):
        EventKind.credential_issued("password")


def test_an_event_shows_its_label_and_an_unknown_action_as_stored() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    assert Event(1, at, "a", "request.send", "w", "NG-2026-0001").label == "Request sent"
    assert Event(2, at, "a", "test.other", "w", None).label == "test.other"


def _literal_kinds(path: Path) -> list[tuple[int, str]]:
    values = {k.value for k in EventKind}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in values
    ]


def test_no_event_kind_is_written_as_a_string_outside_the_enum() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {value!r}"
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "domain" / "event.py"
        for line, value in _literal_kinds(path)
    ]
    assert found == []


def test_the_scan_sees_a_planted_literal(tmp_path: Path) -> None:
    planted = tmp_path / "m.py"
    planted.write_text('record(action="case.opened")\n', encoding="utf-8")
    assert _literal_kinds(planted) == [(1, "case.opened")]


def test_docs_list_every_kind_with_its_label() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z.\-]+)` \| (.+?) \|$", text, re.MULTILINE))
    assert rows == {k.value: k.label for k in EventKind}
