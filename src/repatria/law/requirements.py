"""Composable rules that fail closed and explain themselves (style.md principle 9).

A ``Requirement`` looks at a ``Question`` and returns a ``Verdict``: an outcome and
the ``Finding`` objects behind it, each citing the article it applies. ``AllOf``
and ``AnyOf`` combine requirements. An empty combination never passes, so a
mistake that leaves an instrument without rules yields "not applicable" with a
reason instead of a basis nobody checked. Uncertainty (a party whose date of
entry into force is unknown) is an outcome of its own, never rounded to a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from repatria.law.question import Question


class Outcome(StrEnum):
    MET = "met"
    UNCERTAIN = "uncertain"
    NOT_MET = "not-met"

    @property
    def level(self) -> int:
        return {"met": 2, "uncertain": 1, "not-met": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One checked fact: its outcome, a reason in plain words, and the article cited."""

    outcome: Outcome
    reason: str
    citation: str
    conditions: tuple[str, ...] = ()
    """What the user must still confirm for the finding to hold (e.g. organised crime)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, finding: Finding) -> Verdict:
        return cls(finding.outcome, (finding,))


class Requirement(Protocol):
    """Anything that can judge a question and say why."""

    def check(self, question: Question) -> Verdict: ...


_EMPTY = Finding(Outcome.NOT_MET, "an empty rule set never passes", "style.md principle 9")


@dataclass(frozen=True, slots=True)
class AllOf:
    """Met when every requirement is met; uncertain if the weakest is uncertain."""

    requirements: Sequence[Requirement]

    def check(self, question: Question) -> Verdict:
        if not self.requirements:
            return Verdict.of(_EMPTY)
        verdicts = [r.check(question) for r in self.requirements]
        outcome = min((v.outcome for v in verdicts), key=lambda o: o.level)
        return Verdict(outcome, tuple(f for v in verdicts for f in v.findings))


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Met when one requirement is met; keeps the findings of the best alternatives."""

    requirements: Sequence[Requirement]

    def check(self, question: Question) -> Verdict:
        if not self.requirements:
            return Verdict.of(_EMPTY)
        verdicts = [r.check(question) for r in self.requirements]
        outcome = max((v.outcome for v in verdicts), key=lambda o: o.level)
        kept = [v for v in verdicts if v.outcome is outcome]
        return Verdict(outcome, tuple(f for v in kept for f in v.findings))
