"""Persons and assets of a request: FollowTheMoney entities, validated and cross-checked.

Each entity goes through ``repatria.domain.entities.validate_entity``, which refuses
any value FtM cannot clean and checks identifier formats with rigour (IBAN check
digits per ISO 13616, BIC per ISO 9362, LEI, ISIN, ...). This module adds what a
request needs on top: the right kind of entity in each list, unique ids, an
identifier for every account or asset (UNCAC Art. 55(3)(a): a description of the
property), and the identity, location and nationality of persons where possible
(Art. 46(15)(e)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repatria.domain.entities import validate_entity
from repatria.drafting.checklist import Checklist
from repatria.drafting.model import RequestDocument
from repatria.drafting.report import Severity
from repatria.errors import InvalidInput

if TYPE_CHECKING:
    from followthemoney import EntityProxy

_FORMAT_STANDARD = {
    "iban": "ISO 13616",
    "bic": "ISO 9362",
    "lei": "ISO 17442",
    "isin": "ISO 6166",
    "figi": "OpenFIGI",
    "imo": "IMO number (SOLAS XI-1/3)",
}

IDENTIFYING = {
    "BankAccount": ("iban", "accountNumber"),
    "RealEstate": ("titleNumber", "registrationNumber", "cadastralCode", "address"),
    "Vehicle": ("registrationNumber",),
    "CryptoWallet": ("publicKey", "cryptoAddress"),
    "Security": ("isin", "registrationNumber", "figiCode"),
}
"""Properties of which at least one identifies an asset of that schema."""

ASSET_ARTICLE = "UNCAC Art. 46(15)(d), 55(3)(a)"
PERSON_ARTICLE = "UNCAC Art. 46(15)(e)"


def check_parties(doc: RequestDocument, checks: Checklist) -> dict[str, EntityProxy]:
    """Validate every person and asset entity; return the valid ones by id."""
    found: dict[str, EntityProxy] = {}
    for i, person in enumerate(doc.persons):
        path = f"persons[{i}].entity"
        proxy = _entity(person.entity, path, checks, found)
        if proxy is None:
            continue
        if not proxy.schema.is_a("LegalEntity"):
            checks.flag(
                f"{path}.schema",
                f"a person concerned must be a LegalEntity (Person, Company, Organization, ...);"
                f" found {proxy.schema.name}",
                PERSON_ARTICLE,
            )
            continue
        checks.advise(
            bool(
                proxy.get("address", quiet=True)
                or proxy.get("country", quiet=True)
                or proxy.get("addressEntity", quiet=True)
            ),
            f"{path}.properties.address",
            f"give the location of {proxy.caption} (address or country) where possible",
            PERSON_ARTICLE,
        )
        if proxy.schema.is_a("Person"):
            checks.advise(
                bool(proxy.get("nationality", quiet=True)),
                f"{path}.properties.nationality",
                f"give the nationality of {proxy.caption} where possible",
                PERSON_ARTICLE,
            )
        found[str(proxy.id)] = proxy
    for i, asset in enumerate(doc.assets):
        path = f"assets[{i}].entity"
        proxy = _entity(asset.entity, path, checks, found)
        if proxy is None:
            continue
        if not proxy.schema.is_a("Value"):
            checks.flag(
                f"{path}.schema",
                f"an asset must be an account or asset entity (BankAccount, RealEstate, Vehicle,"
                f" CryptoWallet, Security, ...); found {proxy.schema.name}",
                ASSET_ARTICLE,
            )
            continue
        keys = next(
            (v for k, v in IDENTIFYING.items() if proxy.schema.is_a(k)), ("name", "description")
        )
        checks.require(
            any(proxy.get(k, quiet=True) for k in keys),
            f"{path}.properties",
            f"identify this {proxy.schema.name} by one of: {', '.join(keys)}",
            ASSET_ARTICLE,
        )
        _iban_country(proxy, path, checks)
        found[str(proxy.id)] = proxy
    return found


def _entity(
    data: dict[str, object], path: str, checks: Checklist, seen: dict[str, EntityProxy]
) -> EntityProxy | None:
    try:
        proxy = validate_entity(data)
    except InvalidInput as error:
        where = error.where or ""
        checks.flag(
            f"{path}.{where}" if where else path, _message(data, error), _standard(data, where)
        )
        return None
    if str(proxy.id) in seen:
        checks.flag(f"{path}.id", f"duplicate entity id {proxy.id!r}", "FollowTheMoney entity ids")
        return None
    return proxy


def _standard(data: dict[str, object], where: str) -> str:
    # FtM at its point of use: its model costs a command's start-up a second (issue 11, pt 7).
    from followthemoney import model

    if not where.startswith("properties."):
        return "FollowTheMoney schema"
    schema = model.get(str(data.get("schema")))
    prop = schema.get(where.split(".")[1].split("[")[0]) if schema else None
    if prop is not None and prop.format in _FORMAT_STANDARD:
        return _FORMAT_STANDARD[prop.format]
    return "FollowTheMoney schema"


def _message(data: dict[str, object], error: InvalidInput) -> str:
    standard = _standard(data, error.where or "")
    if standard.startswith("ISO 13616"):
        return f"{error.message} (wrong IBAN check digits or length, {standard})"
    if standard.startswith("ISO"):
        return f"{error.message} ({standard})"
    return error.message


def _iban_country(proxy: EntityProxy, path: str, checks: Checklist) -> None:
    countries = set(proxy.get("country", quiet=True))
    for j, iban in enumerate(proxy.get("iban", quiet=True)):
        prefix = iban[:2].lower()
        if countries and prefix not in countries:
            checks.flag(
                f"{path}.properties.iban[{j}]",
                f"IBAN {iban} is issued in {prefix.upper()} but the account's country is"
                f" {', '.join(sorted(c.upper() for c in countries))}",
                "ISO 13616",
                Severity.WARNING,
            )
