"""What a basis requires of the requesting state: channel, language, documents, risks.

The lines come from the instrument's provisions that concern the measure, from
the requested state's designations under UNCAC Art. 46(13) (central authority)
and 46(14) (languages) where recorded, and from offence-specific dual-criminality
warnings (e.g. illicit enrichment, UNCAC Art. 20, is optional and missing in many
states). Each line names its topic and cites its article.
"""

from __future__ import annotations

from collections.abc import Collection

from repatria.domain.measure import MEASURES
from repatria.law.catalogue import Catalogue
from repatria.law.instruments import Instrument, Topic
from repatria.law.question import Question

_DESIGNATING = frozenset({"UNCAC"})
"""Instruments under which the recorded designations (46(13)/(14)) were made."""

_YIELDING = frozenset({"UNCAC", "UNTOC", "VIENNA1988"})
"""Conventions whose MLA paragraphs yield to a treaty binding both states."""


def formalities(
    instrument: Instrument,
    question: Question,
    catalogue: Catalogue,
    other_treaties: Collection[str] = (),
) -> tuple[tuple[str, str], ...]:
    """(line, article) pairs: what using ``instrument`` for ``question`` requires."""
    lines: list[tuple[str, str]] = []
    for provision in instrument.provisions_for(question.measure):
        if provision.topic is Topic.RELATION and instrument.id in _YIELDING:
            if not other_treaties:
                continue
            text = f"{provision.text} (here: {', '.join(sorted(other_treaties))})"
        else:
            text = provision.text
        lines.append((f"{provision.topic.value}: {text}", provision.article))
    if instrument.id in _DESIGNATING:
        lines.extend(_designations(question, catalogue))
    lines.extend(_dual_criminality(question))
    if instrument.citation_note:
        lines.append((f"caveat: {instrument.citation_note}", ""))
    return tuple(lines)


def _designations(question: Question, catalogue: Catalogue) -> list[tuple[str, str]]:
    code = question.requested.code
    declaration = catalogue.declarations.get(code)
    if declaration is None:
        return [
            (
                (
                    f"designations: no central authority or language designation recorded for "
                    f"{code}; look it up in UNODC's directory of competent national authorities"
                ),
                "Art. 46(13)-(14)",
            )
        ]
    return [
        (
            (
                f"central authority of {code}: {declaration.central_authority} "
                f"(source: {declaration.source})"
            ),
            "Art. 46(13)",
        ),
        (
            f"language accepted by {code}: {declaration.languages} (same source)",
            "Art. 46(14)",
        ),
    ]


def _dual_criminality(question: Question) -> list[tuple[str, str]]:
    offence = question.offence
    if offence is None:
        return []
    coercive = MEASURES[question.measure].coercive
    found: list[tuple[str, str]] = []
    note = offence.criminalised_note(question.requested.code)
    if note is not None:
        found.append(
            (
                f"dual-criminality risk: {question.requested.code} is not known to criminalise "
                f"{offence.id}: {note}"
                + ("; the measure is coercive, so refusal is likely" if coercive else ""),
                "; ".join(offence.articles),
            )
        )
    elif not offence.mandatory and offence.articles:
        found.append(
            (
                (
                    f"dual-criminality check: {offence.id} is an offence the conventions leave "
                    f"optional ({'; '.join(offence.articles)}); confirm that "
                    f"{question.requested.code} criminalises the conduct"
                ),
                "; ".join(offence.articles),
            )
        )
    if offence.dual_criminality_note and found:
        found.append((f"dual-criminality advice: {offence.dual_criminality_note}", ""))
    elif offence.dual_criminality_note and not offence.articles:
        found.append((f"dual-criminality check: {offence.dual_criminality_note}", ""))
    return found
