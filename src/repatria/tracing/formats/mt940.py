"""SWIFT MT940 customer statements into raw canonical records (via the ``mt-940`` package).

Each statement line (``:61:``) becomes one payment between the statement account (``:25:``,
written ``BIC/account`` or just the account) and the counterparty read from the following
information field (``:86:``), in this order:

1. the structured ``/IBAN/``, ``/ACCW/`` or ``/BENM//ACCT/`` style subfields some banks use
   (``/IBAN/DE89.../``), with a ``/BIC/`` subfield as the bank;
2. the German ZKA subfields (``?31`` counterparty account, ``?30`` its bank code or BIC);
3. the first valid IBAN written anywhere in the field (checked with rigour).

Failing all three, the counterparty is the explicit stand-in account
``unknown counterparty of <account>`` (``formats.unknown_counterparty``).

Direction from the debit/credit mark of ``:61:`` (SWIFT MT940 field 61 subfield 3): ``D``
money out, ``C`` money in; ``RD`` (reversal of a debit) is money in and ``RC`` (reversal of
a credit) money out. The timestamp is the entry (booking) date where given, else the value
date. Ids are ``<account>/<statement number>/<n>``, n counting lines in the statement.
"""

from __future__ import annotations

import re
from pathlib import Path

from repatria.errors import InvalidInput
from repatria.tracing.formats import unknown_counterparty
from repatria.tracing.formats.bounds import check_parsed_size
from repatria.tracing.formats.iban import find_iban, iban_country, is_iban, normalise_iban

__all__ = ["counterparty_from_details", "parse_mt940"]

Record = dict[str, str | None]

_SLASH_FIELD = re.compile(r"/(IBAN|ACCW|ACCT|BIC|BICC)/([^/]+)")
_ZKA_FIELD = re.compile(r"\?(\d{2})([^?]*)")


def counterparty_from_details(details: str) -> tuple[str | None, str | None]:
    """The counterparty account and bank named in an ``:86:`` field, if any."""
    text = details.replace("\n", "")
    fields = {k: v.strip() for k, v in _SLASH_FIELD.findall(text)}
    account = fields.get("IBAN") or fields.get("ACCW") or fields.get("ACCT")
    bank = fields.get("BIC") or fields.get("BICC")
    if account:
        return (normalise_iban(account) if is_iban(account) else account), bank
    zka = dict(_ZKA_FIELD.findall(text))
    if zka.get("31", "").strip():
        value = zka["31"].strip()
        return (normalise_iban(value) if is_iban(value) else value), (
            zka.get("30", "").strip() or None
        )
    return find_iban(text), bank


def _counterparty(data: dict[str, object]) -> tuple[str | None, str | None]:
    """From the raw ``:86:`` text, else from the ZKA subfields the package already split."""
    account, bank = counterparty_from_details(str(data.get("transaction_details") or ""))
    if account:
        return account, bank
    zka_bank = data.get("applicant_bin")
    direct = data.get("applicant_iban")
    if isinstance(direct, str) and direct.strip():
        value = direct.strip()
        return (normalise_iban(value) if is_iban(value) else value), (
            str(zka_bank) if zka_bank else None
        )
    text = " ".join(
        str(data.get(k) or "") for k in ("applicant_name", "purpose", "additional_purpose")
    )
    found = find_iban(text)
    return found, (str(zka_bank) if found and zka_bank else None)


def _account(identification: str) -> tuple[str, str | None]:
    if "/" in identification:
        bank, _, account = identification.partition("/")
        return account.strip(), bank.strip() or None
    return identification.strip(), None


def parse_mt940(path: str | Path) -> list[Record]:
    """Every statement line of every statement in the file, as raw canonical records."""
    import mt940  # type: ignore[import-untyped,unused-ignore]  # loaded only to read MT940

    p = Path(path)
    check_parsed_size(p)
    try:
        statements = mt940.parse(str(p))
    except Exception as exc:  # the package raises bare errors on bad input
        raise InvalidInput(f"not a readable MT940 statement: {exc}", where=str(p)) from exc
    own_raw = statements.data.get("account_identification")
    if not own_raw:
        raise InvalidInput("no :25: account identification in the statement", where=str(p))
    records: list[Record] = []
    counts: dict[str, int] = {}
    for position, line in enumerate(statements, start=1):
        data = line.data
        own, own_bank = _account(str(data.get("account_identification") or own_raw))
        number = str(data.get("statement_number") or data.get("transaction_reference") or "0")
        key = f"{own}/{number}"
        counts[key] = counts.get(key, 0) + 1
        amount = data.get("amount")
        value = None if amount is None else str(abs(amount.amount))
        currency = data.get("currency") or (None if amount is None else amount.currency)
        mark = str(data.get("status") or "")
        if mark not in ("C", "D", "RC", "RD"):
            raise InvalidInput(
                f"statement line {position}: debit/credit mark {mark!r}, expected C, D, RC or RD",
                where=str(p),
            )
        money_in = mark in ("C", "RD")
        other, other_bank = _counterparty(data)
        other = other or unknown_counterparty(own)
        payer, payee = (other, own) if money_in else (own, other)
        when = data.get("entry_date") or data.get("date")
        records.append(
            {
                "_row": str(position),
                "id": f"{key}/{counts[key]}",
                "timestamp": None if when is None else str(when.isoformat()),
                "from_account": payer,
                "to_account": payee,
                "amount": value,
                "currency": currency,
                "from_bank": other_bank if money_in else own_bank,
                "to_bank": own_bank if money_in else other_bank,
                "from_country": iban_country(payer),
                "to_country": iban_country(payee),
            }
        )
    return records
