"""The legal-basis finder: every instrument that lets one state ask another for a measure.

``find_bases`` is pure: it takes a catalogue (the shipped one by default) and a
question and returns a ``BasisResult``. It runs each instrument's rule set
(``rules.rules_for``), keeps the instruments whose rules are met (or met subject
to an unknown date of entry into force, reported as such), and ranks them:
mutual recognition, bilateral, regional, multilateral, scheme, then reciprocity,
which always remains as the discretionary fallback. "No treaty basis" is a result
whose only basis is reciprocity, with the reasons every treaty failed.
"""

from __future__ import annotations

from datetime import date

from repatria.domain.jurisdiction import Jurisdiction
from repatria.domain.measure import Measure
from repatria.law.basis import Basis, BasisResult, Exclusion
from repatria.law.catalogue import Catalogue, bilateral_id, load_catalogue
from repatria.law.formalities import formalities
from repatria.law.instruments import Instrument, Kind
from repatria.law.offences import Offence
from repatria.law.question import Question
from repatria.law.requirements import Finding, Outcome, Verdict
from repatria.law.rules import rules_for

_MLA_TREATIES = frozenset({Kind.MUTUAL_RECOGNITION, Kind.BILATERAL, Kind.REGIONAL})
"""Treaties "of mutual legal assistance" in the sense of UNCAC Art. 46(7) and UNTOC Art. 18(7)."""


def find_bases(
    requesting: str | Jurisdiction,
    requested: str | Jurisdiction,
    measure: str | Measure,
    offence: str | Offence | None = None,
    on: str | date | None = None,
    catalogue: Catalogue | None = None,
    *,
    explain: bool = False,
) -> BasisResult:
    """Every applicable basis for ``requesting`` to ask ``requested`` for ``measure``.

    Raises ``InvalidInput`` for an unknown state, measure or offence, a malformed
    date, or a state asking itself. ``explain`` keeps every finding in the result.
    """
    question = Question.ask(requesting, requested, measure, offence, on)
    return answer(question, catalogue or load_catalogue(), explain=explain)


def candidates(question: Question, catalogue: Catalogue) -> tuple[Instrument, ...]:
    """The instruments worth judging: all but the bilateral treaties of other pairs."""
    pair = bilateral_id(question.requesting.code, question.requested.code)
    return tuple(i for i in catalogue.ranked() if i.kind is not Kind.BILATERAL or i.id == pair)


def answer(question: Question, catalogue: Catalogue, *, explain: bool = False) -> BasisResult:
    """Judge every candidate instrument for a parsed question."""
    judged: list[tuple[Instrument, Verdict]] = []
    excluded: list[Exclusion] = []
    for instrument in candidates(question, catalogue):
        verdict = rules_for(instrument, catalogue).check(question)
        if verdict.outcome is Outcome.NOT_MET:
            excluded.append(_exclusion(instrument, verdict))
        else:
            judged.append((instrument, verdict))
    pair = bilateral_id(question.requesting.code, question.requested.code)
    if pair not in catalogue.instruments:
        excluded.insert(0, _no_bilateral(pair, question))
    treaties = [i.id for i, _ in judged if i.kind in _MLA_TREATIES]
    bases = [
        _basis(
            instrument, verdict, question, catalogue, [t for t in treaties if t != instrument.id]
        )
        for instrument, verdict in judged
    ]
    bases.sort(key=lambda b: (b.kind.rank, not b.certain, b.instrument))
    return BasisResult(
        requesting=question.requesting.code,
        requested=question.requested.code,
        measure=question.measure,
        offence=question.offence.id if question.offence else None,
        on=question.on,
        bases=tuple(bases),
        not_applicable=tuple(excluded),
        explain=explain,
    )


def _cite(instrument: Instrument, article: str) -> str:
    return f"{instrument.id} {article}" if article else ""


def _basis(
    instrument: Instrument,
    verdict: Verdict,
    question: Question,
    catalogue: Catalogue,
    other_treaties: list[str],
) -> Basis:
    why = tuple(f.reason for f in verdict.findings)
    conditions = tuple(f"condition: {c}" for f in verdict.findings for c in f.conditions)
    required = formalities(instrument, question, catalogue, other_treaties)
    articles: dict[str, None] = {}
    for finding in verdict.findings:
        articles.setdefault(_cite(instrument, finding.citation))
    for _, article in required:
        articles.setdefault(_cite(instrument, article))
    articles.pop("", None)
    return Basis(
        instrument=instrument.id,
        title=instrument.title,
        kind=instrument.kind,
        binding=instrument.binding,
        certain=verdict.outcome is Outcome.MET,
        why=why,
        requires=conditions + tuple(line for line, _ in required),
        articles=tuple(articles),
        findings=verdict.findings,
    )


def _exclusion(instrument: Instrument, verdict: Verdict) -> Exclusion:
    failed = tuple(f.reason for f in verdict.findings if f.outcome is Outcome.NOT_MET)
    return Exclusion(
        instrument=instrument.id,
        title=instrument.title,
        kind=instrument.kind,
        reasons=failed,
        findings=verdict.findings,
    )


def _no_bilateral(pair: str, question: Question) -> Exclusion:
    reason = (
        f"no bilateral MLA treaty between {question.requesting.code} and "
        f"{question.requested.code} in the data (it holds US treaties in force per INCSR 2015 "
        "and the UK-Nigeria treaty; other treaties may exist)"
    )
    return Exclusion(
        instrument=pair,
        title="Bilateral treaty on mutual legal assistance in criminal matters",
        kind=Kind.BILATERAL,
        reasons=(reason,),
        findings=(Finding(Outcome.NOT_MET, reason, "bilateral_mlats.csv"),),
    )
