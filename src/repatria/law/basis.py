"""The answer: applicable bases in rank order, and what does not apply and why.

``BasisResult.to_dict()`` / ``to_json()`` give the wire shape the CLI (``--json``),
the API and the UI share; ``to_rows()`` gives plain rows a table printer can show
without knowing anything about the law; ``explain`` adds every finding and the
instruments that do not apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from repatria.domain.measure import Measure
from repatria.law.instruments import Kind
from repatria.law.requirements import Finding

ROW_HEADER = ("rank", "instrument", "kind", "status", "detail")


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "outcome": finding.outcome.value,
        "reason": finding.reason,
        "citation": finding.citation,
        "conditions": list(finding.conditions),
    }


@dataclass(frozen=True, slots=True)
class Basis:
    """One applicable basis, with why it applies and what it requires."""

    instrument: str
    title: str
    kind: Kind
    binding: bool
    certain: bool
    """False when a state's date of entry into force is unknown: the basis is then
    reported as applying only if that date is confirmed."""
    why: tuple[str, ...]
    requires: tuple[str, ...]
    articles: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def status(self) -> str:
        return "applies" if self.certain else "applies if the date of entry into force is confirmed"

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "instrument": self.instrument,
            "title": self.title,
            "kind": self.kind.value,
            "why": list(self.why),
            "requires": list(self.requires),
            "articles": list(self.articles),
            "binding": self.binding,
            "certain": self.certain,
            "status": self.status,
        }
        if explain:
            found["findings"] = [_finding_dict(f) for f in self.findings]
        return found


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An instrument that does not apply, with the reasons that failed."""

    instrument: str
    title: str
    kind: Kind
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "instrument": self.instrument,
            "why": self.why,
            "title": self.title,
            "kind": self.kind.value,
        }
        if explain:
            found["findings"] = [_finding_dict(f) for f in self.findings]
        return found


@dataclass(frozen=True, slots=True)
class BasisResult:
    """Every applicable basis for one question, ranked, and the ones that do not apply."""

    requesting: str
    requested: str
    measure: Measure
    offence: str | None
    on: date
    bases: tuple[Basis, ...]
    not_applicable: tuple[Exclusion, ...]
    explain: bool = False

    @property
    def treaty_bases(self) -> tuple[Basis, ...]:
        """The bases other than reciprocity."""
        return tuple(b for b in self.bases if b.kind is not Kind.RECIPROCITY)

    @property
    def instrument_ids(self) -> tuple[str, ...]:
        return tuple(b.instrument for b in self.bases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requesting": self.requesting,
            "requested": self.requested,
            "measure": self.measure.value,
            "date": self.on.isoformat(),
            "offence": self.offence,
            "bases": [b.to_dict(explain=self.explain) for b in self.bases],
            "not_applicable": [e.to_dict(explain=self.explain) for e in self.not_applicable],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_rows(self, *, explain: bool | None = None) -> list[tuple[str, str, str, str, str]]:
        """Rows under ``ROW_HEADER``: one per basis, then its reasons and requirements."""
        detailed = self.explain if explain is None else explain
        rows: list[tuple[str, str, str, str, str]] = []
        for rank, basis in enumerate(self.bases, start=1):
            rows.append((str(rank), basis.instrument, basis.kind.value, basis.status, basis.title))
            rows.extend(("", "", "", "why", line) for line in basis.why)
            rows.extend(("", "", "", "requires", line) for line in basis.requires)
            if detailed:
                rows.append(("", "", "", "articles", "; ".join(basis.articles)))
        if detailed:
            for excluded in self.not_applicable:
                rows.append(
                    ("-", excluded.instrument, excluded.kind.value, "not applicable", excluded.why)
                )
        return rows

    def to_text(self, *, explain: bool | None = None) -> str:
        """Plain text for a terminal or a log, one line per row."""
        offence = f", offence {self.offence}" if self.offence else ""
        lines = [
            (
                f"Legal bases for {self.measure.value}: {self.requesting} -> {self.requested} "
                f"on {self.on.isoformat()}{offence}"
            )
        ]
        for rank, instrument, kind, status, detail in self.to_rows(explain=explain):
            if rank:
                lines.append(f"{rank:>2} {instrument} [{kind}] {status}: {detail}")
            else:
                lines.append(f"     {status}: {detail}")
        return "\n".join(lines)
