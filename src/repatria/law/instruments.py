"""Instruments of mutual legal assistance, encoded as structured provisions.

Each instrument is a hand-written TOML file in ``data/instruments/`` (one per
instrument), joined on its id with the row of ``data/treaties/instruments.csv``
that carries its title, dates and participation file. The provisions are our own
summaries, each citing its article; the engine reads them, it does not interpret
prose. Files are validated on load: an unknown measure, topic, offence or kind is
an error naming the file, so a broken data file never yields a silent answer.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from repatria.domain.measure import Measure


class Kind(StrEnum):
    """What kind of basis an instrument is; the order is the ranking order.

    Mutual recognition instruments come first because they replace requests by
    orders the executing state must recognise (Directive 2014/41/EU Art. 1(2);
    Regulation 2018/1805 Art. 1(1)); a bilateral treaty comes before a convention
    because UNCAC Art. 46(7) and UNTOC Art. 18(7) let a treaty binding both states
    govern instead of their own MLA paragraphs; a non-binding scheme comes after
    every treaty; reciprocity is the fallback that needs no treaty at all.
    """

    MUTUAL_RECOGNITION = "mutual-recognition"
    BILATERAL = "bilateral"
    REGIONAL = "regional"
    MULTILATERAL = "multilateral"
    SCHEME = "scheme"
    RECIPROCITY = "reciprocity"

    @property
    def rank(self) -> int:
        return list(Kind).index(self)


class Topic(StrEnum):
    """The subjects a provision can be about, as a request drafter meets them."""

    CHANNEL = "channel"
    LANGUAGE = "language"
    DUAL_CRIMINALITY = "dual-criminality"
    DOCUMENTS = "documents"
    REFUSAL = "refusal"
    CONFIDENTIALITY = "confidentiality"
    USE_LIMITATION = "use-limitation"
    COSTS = "costs"
    TIME_LIMIT = "time-limit"
    BANK_SECRECY = "bank-secrecy"
    RELATION = "relation"
    TERRITORY = "territory"
    DISPOSAL = "disposal"
    NATURE = "nature"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provision(_Model):
    """One rule of an instrument, summarised in our own words, with its article."""

    topic: Topic
    article: str = Field(min_length=1)
    text: str = Field(min_length=1)
    measures: tuple[Measure, ...] = ()
    """Measures the provision concerns; empty means every measure the instrument covers."""

    def concerns(self, measure: Measure) -> bool:
        return not self.measures or measure in self.measures


class Coverage(_Model):
    """How an instrument covers one measure."""

    article: str = Field(min_length=1)
    condition: str = ""
    """Non-empty when the measure is covered only on a condition the engine cannot check."""


class Scope(_Model):
    """Which offences the instrument covers."""

    kind: Literal["all-offences", "listed-offences"]
    article: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    offences: dict[str, str] = Field(default_factory=dict)
    """Offence id -> article of the instrument that establishes or lists it."""
    conditional: dict[str, str] = Field(default_factory=dict)
    """Offence id -> the condition (with its article) under which it falls in scope."""
    otherwise: str = ""
    """For any other offence: the condition under which it may still be in scope, or empty."""


class EntryIntoForce(_Model):
    """How the date from which a state is bound follows from its act of consent."""

    days_after_consent: int | None = Field(default=None, ge=0)
    article: str = Field(min_length=1)
    note: str = ""


class Displacement(_Model):
    """Between states both bound by ``by``, this instrument yields for ``measures``."""

    by: str
    measures: tuple[Measure, ...]
    article: str
    text: str


class Instrument(_Model):
    """An instrument with its metadata (from instruments.csv) and its provisions (TOML)."""

    id: str = Field(pattern=r"^[A-Z0-9_]+(:[A-Z]{2}-[A-Z]{2})?$")
    title: str
    short_title: str
    kind: Kind
    binding: bool = True
    summary: str
    adopted: date | None = None
    in_force: date | None = None
    """General entry into force of the instrument itself."""
    url: str = ""
    participation_file: str = ""
    participation_complete: bool = False
    participation_note: str = ""
    citation_note: str = ""
    """Non-empty where article numbers were not checked against the official text."""
    entry_into_force: EntryIntoForce
    eligible: Literal["any"] | tuple[str, ...] = ()
    """Who may still join: ``any`` state, listed states, or nobody we can rank (empty)."""
    aliases: tuple[str, ...] = ()
    scope: Scope
    measures: dict[Measure, Coverage]
    provisions: tuple[Provision, ...]
    displaced_by: tuple[Displacement, ...] = ()

    def provisions_for(self, measure: Measure) -> tuple[Provision, ...]:
        return tuple(p for p in self.provisions if p.concerns(measure))

    def covers(self, measure: Measure) -> bool:
        return measure in self.measures
