"""A case: one matter of a node, grouping its requests, entities and events.

Cases carry a reference of the form ``NG-2026-0001`` (the node's jurisdiction,
the year opened and a sequence), which is what people quote in letters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from repatria.domain.text import check_shown_text
from repatria.errors import InvalidInput

CASE_REFERENCE_PATTERN = r"^[A-Z]{2}-[0-9]{4}-[0-9]{4,}$"
"""A case reference: the node's state, the year, a sequence (published in the API schema)."""
CASE_REFERENCE = re.compile(CASE_REFERENCE_PATTERN)


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CaseInput:
    """What a person gives to open a case, validated."""

    title: str
    summary: str
    offences: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseInput:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidInput("a case needs a title", where="title")
        if len(title) > 300:
            raise InvalidInput("longer than 300 characters", where="title")
        check_shown_text(title, where="title")
        summary = data.get("summary", "") or ""
        if not isinstance(summary, str):
            raise InvalidInput("expected text", where="summary")
        if len(summary) > 20_000:
            raise InvalidInput("longer than 20000 characters", where="summary")
        check_shown_text(summary, where="summary", multiline=True)
        offences = data.get("offences", []) or []
        if not isinstance(offences, list) or not all(
            isinstance(o, str) and o.strip() for o in offences
        ):
            raise InvalidInput("expected a list of offence names", where="offences")
        for i, offence in enumerate(offences):
            check_shown_text(offence, where=f"offences[{i}]")
        return cls(title.strip(), summary.strip(), tuple(o.strip() for o in offences))


@dataclass(frozen=True, slots=True)
class Case:
    reference: str
    title: str
    summary: str
    offences: tuple[str, ...]
    status: CaseStatus
    jurisdiction: str
    created_at: datetime
    created_by: str
    members: tuple[str, ...]


def make_case_reference(jurisdiction: str, year: int, sequence: int) -> str:
    return f"{jurisdiction.upper()}-{year:04d}-{sequence:04d}"


def check_case_reference(value: str, *, where: str = "case") -> str:
    ref = value.strip().upper()
    if not CASE_REFERENCE.fullmatch(ref):
        # What was typed is not repeated: a pasted secret would come back in the answer (R19).
        raise InvalidInput("not a case reference (expected e.g. NG-2026-0001)", where=where)
    return ref
