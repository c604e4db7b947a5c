"""Offences, named by UNODC's ICCS and mapped to the conventions that establish them.

Scope decides whether an instrument applies at all: the 1988 Vienna Convention
covers the offences of its Art. 3(1), the OECD Convention foreign bribery (Art. 1),
UNCAC the offences of its Arts. 15-25 (Art. 46(1)). Whether the offence was made
mandatory by the convention tells how far dual criminality can be assumed: an
optional offence such as illicit enrichment (UNCAC Art. 20) is missing in many
states. The list lives in ``data/offences.toml`` with its source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field

from repatria.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Offence:
    """One offence: readable id, ICCS category and the articles establishing it."""

    id: str
    label: str
    iccs: str | None
    qualifier: str | None
    articles: tuple[str, ...]
    mandatory: bool
    dual_criminality_note: str
    not_criminalised_in: tuple[tuple[str, str], ...]

    def criminalised_note(self, state: str) -> str | None:
        """The source saying ``state`` has no such offence, if one is recorded."""
        for code, note in self.not_criminalised_in:
            if code == state:
                return note
        return None


class _OffenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    label: str
    iccs: str | None = Field(default=None, pattern=r"^\d{2,6}$")
    qualifier: str | None = None
    articles: tuple[str, ...]
    mandatory: bool
    dual_criminality_note: str = ""
    not_criminalised_in: dict[str, str] = Field(default_factory=dict)


class _OffencesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offence: tuple[_OffenceFile, ...]


@cache
def all_offences() -> tuple[Offence, ...]:
    """Every offence the engine knows, in file order."""
    raw = files("repatria.law").joinpath("data/offences.toml").read_text(encoding="utf-8")
    parsed = _OffencesFile.model_validate(tomllib.loads(raw))
    ids = [o.id for o in parsed.offence]
    if len(ids) != len(set(ids)):
        raise InvalidInput("duplicate offence id in data/offences.toml", where="offences.toml")
    return tuple(
        Offence(
            id=o.id,
            label=o.label,
            iccs=o.iccs,
            qualifier=o.qualifier,
            articles=o.articles,
            mandatory=o.mandatory,
            dual_criminality_note=o.dual_criminality_note,
            not_criminalised_in=tuple(sorted(o.not_criminalised_in.items())),
        )
        for o in parsed.offence
    )


@cache
def _index() -> dict[str, Offence]:
    index: dict[str, Offence] = {}
    for offence in all_offences():
        index[offence.id] = offence
        if offence.iccs is not None and offence.qualifier is None:
            index[offence.iccs] = offence
    return index


def parse_offence(value: object, *, where: str = "offence") -> Offence:
    """Return the offence named by a readable id or an ICCS code, or raise naming both lists."""
    if isinstance(value, Offence):
        return value
    raw = value.strip().lower() if isinstance(value, str) else ""
    found = _index().get(raw)
    if found is not None:
        return found
    ids = ", ".join(o.id for o in all_offences())
    codes = ", ".join(
        f"{o.iccs} ({o.id})" for o in all_offences() if o.iccs is not None and o.qualifier is None
    )
    raise InvalidInput(
        f"unknown offence {value!r}; accepted ids: {ids}; accepted ICCS codes: {codes}",
        where=where,
    )
