"""Jurisdictions, named by ISO 3166-1 alpha-2 codes.

A state (or a territory with its own MLA law, such as Hong Kong) is the unit
that is party to treaties and that sends or receives requests. The territory
data comes from ``rigour.territories`` so that names and codes agree with
FollowTheMoney's ``country`` type; we accept only two-letter codes that carry
an ISO alpha-3 twin, which rules out pseudo-codes such as ``eu`` or ``zz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rigour.territories import get_territories, get_territory, lookup_territory

from repatria.errors import InvalidInput


@dataclass(frozen=True, slots=True, order=True)
class Jurisdiction:
    """A state or territory, by upper-case ISO 3166-1 alpha-2 code."""

    code: str
    name: str
    alpha3: str
    region: str | None

    def __str__(self) -> str:
        return self.code


@cache
def all_jurisdictions() -> tuple[Jurisdiction, ...]:
    """Every current ISO 3166-1 jurisdiction, sorted by code."""
    found = []
    for territory in get_territories():
        if len(territory.code) != 2 or territory.alpha3 is None or territory.is_historical:
            continue
        found.append(
            Jurisdiction(
                code=territory.code.upper(),
                name=territory.name,
                alpha3=territory.alpha3.upper(),
                region=territory.region,
            )
        )
    return tuple(sorted(found))


@cache
def _by_code() -> dict[str, Jurisdiction]:
    return {j.code: j for j in all_jurisdictions()}


def parse_jurisdiction(value: object, *, where: str = "jurisdiction") -> Jurisdiction:
    """Return the jurisdiction for an ISO 3166-1 alpha-2 code.

    A common mistake (``UK`` for the United Kingdom, a country name, an
    alpha-3 code) gets a message naming the code that was probably meant.
    """
    raw = value.strip() if isinstance(value, str) else ""
    found = _by_code().get(raw.upper()) if len(raw) == 2 else None
    if found is not None:
        return found
    hint = ""
    guess = lookup_territory(raw) if raw else None
    if guess is None and raw:
        guess = get_territory(raw.lower())
    if guess is not None and guess.code.upper() in _by_code():
        hint = f"; did you mean {guess.code.upper()} ({guess.name})?"
    raise InvalidInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code{hint}", where=where)


def jurisdiction_name(code: str) -> str:
    """The English short name of a valid code (for display)."""
    return parse_jurisdiction(code).name
