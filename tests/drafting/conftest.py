"""Fixtures for the drafting tests.

Strategy: the three example requests in ``examples/requests/`` (Nigeria asks the
United Kingdom; fictional people) are the complete documents; a test that needs a
broken one copies an example and changes the one field it is about. Validation
runs on a fixed date so that deadlines and treaty dates do not drift with the clock.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "requests"
ON = date(2026, 12, 1)
EXAMPLE_NAMES = ("records", "freezing", "confiscation-foreign-order")


def load_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def records() -> dict[str, Any]:
    return load_example("records")


@pytest.fixture
def freezing() -> dict[str, Any]:
    return load_example("freezing")


@pytest.fixture
def confiscation() -> dict[str, Any]:
    return load_example("confiscation-foreign-order")


def text(value: str, lang: str = "en", translation: str = "original") -> dict[str, str]:
    return {"text": value, "lang": lang, "translation": translation}


def changed(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with top-level ``fields`` replaced (None removes)."""
    result = copy.deepcopy(document)
    for key, value in fields.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
