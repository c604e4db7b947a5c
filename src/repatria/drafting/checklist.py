"""A checklist that counts items as it checks them, for the completeness score.

Each ``require`` (an error when unmet) or ``advise`` (a warning when unmet) is one
applicable item; the score is how many of them the draft meets. ``flag`` records a
problem that is not a content item (a wrong value rather than a missing one) and
so does not move the score by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from repatria.drafting.report import Problem, Severity


@dataclass(slots=True)
class Checklist:
    problems: list[Problem] = field(default_factory=list)
    satisfied: int = 0
    applicable: int = 0

    def require(self, ok: bool, path: str, message: str, article: str) -> bool:
        return self._item(ok, Problem(path, message, article, Severity.ERROR))

    def advise(self, ok: bool, path: str, message: str, article: str) -> bool:
        return self._item(ok, Problem(path, message, article, Severity.WARNING))

    def met(self) -> None:
        """An item checked and satisfied that has no message of its own."""
        self.applicable += 1
        self.satisfied += 1

    def flag(
        self, path: str, message: str, article: str, severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(path, message, article, severity))

    def _item(self, ok: bool, problem: Problem) -> bool:
        self.applicable += 1
        if ok:
            self.satisfied += 1
        else:
            self.problems.append(problem)
        return ok
