"""The requirements an instrument must meet to be a basis, built from its data.

For every instrument the rule set is ``AllOf``:

* ``StatesBound``: both states bound on the date (entry into force for each state,
  per the instrument's final clauses; Vienna Convention on the Law of Treaties
  Art. 28: treaties do not act retroactively);
* ``MeasureCovered``: the instrument provides for the measure asked (e.g. UNCAC
  Art. 46(3), UNTOC Art. 18(3), 1988 Convention Art. 7(2));
* ``OffenceInScope``: the offence is within the instrument's scope (e.g. UNCAC
  Art. 46(1), OECD Convention Art. 9(1), 1988 Convention Art. 7(1));
* ``NotDisplaced``: no instrument binding both states replaces it for this measure
  (e.g. Directive 2014/41/EU Art. 34(1) replaces ETS 030 between EIO states).

Reciprocity has ``NoTreatyNeeded`` instead of ``StatesBound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from repatria.domain.measure import MEASURES
from repatria.law.catalogue import RECIPROCITY, Catalogue
from repatria.law.instruments import Displacement, Instrument
from repatria.law.participation import Party, Standing
from repatria.law.question import Question
from repatria.law.requirements import AllOf, Finding, Outcome, Requirement, Verdict


def standing_of(
    instrument: Instrument, parties: Mapping[str, Party], code: str, question: Question
) -> tuple[Standing, str]:
    """A state's standing on the question's date, with the sentence that explains it."""
    party = parties.get(code)
    if party is None:
        text = f"{code}: not listed as a party"
        if not instrument.participation_complete:
            text += f" (the participation data is incomplete: {instrument.participation_note})"
        return Standing.ABSENT, text
    return party.standing(question.on, instrument), party.describe(question.on, instrument)


@dataclass(frozen=True, slots=True)
class StatesBound:
    """Both states are bound by the instrument on the date asked."""

    instrument: Instrument
    parties: Mapping[str, Party]

    def check(self, question: Question) -> Verdict:
        findings = []
        for code in (question.requesting.code, question.requested.code):
            standing, text = standing_of(self.instrument, self.parties, code, question)
            outcome = (Outcome.NOT_MET, Outcome.UNCERTAIN, Outcome.MET)[standing.level]
            conditions: tuple[str, ...] = ()
            if outcome is Outcome.UNCERTAIN:
                conditions = (
                    (
                        f"confirm that {code} was bound by {self.instrument.id} on "
                        f"{question.on} (date of entry into force unknown)"
                    ),
                )
            findings.append(
                Finding(outcome, text, self.instrument.entry_into_force.article, conditions)
            )
        outcome = min((f.outcome for f in findings), key=lambda o: o.level)
        return Verdict(outcome, tuple(findings))


@dataclass(frozen=True, slots=True)
class NoTreatyNeeded:
    """Reciprocity needs no treaty: it is always available, and always discretionary."""

    instrument: Instrument

    def check(self, question: Question) -> Verdict:
        return Verdict.of(
            Finding(
                Outcome.MET,
                f"no treaty needed: {question.requested.code} may assist under its domestic law "
                "on an assurance of reciprocity, at its discretion",
                self.instrument.scope.article,
            )
        )


@dataclass(frozen=True, slots=True)
class MeasureCovered:
    """The instrument provides for the measure asked."""

    instrument: Instrument

    def check(self, question: Question) -> Verdict:
        label = MEASURES[question.measure].label.lower()
        coverage = self.instrument.measures.get(question.measure)
        if coverage is None:
            covered = ", ".join(m.value for m in self.instrument.measures) or "nothing"
            return Verdict.of(
                Finding(
                    Outcome.NOT_MET,
                    f"does not provide for {question.measure.value} ({label}); covers: {covered}",
                    self.instrument.scope.article,
                )
            )
        conditions = (coverage.condition,) if coverage.condition else ()
        return Verdict.of(
            Finding(
                Outcome.MET,
                f"provides for {question.measure.value} ({label}), {coverage.article}",
                coverage.article,
                conditions,
            )
        )


@dataclass(frozen=True, slots=True)
class OffenceInScope:
    """The offence falls within the instrument's scope (or may, on a stated condition)."""

    instrument: Instrument

    def check(self, question: Question) -> Verdict:
        scope = self.instrument.scope
        offence = question.offence
        if scope.kind == "all-offences":
            return _met(f"applies to any offence: {scope.summary}", scope.article)
        if offence is None:
            return _met(
                f"limited to {scope.summary}",
                scope.article,
                f"the offence must be within {self.instrument.id}'s scope: {scope.summary} "
                f"({scope.article}); give the offence to check",
            )
        if offence.id in scope.offences:
            article = scope.offences[offence.id]
            return _met(f"{offence.id} is within scope ({article})", article)
        if offence.id in scope.conditional:
            condition = scope.conditional[offence.id]
            return _met(f"{offence.id} may be within scope", scope.article, condition)
        if scope.otherwise:
            return _met(f"{offence.id} may be within scope", scope.article, scope.otherwise)
        return Verdict.of(
            Finding(
                Outcome.NOT_MET,
                f"{offence.id} ({offence.label}) is outside the scope: {scope.summary}",
                scope.article,
            )
        )


def _met(reason: str, citation: str, condition: str = "") -> Verdict:
    return Verdict.of(Finding(Outcome.MET, reason, citation, (condition,) if condition else ()))


@dataclass(frozen=True, slots=True)
class NotDisplaced:
    """No instrument binding both states replaces this one for the measure asked."""

    instrument: Instrument
    displacement: Displacement
    displacer: Instrument
    displacer_parties: Mapping[str, Party]

    def check(self, question: Question) -> Verdict:
        d = self.displacement
        if question.measure not in d.measures:
            return _met(f"not replaced by {d.by} for {question.measure.value}", d.article)
        levels = [
            standing_of(self.displacer, self.displacer_parties, code, question)[0].level
            for code in (question.requesting.code, question.requested.code)
        ]
        if min(levels) == 2:
            return Verdict.of(Finding(Outcome.NOT_MET, f"replaced by {d.by}: {d.text}", d.article))
        if min(levels) == 1:
            return _met(
                f"not shown to be replaced by {d.by}",
                d.article,
                f"if both states are bound by {d.by}, it replaces {self.instrument.id}: {d.text}",
            )
        return _met(f"not replaced: the two states are not both bound by {d.by}", d.article)


def rules_for(instrument: Instrument, catalogue: Catalogue) -> Requirement:
    """The rule set that decides whether ``instrument`` is a basis."""
    if instrument.id == RECIPROCITY:
        return AllOf((NoTreatyNeeded(instrument), MeasureCovered(instrument)))
    parties = catalogue.parties.get(instrument.id, {})
    requirements: list[Requirement] = [
        StatesBound(instrument, parties),
        MeasureCovered(instrument),
        OffenceInScope(instrument),
    ]
    for displacement in instrument.displaced_by:
        displacer = catalogue.instruments[displacement.by]
        requirements.append(
            NotDisplaced(
                instrument, displacement, displacer, catalogue.parties.get(displacer.id, {})
            )
        )
    return AllOf(tuple(requirements))
