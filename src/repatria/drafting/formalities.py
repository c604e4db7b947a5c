"""Checks that depend on the requested state and the chosen legal basis.

The legal-basis engine (``repatria.law.find_bases``) says, for each measure, which
instruments let the requesting state ask the requested one, and what each
requires. Here a draft is held to that answer:

- the chosen instrument must apply to every measure sought (for at least one of
  the offences named, when the offences carry engine ids);
- the channel must be one the instrument's channel provision names (UNCAC Art.
  46(13): central authority; diplomatic if required; INTERPOL only when urgent);
- the engine's dual-criminality warnings (Art. 46(9)(b)) and the documents the
  instrument asks for that the content checks do not already cover are passed on;
- under reciprocity, the request must offer an assurance of reciprocity.
"""

from __future__ import annotations

import re
from datetime import date

from repatria.domain.measure import Measure
from repatria.drafting.checklist import Checklist
from repatria.drafting.model import Channel, RequestDocument
from repatria.drafting.report import Severity
from repatria.errors import InvalidInput
from repatria.law import Basis, Catalogue, Instrument, find_bases, parse_offence
from repatria.law.catalogue import RECIPROCITY
from repatria.law.instruments import Topic

_COVERED_DOCUMENTS = {
    ("UNCAC", "Art. 46(15)-(16)"),
    ("UNCAC", "Art. 55(3)"),
    ("UNTOC", "Art. 18(15)-(16)"),
    ("UNTOC", "Art. 13(3)"),
    ("VIENNA1988", "Art. 7(10)-(11)"),
    ("VIENNA1988", "Art. 5(4)(d)"),
}
"""Document provisions whose contents ``contents.py`` checks item by item (they are the
46(15)/55(3) lists, which UNTOC Art. 18(15) and Vienna Art. 7(10) repeat)."""

_CENTRAL = (
    r"central authorit|ministr(y|ies) of justice"
    r"|authorit(y|ies) (designated|each|the treaty names)|responsible for making and receiving"
)
_CHANNEL_WORDS = (
    (Channel.CENTRAL_AUTHORITY, re.compile(_CENTRAL, re.IGNORECASE)),
    (Channel.DIPLOMATIC, re.compile(r"diplomatic", re.IGNORECASE)),
    (Channel.INTERPOL, re.compile(r"interpol", re.IGNORECASE)),
    (Channel.DIRECT, re.compile(r"\bdirect(ly)?\b", re.IGNORECASE)),
)


def allowed_channels(instrument: Instrument, measure: Measure) -> dict[Channel, bool]:
    """Channels the instrument's channel provisions name -> whether only when urgent.

    Read from the law catalogue's own summaries of each channel article, clause by
    clause: a channel named in a clause that speaks of urgency is for urgent cases.
    """
    found: dict[Channel, bool] = {}
    for provision in instrument.provisions_for(measure):
        if provision.topic is not Topic.CHANNEL:
            continue
        for clause in provision.text.split(";"):
            urgent_only = "urgent" in clause.lower()
            for channel, pattern in _CHANNEL_WORDS:
                if pattern.search(clause):
                    found[channel] = found.get(channel, True) and urgent_only
    return found


def check_formalities(
    doc: RequestDocument, on: date, catalogue: Catalogue, checks: Checklist
) -> None:
    """Hold the draft to what ``find_bases`` says for each measure sought."""
    basis = doc.legal_basis
    requesting, requested = doc.requesting_state, doc.requested_state
    if (
        requesting is None
        or requested is None
        or requesting == requested
        or not doc.measures
        or basis is None
        or basis.instrument is None
    ):
        return
    try:
        instrument = catalogue.instrument(basis.instrument, where="legal_basis.instrument")
    except InvalidInput as error:
        checks.flag("legal_basis.instrument", error.message, "UNCAC Art. 46(1), (6)-(7)")
        return
    offences: list[str | None] = []
    for i, offence in enumerate(doc.offences):
        if offence.offence_id is None:
            continue
        try:
            offences.append(parse_offence(offence.offence_id).id)
        except InvalidInput as error:
            checks.flag(f"offences[{i}].offence_id", error.message, "repatria.law offences")
    chosen: list[Basis] = []
    for i, sought in enumerate(doc.measures):
        applying = _applying(
            (requesting, requested), sought.measure, offences or [None], on, instrument, catalogue
        )
        if isinstance(applying, str):
            checks.require(False, "legal_basis.instrument", applying, _citation(instrument))
            continue
        checks.met()
        if not applying.certain:
            conditions = "; ".join(r for r in applying.requires if r.startswith("condition:"))
            checks.flag(
                "legal_basis.instrument",
                f"{instrument.id} {applying.status} for measures[{i}] ({sought.measure.value}):"
                f" {conditions}",
                _citation(instrument),
                Severity.WARNING,
            )
        chosen.append(applying)
        _channel(doc, instrument, sought.measure, checks)
        _documents(instrument, sought.measure, i, checks)
    _relation_and_risks(chosen, checks)
    if instrument.id == RECIPROCITY:
        checks.require(
            basis.reciprocity_assurance is not None,
            "legal_basis.reciprocity_assurance",
            "without a treaty, offer a written assurance of reciprocity",
            "RECIPROCITY (comity)",
        )


def _citation(instrument: Instrument) -> str:
    return f"{instrument.id} (repatria.law)"


def _applying(
    states: tuple[str, str],
    measure: Measure,
    offences: list[str | None],
    on: date,
    instrument: Instrument,
    catalogue: Catalogue,
) -> Basis | str:
    """The chosen basis as the engine sees it, or a message saying why it does not apply."""
    reasons: list[str] = []
    others: set[str] = set()
    for offence in offences:
        result = find_bases(*states, measure, offence, on, catalogue)
        for basis in result.bases:
            if basis.instrument == instrument.id:
                return basis
            others.add(basis.instrument)
        reasons.extend(e.why for e in result.not_applicable if e.instrument == instrument.id)
    why = "; ".join(dict.fromkeys(reasons)) or "not among the applicable instruments"
    return (
        f"{instrument.id} does not apply to {measure.value} from {states[0]} to"
        f" {states[1]} on {on}: {why}; applicable: {', '.join(sorted(others))}"
    )


def _channel(doc: RequestDocument, instrument: Instrument, measure: Measure, c: Checklist) -> None:
    if doc.channel is None:
        return
    allowed = allowed_channels(instrument, measure)
    if not allowed:
        return
    urgent = doc.urgency is not None and doc.urgency.urgent
    usable = sorted(ch.value for ch, only_urgent in allowed.items() if urgent or not only_urgent)
    article = next(
        (p.article for p in instrument.provisions_for(measure) if p.topic is Topic.CHANNEL), ""
    )
    if doc.channel.value in usable:
        c.met()
        return
    extra = " (INTERPOL only for an urgent request)" if doc.channel is Channel.INTERPOL else ""
    c.require(
        False,
        "channel",
        f"{instrument.id} provides for {', '.join(usable)}; not {doc.channel.value}{extra}",
        f"{instrument.id} {article}".strip(),
    )


def _documents(instrument: Instrument, measure: Measure, index: int, checks: Checklist) -> None:
    for provision in instrument.provisions_for(measure):
        if provision.topic is not Topic.DOCUMENTS:
            continue
        if (instrument.id, provision.article) in _COVERED_DOCUMENTS:
            continue
        checks.flag(
            f"measures[{index}]",
            f"{instrument.id} asks for: {provision.text}; make sure the request provides it",
            f"{instrument.id} {provision.article}",
            Severity.WARNING,
        )


def _relation_and_risks(chosen: list[Basis], checks: Checklist) -> None:
    seen: set[str] = set()
    for basis in chosen:
        for line in basis.requires:
            if line in seen:
                continue
            seen.add(line)
            if line.startswith("dual-criminality risk") or (
                line.startswith("relation:") and "(here:" in line
            ):
                checks.flag(
                    "legal_basis.instrument",
                    line,
                    f"{basis.instrument} (repatria.law)",
                    Severity.WARNING,
                )
            elif line.startswith(("dual-criminality check", "dual-criminality advice")):
                checks.flag("dual_criminality", line, "UNCAC Art. 46(9)", Severity.WARNING)
