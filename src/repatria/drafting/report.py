"""What validation finds: problems with their field path and article, and a score.

A ``Problem`` names where (a path such as ``persons[0].entity.properties.iban[0]``),
what (a message that says what was expected and what was found) and why (the
article or standard it comes from, e.g. ``UNCAC Art. 46(15)(c)`` or ``ISO 13616``).
Errors block the request (``is_complete``); warnings are advice the drafter may
accept. The score is the share of applicable checklist items the draft satisfies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    article: str
    severity: Severity = Severity.ERROR

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "message": self.message,
            "article": self.article,
            "severity": self.severity.value,
        }

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.path}: {self.message} [{self.article}]"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of ``validate``: every problem, the score, and what was checked."""

    schema_version: str | None
    on: date
    problems: tuple[Problem, ...]
    satisfied: int
    applicable: int

    @property
    def score(self) -> int:
        """Completeness 0-100: satisfied checklist items over applicable ones."""
        if self.applicable == 0:
            return 0
        return round(100 * self.satisfied / self.applicable)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def at(self, path: str) -> tuple[Problem, ...]:
        """The problems at ``path`` or below it (for a wizard that shows them by field)."""
        return tuple(
            p
            for p in self.problems
            if p.path == path or p.path.startswith((f"{path}.", f"{path}["))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "on": self.on.isoformat(),
            "complete": is_complete(self),
            "score": self.score,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self) -> str:
        head = (
            f"{'complete' if is_complete(self) else 'incomplete'}: score {self.score}/100, "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        )
        return "\n".join([head, *(str(p) for p in self.problems)])


def is_complete(report: ValidationReport) -> bool:
    """True when nothing blocks the request: the gate before "ready" or "sent"."""
    return not report.errors
