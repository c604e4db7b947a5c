"""Jurisdictions, named by ISO 3166-1 alpha-2 codes.

A state (or a territory with its own MLA law, such as Hong Kong) is the unit
that is party to treaties and that sends or receives requests. The territory
data comes from ``rigour.territories`` so that names and codes agree with
FollowTheMoney's ``country`` type; we accept only two-letter codes that carry
an ISO alpha-3 twin, which rules out pseudo-codes such as ``eu`` or ``zz``.
Names are the English names of the Unicode CLDR (Babel), not rigour's
endonyms ("Nauru", not "Naoero").

Mutual legal assistance is between States Parties (UNCAC Art. 46(1)), so a
request's two ends must be *states*: the members and observer states of the
United Nations (``data/states.toml``, sources in ``data/SOURCES.md``). Any
other ISO 3166-1 entry is a territory; where the data names the state that
answers for it (GI -> GB, HK -> CN, AW -> NL) a request about it goes to that
state, and the error says so.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

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
                name=_english().get(territory.code.upper(), territory.name),
                alpha3=territory.alpha3.upper(),
                region=territory.region,
            )
        )
    return tuple(sorted(found))


@cache
def _english() -> dict[str, str]:
    from babel import Locale  # Babel loads on first use: CLI help stays light

    return dict(Locale("en").territories)


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


@dataclass(frozen=True, slots=True)
class _StateData:
    states: frozenset[str]
    answered_by: dict[str, str]


@cache
def _state_data() -> _StateData:
    raw = tomllib.loads(
        files("repatria.domain").joinpath("data/states.toml").read_text(encoding="utf-8")
    )
    return _StateData(
        states=frozenset(raw["members"]) | frozenset(raw["observers"]),
        answered_by=dict(raw["answered_by"]),
    )


def is_state(code: str) -> bool:
    """A member or observer state of the United Nations (``data/states.toml``)."""
    return code.strip().upper() in _state_data().states


def answering_state(code: str) -> str | None:
    """The state that answers for a territory (GI -> GB), or None when the data names none."""
    return _state_data().answered_by.get(code.strip().upper())


def parse_state_party(value: object, *, where: str = "state") -> Jurisdiction:
    """The state for an ISO 3166-1 alpha-2 code, refusing territories and non-states.

    A request goes from one state to another (UNCAC Art. 46(1), 46(13)); a
    territory's request goes to the state that answers for it, which the
    message names when it is known.
    """
    found = parse_jurisdiction(value, where=where)
    if is_state(found.code):
        return found
    answers = answering_state(found.code)
    if answers is not None:
        raise InvalidInput(
            f"{found.code} ({found.name}) is a territory, not a state: a request concerning it"
            f" is made to or by {answers} ({jurisdiction_name(answers)}), the state that answers"
            " for it",
            where=where,
        )
    raise InvalidInput(
        f"{found.code} ({found.name}) is not a state; requests for mutual legal assistance"
        " are made between states (UNCAC Art. 46(1))",
        where=where,
    )


def states(lang: str) -> list[Jurisdiction]:
    """Every state, named in language ``lang`` (CLDR via Babel), sorted by that name.

    For the lists a person picks a requested state from; territories are not in it.
    """
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(lang.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInput(f"{lang!r} is not a known language code", where="lang") from None
    found = [
        replace(j, name=names.get(j.code, j.name)) for j in all_jurisdictions() if is_state(j.code)
    ]
    return sorted(found, key=lambda j: (_sort_key(j.name), j.code))


def territories_of(state: str) -> list[Jurisdiction]:
    """The territories the data says ``state`` answers for (GB: GI, BM, KY...), by code; for
    showing them under their state in a list of states."""
    code = state.strip().upper()
    by_code = _by_code()
    return [
        by_code[t] for t, answers in sorted(_state_data().answered_by.items())
        if answers == code and t in by_code
    ]  # fmt: skip


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
