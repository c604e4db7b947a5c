"""The summary of facts a trace supports, written as an officer writes it (UNCAC 46(15)(c)).

A requested state's authority decides on a freezing request (54(2)(b), 55(3)(c))
from the facts: who paid what, when, from where to where, and how much of it is
now held in its territory. A trace knows these as identifiers and numbers; here
they become sentences. Nothing is added that the records do not say: an unknown
bank or currency is left out or called unknown, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment of the records (a seed of the trace)."""

    on: date | None
    amount: str | None
    currency: str | None
    from_account: str | None
    from_bank: str | None
    to_account: str | None
    to_bank: str | None


@dataclass(frozen=True, slots=True)
class Holding:
    """An account in the requested state holding part of the traced money."""

    account: str
    bank: str | None
    amount: str
    account_currency: str | None
    """The account's own currency when the case records it; None when unknown."""


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def money(amount: str | None, currency: str | None) -> str:
    """``USD 2,750,000.00``; without a currency the amount says it has none recorded."""
    try:
        figure = f"{Decimal(amount or ''):,.2f}"
    except InvalidOperation:
        figure = amount or "an unknown amount"
    return f"{currency} {figure}" if currency else f"{figure} (currency not recorded)"


def _account(number: str | None, bank: str | None) -> str:
    if not number:
        return "an account not identified in the records"
    return f"account {number} at {bank}" if bank else f"account {number}"


def period_text(period: tuple[date, date] | None) -> str:
    if period is None:
        return ""
    start, end = period
    if start == end:
        return f"on {long_date(start)}"
    return f"between {long_date(start)} and {long_date(end)}"


def traced_facts(
    *,
    seeds: Sequence[Payment],
    rule_title: str,
    rule_source: str,
    currency: str | None,
    state_name: str,
    holdings: Sequence[Holding],
    period: tuple[date, date] | None,
) -> str:
    """The paragraphs of facts for a request to ``state_name`` about the traced money."""
    sentences = []
    for seed in seeds:
        when = f"On {long_date(seed.on)}, " if seed.on else ""
        paid = money(seed.amount, seed.currency or currency)
        text = (
            f"{when}{paid} was paid from {_account(seed.from_account, seed.from_bank)}"
            f" to {_account(seed.to_account, seed.to_bank)}."
        )
        sentences.append(text[0].upper() + text[1:])
    total = sum((Decimal(h.amount) for h in holdings), Decimal(0))
    when = period_text(period)
    accounts = "one account" if len(holdings) == 1 else f"{len(holdings)} accounts"
    sentences.append(
        f"The money was followed through the bank records{' ' + when if when else ''},"
        f" applying the tracing rule \u201c{rule_title}\u201d ({rule_source})."
        f" {money(str(total), currency)} of it reached {accounts} in {state_name}:"
    )
    lines = []
    for h in holdings:
        own = (
            f"; the account is held in {h.account_currency}"
            if h.account_currency and h.account_currency != currency
            else ""
        )
        lines.append(f"- {_account(h.account, h.bank)}: {money(h.amount, currency)}{own}")
    return " ".join(sentences) + "\n" + "\n".join(lines)
