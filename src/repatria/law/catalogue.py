"""The catalogue: every instrument, who is party to it, and each state's declarations.

Everything is read from package data (``data/``, with provenance in
``data/SOURCES.md``) and validated on load, so the engine and the network analysis
work on values that are known to be well formed. The catalogue is passed into the
engine as an argument (style.md principle 1); ``load_catalogue()`` builds the one
shipped with the package.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from io import StringIO
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.errors import InvalidInput
from repatria.law.dates import parse_optional_date
from repatria.law.instruments import Instrument, Kind
from repatria.law.offences import all_offences
from repatria.law.participation import Party, read_parties

RECIPROCITY = "RECIPROCITY"
BILATERAL_TEMPLATE = "BILATERAL"


@dataclass(frozen=True, slots=True)
class Declaration:
    """A state's designations under UNCAC Art. 46(13) (central authority) and 46(14) (languages)."""

    code: str
    central_authority: str
    languages: str
    source: str


def bilateral_id(a: str, b: str) -> str:
    """``BILATERAL:XX-YY`` with the two ISO codes in alphabetical order."""
    first, second = sorted((a.upper(), b.upper()))
    return f"{BILATERAL_TEMPLATE}:{first}-{second}"


@dataclass(frozen=True, slots=True, eq=False)
class Catalogue:
    """Instruments by id, their parties by state code, and declarations by state code."""

    instruments: Mapping[str, Instrument]
    parties: Mapping[str, Mapping[str, Party]]
    declarations: Mapping[str, Declaration] = field(default_factory=dict)
    bilateral_template: Instrument | None = None
    """The provisions assumed for a bilateral treaty whose text is not encoded."""

    def ranked(self) -> tuple[Instrument, ...]:
        """Every instrument in ranking order (kind, then id), reciprocity last."""
        return tuple(sorted(self.instruments.values(), key=lambda i: (i.kind.rank, i.id)))

    def states(self) -> tuple[str, ...]:
        """Every state code that appears in any participation record, sorted."""
        codes: set[str] = set()
        for parties in self.parties.values():
            codes.update(parties)
        return tuple(sorted(codes))

    def instrument(self, ident: str, *, where: str = "instrument") -> Instrument:
        """The instrument with id (or alias) ``ident``, or an error listing the ids."""
        key = ident.strip().upper()
        if key in self.instruments:
            return self.instruments[key]
        for instrument in self.instruments.values():
            if key in instrument.aliases:
                return instrument
        accepted = ", ".join(sorted(self.instruments))
        raise InvalidInput(f"unknown instrument {ident!r}; accepted: {accepted}", where=where)

    def party(self, instrument_id: str, code: str) -> Party | None:
        return self.parties.get(instrument_id, {}).get(code)


def _data() -> Traversable:
    return files("repatria.law").joinpath("data")


def _read(path: str) -> str:
    return _data().joinpath(path).read_text(encoding="utf-8")


def _metadata() -> dict[str, dict[str, Any]]:
    meta: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(csv.DictReader(StringIO(_read("treaties/instruments.csv"))), 2):
        at = f"instruments.csv:{number}"
        meta[row["id"]] = {
            "title": row["title"],
            "adopted": parse_optional_date(row["adopted"], where=at),
            "in_force": parse_optional_date(row["entry_into_force"], where=at),
            "url": row["url"],
            "participation_file": row["participation_file"],
        }
    return meta


def _instrument(name: str, raw: dict[str, Any], meta: dict[str, dict[str, Any]]) -> Instrument:
    merged = {**meta.get(str(raw.get("id", "")), {}), **raw}
    try:
        return Instrument.model_validate(merged)
    except ValidationError as error:
        raise InvalidInput(f"invalid instrument file: {error}", where=name) from None


def _check(instruments: Mapping[str, Instrument]) -> None:
    offence_ids = {o.id for o in all_offences()}
    for instrument in instruments.values():
        where = f"instruments/{instrument.id}"
        unknown = (set(instrument.scope.offences) | set(instrument.scope.conditional)) - offence_ids
        if unknown:
            raise InvalidInput(
                f"scope names unknown offences {sorted(unknown)}; known: {sorted(offence_ids)}",
                where=where,
            )
        for displacement in instrument.displaced_by:
            if displacement.by not in instruments:
                raise InvalidInput(
                    f"displaced_by names unknown instrument {displacement.by!r}", where=where
                )


def _bilaterals(
    template: Instrument, specific: Mapping[str, Instrument]
) -> tuple[dict[str, Instrument], dict[str, dict[str, Party]]]:
    instruments: dict[str, Instrument] = {}
    parties: dict[str, dict[str, Party]] = {}
    text = _read("treaties/bilateral_mlats.csv")
    for number, row in enumerate(csv.DictReader(StringIO(text)), start=2):
        at = f"bilateral_mlats.csv:{number}"
        a = parse_jurisdiction(row["state_a"], where=at).code
        b = parse_jurisdiction(row["state_b"], where=at).code
        ident = bilateral_id(a, b)
        signed = parse_optional_date(row["signed"], where=at)
        in_force = parse_optional_date(row["in_force"], where=at)
        instrument = specific.get(ident) or template.model_copy(
            update={
                "id": ident,
                "title": f"{template.title}, {row['name_a']}-{row['name_b']}",
                "short_title": f"Bilateral MLA treaty {a}-{b}",
                "adopted": signed,
                "in_force": in_force,
            }
        )
        instruments[ident] = instrument
        parties[ident] = {
            code: Party(
                code=code,
                name=name,
                signed=signed,
                consent=None,
                consent_type="bilateral",
                in_force=in_force,
                in_force_by=parse_optional_date(row["in_force_by"], where=at),
                until=None,
                source=row["source"],
            )
            for code, name in ((a, row["name_a"]), (b, row["name_b"]))
        }
    return instruments, parties


def _declarations() -> dict[str, Declaration]:
    found: dict[str, Declaration] = {}
    text = _read("treaties/uncac_art46_notifications.csv")
    for number, row in enumerate(csv.DictReader(StringIO(text)), start=2):
        code = parse_jurisdiction(row["iso2"], where=f"uncac_art46_notifications.csv:{number}")
        found[code.code] = Declaration(
            code=code.code,
            central_authority=row["central_authority_46_13"],
            languages=row["languages_46_14"],
            source=row["source"],
        )
    return found


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped in ``repatria/law/data``, validated."""
    meta = _metadata()
    loaded: dict[str, Instrument] = {}
    for entry in sorted(_data().joinpath("instruments").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            raw = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise InvalidInput(f"not valid TOML: {error}", where=entry.name) from None
        instrument = _instrument(entry.name, raw, meta)
        loaded[instrument.id] = instrument
    template = loaded.pop(BILATERAL_TEMPLATE)
    specific = {i: v for i, v in loaded.items() if v.kind is Kind.BILATERAL}
    instruments = {i: v for i, v in loaded.items() if v.kind is not Kind.BILATERAL}
    parties: dict[str, Mapping[str, Party]] = {}
    for instrument in instruments.values():
        if instrument.id == RECIPROCITY:
            continue
        if not instrument.participation_file:
            raise InvalidInput("no participation file in instruments.csv", where=instrument.id)
        parties[instrument.id] = MappingProxyType(
            read_parties(
                _read(f"treaties/{instrument.participation_file}"),
                instrument,
                where=instrument.participation_file,
            )
        )
    bilateral, bilateral_parties = _bilaterals(template, specific)
    instruments.update(bilateral)
    parties.update({k: MappingProxyType(v) for k, v in bilateral_parties.items()})
    _check(instruments)
    return Catalogue(
        instruments=MappingProxyType(instruments),
        parties=MappingProxyType(parties),
        declarations=MappingProxyType(_declarations()),
        bilateral_template=template,
    )
