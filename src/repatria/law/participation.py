"""Who is bound by an instrument, and from when.

A state is bound by a treaty only from the treaty's entry into force for it
(Vienna Convention on the Law of Treaties, Arts. 24 and 28). The data records the
date of deposit of each act of consent; the date from which the state is bound is
computed by the instrument's own rule (UNCAC Art. 68(2): 30th day after deposit;
1988 Convention Art. 29(2): 90th day; ...), and never earlier than the
instrument's general entry into force. Where the data has no date, the state is a
party "with date of entry into force unknown": the engine says so instead of
guessing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from io import StringIO

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.errors import InvalidInput
from repatria.law.dates import parse_optional_date
from repatria.law.instruments import Instrument


class Standing(StrEnum):
    """Where a state stands towards an instrument on a given date."""

    BOUND = "bound"
    UNKNOWN = "date-unknown"
    NOT_YET = "not-yet-bound"
    ENDED = "no-longer-bound"
    SIGNATORY = "signatory-only"
    ABSENT = "not-listed"

    @property
    def level(self) -> int:
        """2 = bound, 1 = may be bound (date unknown), 0 = not bound."""
        if self is Standing.BOUND:
            return 2
        if self is Standing.UNKNOWN:
            return 1
        return 0


@dataclass(frozen=True, slots=True)
class Party:
    """One state's row in a participation file, with its computed entry into force."""

    code: str
    name: str
    signed: date | None
    consent: date | None
    consent_type: str
    in_force: date | None
    """Exact date from which the state is bound, when known."""
    in_force_by: date | None
    """Latest date by which the state was bound, when only that is known."""
    until: date | None
    source: str

    @property
    def signatory_only(self) -> bool:
        return (
            self.signed is not None
            and self.consent is None
            and self.in_force is None
            and self.in_force_by is None
        )

    def standing(self, on: date, instrument: Instrument) -> Standing:
        """The state's standing on ``on``; unknown dates stay unknown."""
        if self.signatory_only:
            return Standing.SIGNATORY
        if self.until is not None and on > self.until:
            return Standing.ENDED
        if self.in_force is not None:
            return Standing.BOUND if on >= self.in_force else Standing.NOT_YET
        if instrument.in_force is not None and on < instrument.in_force:
            return Standing.NOT_YET
        if self.signed is not None and on < self.signed:
            return Standing.NOT_YET
        if self.in_force_by is not None and on >= self.in_force_by:
            return Standing.BOUND
        return Standing.UNKNOWN

    def describe(self, on: date, instrument: Instrument) -> str:
        """A sentence a lawyer can check against the source."""
        standing = self.standing(on, instrument)
        rule = instrument.entry_into_force.article
        party = "party" if instrument.binding else "member (the scheme binds no one)"
        if standing is Standing.SIGNATORY:
            return f"{self.code}: signed on {self.signed}, not a party per the data"
        if standing is Standing.ENDED:
            return f"{self.code}: no longer bound after {self.until}"
        if self.in_force is not None:
            how = f"bound from {self.in_force}"
            if self.consent is not None:
                how += f" (consent deposited {self.consent}; {rule})"
            verb = party if standing is Standing.BOUND else "not yet bound on " + on.isoformat()
            return f"{self.code}: {verb}, {how}"
        if standing is Standing.NOT_YET:
            start = (
                instrument.in_force if instrument.in_force and on < instrument.in_force else None
            )
            if start is not None:
                return f"{self.code}: not bound on {on}: the instrument itself entered into force on {start}"
            return f"{self.code}: not bound on {on}: signed only on {self.signed}"
        if standing is Standing.BOUND:
            return (
                f"{self.code}: {party}, bound by {self.in_force_by} at the latest "
                "(exact date of entry into force unknown)"
            )
        return f"{self.code}: {party}, date of entry into force unknown"


def bound_from(consent: date | None, explicit: date | None, instrument: Instrument) -> date | None:
    """The date a state became bound: explicit, or consent plus the instrument's delay."""
    if explicit is not None:
        return explicit
    days = instrument.entry_into_force.days_after_consent
    if consent is None or days is None:
        return None
    start = consent + timedelta(days=days)
    if instrument.in_force is not None and start < instrument.in_force:
        return instrument.in_force
    return start


def read_parties(text: str, instrument: Instrument, *, where: str) -> dict[str, Party]:
    """Parse a participation CSV (see SOURCES.md for its columns) into parties by code.

    Rows for codes that are not ISO 3166-1 jurisdictions (the European Union, ``EU``)
    are kept out: the engine answers for states, and the Union's own participation
    does not make its member states parties.
    """
    parties: dict[str, Party] = {}
    for number, row in enumerate(csv.DictReader(StringIO(text)), start=2):
        at = f"{where}:{number}"
        code = row["iso2"].strip().upper()
        try:
            parse_jurisdiction(code, where=at)
        except InvalidInput:
            if code == "EU":
                continue
            raise
        consent = parse_optional_date(row.get("consent_date", ""), where=at)
        explicit = parse_optional_date(row.get("in_force", "") or "", where=at)
        parties[code] = Party(
            code=code,
            name=row["state"],
            signed=parse_optional_date(row.get("signature_date", ""), where=at),
            consent=consent,
            consent_type=row.get("consent_type", "") or "",
            in_force=bound_from(consent, explicit, instrument),
            in_force_by=parse_optional_date(row.get("in_force_by", "") or "", where=at),
            until=parse_optional_date(row.get("until", "") or "", where=at),
            source=row["source"],
        )
    return parties
