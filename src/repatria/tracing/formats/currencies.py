"""Currency codes the canonical table accepts: ISO 4217, and the names AMLworld uses.

The codes and the periods in which each was in use come from Babel's copy of the Unicode
CLDR supplemental data (``territory_currencies``), not from a list of our own:

- ``CURRENT``: codes in use today in some territory, legal tender or not (e.g. the funds
  codes BOV, CHE, USN and the units XAU, XDR);
- ``WITHDRAWN``: codes whose last period ended on or after 1 January 1999, which bank
  records of their time still carry (e.g. HRK, replaced by the euro on 1 January 2023).

Kept here is only what CLDR does not say:

- ``NOT_MONEY``: XTS (reserved for testing) and XXX (no currency), which ISO 4217 lists but
  which no payment is made in;
- ``NOT_ISO``: CNH, CLDR's offshore renminbi, which has no ISO 4217 code (offshore yuan is
  CNY in ISO 20022 payments);
- ``NON_ISO``: XBT for bitcoin, the ISO-style code in common use, accepted because the IBM
  AMLworld data sets (Altman et al., 2023, "Realistic Synthetic Financial Transactions for
  Anti-Money Laundering Models") pay in "Bitcoin";
- ``AMLWORLD_CURRENCIES``: the currency names of those data sets, read from their
  ``Receiving Currency``/``Payment Currency`` columns.
"""

from __future__ import annotations

from datetime import date

from babel.core import get_global

__all__ = [
    "AMLWORLD_CURRENCIES",
    "CURRENT",
    "KNOWN",
    "NON_ISO",
    "NOT_ISO",
    "NOT_MONEY",
    "WITHDRAWN",
]

NOT_MONEY: frozenset[str] = frozenset({"XTS", "XXX"})
"""ISO 4217 codes that are not money: testing, and "no currency"."""

NOT_ISO: frozenset[str] = frozenset({"CNH"})
"""CLDR currency codes that ISO 4217 does not have."""

NON_ISO: frozenset[str] = frozenset({"XBT"})
"""Accepted although not in ISO 4217 (bitcoin, as AMLworld pays in it)."""

_WITHDRAWN_SINCE = date(1999, 1, 1)


def _last_days() -> dict[str, date | None]:
    """Each CLDR currency code and the last day it was in use anywhere (``None``: still is)."""
    last: dict[str, date | None] = {}
    for periods in get_global("territory_currencies").values():
        for code, _start, end, _tender in periods:
            ended = None if end is None else date(*end)
            if code not in last:
                last[code] = ended
            else:
                before = last[code]
                last[code] = None if before is None or ended is None else max(before, ended)
    return last


_LAST_DAYS = {code: day for code, day in _last_days().items() if code not in NOT_MONEY | NOT_ISO}

CURRENT: frozenset[str] = frozenset(code for code, day in _LAST_DAYS.items() if day is None)
"""Codes in use today (CLDR), without the codes that are not money or not ISO."""

WITHDRAWN: frozenset[str] = frozenset(
    code for code, day in _LAST_DAYS.items() if day is not None and day >= _WITHDRAWN_SINCE
)
"""Codes withdrawn since 1999 (CLDR) that bank records of their time still carry."""

KNOWN: frozenset[str] = CURRENT | WITHDRAWN | NON_ISO
"""Every code the canonical table accepts."""

AMLWORLD_CURRENCIES: dict[str, str] = {
    "US Dollar": "USD",
    "Euro": "EUR",
    "Yuan": "CNY",
    "Yen": "JPY",
    "UK Pound": "GBP",
    "Rupee": "INR",
    "Ruble": "RUB",
    "Canadian Dollar": "CAD",
    "Australian Dollar": "AUD",
    "Swiss Franc": "CHF",
    "Brazil Real": "BRL",
    "Mexican Peso": "MXN",
    "Saudi Riyal": "SAR",
    "Shekel": "ILS",
    "Bitcoin": "XBT",
}
"""The currency names in AMLworld's ``Receiving Currency``/``Payment Currency`` columns."""
