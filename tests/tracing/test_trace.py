"""Forward and backward tracing: hand-worked cases from the case law, and invariants."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.adapters.parquet import run_trace
from repatria.errors import InvalidInput
from repatria.tracing.engine import MemorySource, Row
from repatria.tracing.rules import RULES, Rule
from repatria.tracing.schema import create_table
from repatria.tracing.trace import TraceResult, trace, trace_back

T0 = datetime(2024, 1, 1)
D = Decimal


def row(tid: str, day: int, payer: str, payee: str, amount: str, **kw: str) -> Row:
    return Row(tid, T0 + timedelta(days=day), payer, payee, D(amount), **kw)  # type: ignore[arg-type]


# Seed 100 into A; A pays 70 to B; A's balance is 30; 50 clean comes in; A pays 20 to C.
ROSCOE = [
    row("s1", 1, "X", "A", "100", to_country="CH", to_bank="Bank A"),
    row("t2", 2, "A", "B", "70", to_country="GB", to_bank="Bank B"),
    row("t3", 3, "Y", "A", "50"),
    row("t4", 4, "A", "C", "20", to_country="GB", to_bank="Bank C"),
]

# Worked by hand (see docs/tracing.md): tainted part of t4, and tainted balance of A at the end.
EXPECTED = {
    Rule.FIFO: (D("20.00"), D("10.00")),  # t4 drains the 30 tainted left first
    Rule.LIFO: (None, D("30.00")),  # t4 takes from the 50 clean paid in last
    Rule.PROPORTIONAL: (D("7.50"), D("22.50")),  # 20 x 30/80
    Rule.CLEAN_FIRST: (None, D("30.00")),  # lowest intermediate balance: 30
    Rule.TAINT_FIRST: (D("20.00"), D("10.00")),
    Rule.POISON: (D("20.00"), D("60.00")),  # the whole balance is tainted
}


@pytest.mark.parametrize("rule", list(Rule))
def test_worked_example_from_roscoe_v_winder(rule: Rule) -> None:
    result = trace(MemorySource(ROSCOE), ["s1"], rule)
    t4, balance_a = EXPECTED[rule]
    assert result.transactions.get("t4") == t4
    assert result.accounts.get("A") == balance_a
    assert result.transactions["t2"] == D("70.00")
    assert result.accounts["B"] == D("70.00")
    assert "t3" not in result.transactions


def test_to_json_has_exactly_the_contract_keys_and_only_positive_amounts() -> None:
    out = trace(MemorySource(ROSCOE), ["s1"], "clean-first").to_json()
    assert out == {
        "rule": "clean-first",
        "transactions": {"s1": 100.0, "t2": 70.0},
        "accounts": {"A": 30.0, "B": 70.0},
    }


def test_totals_per_country_and_bank_rank_the_largest_first() -> None:
    result = trace(MemorySource(ROSCOE), ["s1"], "fifo")
    assert result.by_country() == {"GB": D("90.00"), "CH": D("10.00")}
    assert result.by_bank() == {"Bank B": D("70.00"), "Bank C": D("20.00"), "Bank A": D("10.00")}


def test_spending_beyond_what_came_in_is_clean_money_from_outside() -> None:
    rows = [row("s", 1, "X", "A", "10"), row("o", 2, "A", "B", "25"), row("p", 3, "A", "C", "5")]
    for rule in Rule:
        result = trace(MemorySource(rows), ["s"], rule)
        assert result.transactions["o"] == (D("25.00") if rule is Rule.POISON else D("10.00"))
        assert "A" not in result.accounts  # A is empty after paying out more than it got


def test_unknown_seed_is_named() -> None:
    with pytest.raises(InvalidInput) as err:
        trace(MemorySource(ROSCOE), ["s1", "nope-42"], "fifo")
    assert "nope-42" in str(err.value)
    assert err.value.where == "seeds"


def test_unknown_rule_and_mixed_currencies_are_refused() -> None:
    with pytest.raises(InvalidInput, match="expected one of"):
        trace(MemorySource(ROSCOE), ["s1"], "hallett")
    mixed = [*ROSCOE, Row("u", T0, "A", "Z", D("1"), currency="USD")]
    with pytest.raises(InvalidInput, match="EUR, USD"):
        trace(MemorySource(mixed), ["s1"], "fifo")


def test_seed_paid_out_of_a_tainted_account_injects_only_the_new_taint() -> None:
    rows = [row("s1", 1, "X", "A", "100"), row("s2", 2, "A", "B", "60")]
    result = trace(MemorySource(rows), ["s1", "s2"], "fifo")
    assert result.injected == {"s1": D("100.00"), "s2": D("0.00")}
    assert result.total_tainted == D("100.00")


def test_clean_first_keeps_more_taint_where_the_funds_were_mixed() -> None:
    # The case law's presumptions act on the mixed account; downstream it is the reverse.
    rows = [row("c", 1, "Y", "A", "50"), row("s", 2, "X", "A", "100"), row("o", 3, "A", "B", "50")]
    clean = trace(MemorySource(rows), ["s"], "clean-first")
    taint = trace(MemorySource(rows), ["s"], "taint-first")
    assert clean.accounts["A"] == D("100.00") > taint.accounts["A"] == D("50.00")
    assert "B" not in clean.accounts and taint.accounts["B"] == D("50.00")


# ---- invariants over random tables -------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn, single_deposit: bool = False) -> tuple[list[Row], list[str]]:
    n = draw(st.integers(1, 25))
    accounts = [f"a{i}" for i in range(draw(st.integers(2, 6)))]
    rows = []
    for i in range(n):
        if single_deposit:
            payee = f"r{i}"
            payer = draw(st.sampled_from(["a0", *[f"r{j}" for j in range(i)]]))
        else:
            payer = draw(st.sampled_from(accounts))
            payee = draw(st.sampled_from(accounts))
        cents = draw(st.integers(1, 100_000))
        day = draw(st.integers(0, 5))  # few days, so many ties broken by id
        rows.append(Row(f"t{i:02d}", T0 + timedelta(days=day), payer, payee, D(cents) / 100))
    seeds = draw(st.lists(st.sampled_from([r.id for r in rows]), min_size=1, max_size=3))
    return rows, seeds


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _check_conservation(rows: Sequence[Row], result: TraceResult) -> None:
    taint_in: dict[str, int] = {}
    taint_out: dict[str, int] = {}
    for r in rows:
        t = _cents(result.transactions.get(r.id, D(0)))
        taint_in[r.to_account] = taint_in.get(r.to_account, 0) + t
        # A seed takes out of the payer's pool only what was not injected.
        if r.id in result.injected:
            t -= _cents(result.injected[r.id])
        taint_out[r.from_account] = taint_out.get(r.from_account, 0) + t
    for account in set(taint_in) | set(taint_out):
        balance = _cents(result.accounts.get(account, D(0)))
        assert taint_in.get(account, 0) == taint_out.get(account, 0) + balance, account
    assert sum(map(_cents, result.accounts.values())) == sum(map(_cents, result.injected.values()))
    # The flow edges carry exactly the tainted amounts of the payments.
    assert sum(result.flows.values(), D(0)) == sum(result.transactions.values(), D(0))


@settings(max_examples=30, deadline=None)
@given(tables())
def test_every_conserving_rule_keeps_every_cent(case: tuple[list[Row], list[str]]) -> None:
    rows, seeds = case
    source = MemorySource(rows)
    for rule in Rule:
        if not RULES[rule].conserves_taint:
            continue
        result = trace(source, seeds, rule)
        _check_conservation(rows, result)
        for r in rows:
            if r.id in result.transactions:
                assert D(0) < result.transactions[r.id] <= r.amount


@settings(max_examples=20, deadline=None)
@given(tables())
def test_poison_reaches_at_least_what_every_rule_reaches(
    case: tuple[list[Row], list[str]],
) -> None:
    rows, seeds = case
    source = MemorySource(rows)
    poison = trace(source, seeds, Rule.POISON)
    for r in rows:  # poison reports reached payments at their full amount
        assert poison.transactions.get(r.id) in (None, r.amount)
    for rule in Rule:
        other = trace(source, seeds, rule)
        for tid, amount in other.transactions.items():
            assert poison.transactions[tid] >= amount
        for account, amount in other.accounts.items():
            assert poison.accounts[account] >= amount


@settings(max_examples=30, deadline=None)
@given(tables(single_deposit=True))
def test_fifo_lifo_and_pro_rata_agree_when_each_account_has_one_deposit(
    case: tuple[list[Row], list[str]],
) -> None:
    rows, seeds = case
    source = MemorySource(rows)
    fifo = trace(source, seeds, Rule.FIFO)
    for rule in (Rule.LIFO, Rule.PROPORTIONAL):
        other = trace(source, seeds, rule)
        assert other.transactions == fifo.transactions
        assert other.accounts == fifo.accounts


@settings(max_examples=15, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(
    case: tuple[list[Row], list[str]], rnd: random.Random
) -> None:
    rows, seeds = case
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    con = duckdb.connect()
    create_table(con, "shuffled")
    con.executemany(
        "INSERT INTO shuffled VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
        [[r.id, r.ts, r.from_account, r.to_account, r.amount, r.currency] for r in shuffled],
    )
    in_memory = MemorySource(rows)
    for rule in (Rule.FIFO, Rule.PROPORTIONAL, Rule.CLEAN_FIRST):
        a = trace(in_memory, seeds, rule)
        b = trace(con, seeds, rule, relation="shuffled")
        assert a.to_json() == b.to_json()
        assert a.injected == b.injected


@settings(max_examples=20, deadline=None)
@given(tables())
def test_trace_back_finds_what_forward_tracing_puts_in_the_account(
    case: tuple[list[Row], list[str]],
) -> None:
    rows, _ = case
    source = MemorySource(rows)
    account = rows[-1].to_account
    back = trace_back(source, account, Rule.FIFO, max_sources=1_000)
    for tid, amount in back.sources.items():
        forward = trace(source, [tid], Rule.FIFO)
        assert forward.accounts.get(account) == amount
        # No single source leaves more in the account than the account holds; the sources
        # may overlap (money that goes round a cycle passes the same hop twice).
        assert amount <= back.balance


def test_trace_back_splits_a_balance_among_its_payers() -> None:
    back = trace_back(MemorySource(ROSCOE), "A", "fifo")
    assert back.balance == D("60.00")
    assert back.sources == {"t3": D("50.00"), "s1": D("10.00")}
    assert back.by_account == {"Y": D("50.00"), "X": D("10.00")}
    deeper = trace_back(MemorySource(ROSCOE), "C", "fifo")
    assert deeper.hops == {"t4": 1, "s1": 2}
    with pytest.raises(InvalidInput, match="'nobody'"):
        trace_back(MemorySource(ROSCOE), "nobody", "fifo")


def test_parquet_path_and_connection_give_the_same_result(tmp_path: Path) -> None:
    source = MemorySource(ROSCOE)
    con = duckdb.connect()
    create_table(con, "t")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                r.id,
                r.ts,
                r.from_account,
                r.to_account,
                r.amount,
                r.currency,
                r.from_bank,
                r.to_bank,
                r.from_country,
                r.to_country,
            ]
            for r in ROSCOE
        ],
    )
    path = tmp_path / "t.parquet"
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    expected = trace(source, ["s1"], "proportional")
    assert trace(con, ["s1"], "proportional", relation="t") == expected
    assert trace(path, ["s1"], "proportional") == expected
    assert run_trace(path, ["s1"], "proportional") == expected
