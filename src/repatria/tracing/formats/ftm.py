"""FollowTheMoney ``Payment`` entities (JSON lines) into raw canonical records.

A ``Payment`` (FtM schema ``Payment``: an ``Interval`` with ``payer``, ``beneficiary``,
``payerAccount``, ``beneficiaryAccount``, ``amount``, ``currency``, ``date``) becomes one
payment. Each side is resolved, in this order:

1. the ``BankAccount`` in ``payerAccount``/``beneficiaryAccount``: account = its ``iban``,
   else ``accountNumber``, else the entity id; bank = ``bic``, else ``bankName``; country =
   the IBAN's country, else ``country``;
2. the legal entity in ``payer``/``beneficiary`` (any ``LegalEntity``: Person, Company,
   Organization ...): account = ``entity:<id>``, standing for the money that entity holds
   where the data shows no account; country = ``country``, else ``jurisdiction``, else
   ``mainCountry``.

Other entities in the file (the accounts and parties) are read only to resolve payments.
The timestamp is ``date``, else ``startDate``. A payment with several amounts (FtM values
are lists) keeps the first, as FtM's caption does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from repatria.errors import InvalidInput
from repatria.tracing.formats.bounds import check_parsed_size, check_text
from repatria.tracing.formats.iban import iban_country, is_iban, normalise_iban

__all__ = ["parse_ftm_payments"]

Record = dict[str, str | None]


def _first(entity: dict[str, Any] | None, *props: str) -> str | None:
    if entity is None:
        return None
    properties = entity.get("properties") or {}
    for prop in props:
        values = properties.get(prop) or []
        for value in values:
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, dict) and value.get("id"):  # nested entity form
                return str(value["id"])
    return None


def _side(
    entities: dict[str, dict[str, Any]], payment: dict[str, Any], account_prop: str, party_prop: str
) -> tuple[str | None, str | None, str | None]:
    account_id = _first(payment, account_prop)
    account = entities.get(account_id) if account_id else None
    if account_id and account is not None:
        iban = _first(account, "iban")
        number = normalise_iban(iban) if iban and is_iban(iban) else iban
        name = number or _first(account, "accountNumber") or account_id
        bank = _first(account, "bic", "bankName")
        country = iban_country(name) or _first(account, "country")
        return name, bank, country
    if account_id:
        return account_id, None, None
    party_id = _first(payment, party_prop)
    if party_id is None:
        return None, None, None
    party = entities.get(party_id)
    country = _first(party, "country", "jurisdiction", "mainCountry")
    return f"entity:{party_id}", None, country


def parse_ftm_payments(path: str | Path) -> list[Record]:
    """Every ``Payment`` entity in a JSON-lines file, as raw canonical records."""
    from followthemoney import model  # FtM costs ~0.6 s to load; only this reader needs it

    p = Path(path)
    check_parsed_size(p)
    check_text(p)
    entities: dict[str, dict[str, Any]] = {}
    order: list[tuple[int, str]] = []
    with p.open("r", encoding="utf-8-sig") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"line {line_no}: not JSON ({exc.msg})", where=str(p)) from exc
            except RecursionError:
                raise InvalidInput(
                    f"line {line_no}: JSON nested too deeply to read", where=str(p)
                ) from None
            except ValueError as exc:  # a number of more than 4,300 digits (CPython's cap)
                raise InvalidInput(f"line {line_no}: {exc}", where=str(p)) from None
            if not isinstance(data, dict) or "id" not in data or "schema" not in data:
                raise InvalidInput(
                    f"line {line_no}: expected an FtM entity with id and schema", where=str(p)
                )
            schema = model.get(str(data["schema"]))
            if schema is None:
                raise InvalidInput(
                    f"line {line_no}: unknown FtM schema {data['schema']!r}", where=str(p)
                )
            entities[str(data["id"])] = data
            if schema.is_a("Payment"):
                order.append((line_no, str(data["id"])))
    if not order:
        raise InvalidInput("no Payment entity in the file", where=str(p))
    records: list[Record] = []
    for line_no, pid in order:
        payment = entities[pid]
        payer, payer_bank, payer_country = _side(entities, payment, "payerAccount", "payer")
        payee, payee_bank, payee_country = _side(
            entities, payment, "beneficiaryAccount", "beneficiary"
        )
        records.append(
            {
                "_row": str(line_no),
                "id": pid,
                "timestamp": _first(payment, "date", "startDate"),
                "from_account": payer,
                "to_account": payee,
                "amount": _first(payment, "amount"),
                "currency": _first(payment, "currency"),
                "from_bank": payer_bank,
                "to_bank": payee_bank,
                "from_country": payer_country,
                "to_country": payee_country,
            }
        )
    return records
