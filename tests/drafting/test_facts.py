"""Facts of a trace as prose (issue 12, bug 6: the facts were machine text)."""

from __future__ import annotations

from datetime import date

from repatria.drafting.facts import Holding, Payment, money, period_text, traced_facts


def test_money_names_its_currency_or_says_it_has_none() -> None:
    assert money("2750000", "USD") == "USD 2,750,000.00"
    assert money("12.5", None) == "12.50 (currency not recorded)"


def test_a_period_of_one_day_reads_as_a_day() -> None:
    day = date(2024, 1, 5)
    assert period_text((day, day)) == "on 5 January 2024"
    assert period_text(None) == ""


def test_facts_say_who_what_when_how_much_and_where() -> None:
    text = traced_facts(
        seeds=[Payment(date(2024, 1, 1), "5550000.00", "USD", "NG-MIN", "CBN", "NG-B", None)],
        rule_title="first in, first out",
        rule_source="Clayton's case",
        currency="USD",
        state_name="United Kingdom",
        holdings=[
            Holding("GB-M", "NWBK", "2750000.00", "GBP"),
            Holding("GB-O", None, "1800000.00", None),
        ],
        period=(date(2024, 1, 1), date(2024, 1, 5)),
    )
    assert text.startswith(
        "On 1 January 2024, USD 5,550,000.00 was paid from account NG-MIN at CBN to account NG-B."
    )
    assert "between 1 January 2024 and 5 January 2024" in text
    assert "USD 4,550,000.00 of it reached 2 accounts in United Kingdom:" in text
    assert "- account GB-M at NWBK: USD 2,750,000.00; the account is held in GBP" in text
    assert "- account GB-O: USD 1,800,000.00\n" in text + "\n"
