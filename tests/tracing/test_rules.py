"""The pools behind each tracing rule, on hand-worked cases and as invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.tracing.rules import RULES, Rule, new_pool, parse_rule
from repatria.tracing.rules.pool import share


def test_parse_rule_accepts_wire_names_and_spelling_variants() -> None:
    assert parse_rule("fifo") is Rule.FIFO
    assert parse_rule(" Clean_First ") is Rule.CLEAN_FIRST
    assert parse_rule(Rule.POISON) is Rule.POISON


def test_parse_rule_names_the_bad_value_and_the_accepted_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_rule("hallett")
    text = str(err.value)
    assert "'hallett'" in text
    for rule in Rule:
        assert rule.value in text


def test_every_rule_cites_a_source() -> None:
    assert set(RULES) == set(Rule)
    for info in RULES.values():
        assert info.source and info.title


def test_fifo_takes_the_oldest_deposit_first() -> None:
    pool = new_pool(Rule.FIFO)
    pool.deposit(10_000, 10_000)  # 100.00 proceeds
    pool.deposit(5_000, 0)  # 50.00 clean
    assert pool.withdraw(8_000) == 8_000
    assert pool.withdraw(4_000) == 2_000
    assert (pool.balance, pool.tainted) == (3_000, 0)


def test_lifo_takes_the_newest_deposit_first() -> None:
    pool = new_pool(Rule.LIFO)
    pool.deposit(10_000, 10_000)
    pool.deposit(5_000, 0)
    assert pool.withdraw(8_000) == 3_000
    assert (pool.balance, pool.tainted) == (7_000, 7_000)


def test_clean_first_leaves_the_lowest_intermediate_balance() -> None:
    # Roscoe v Winder: 100 tainted in, balance falls to 30, then 50 clean in: 30 stays traceable.
    pool = new_pool(Rule.CLEAN_FIRST)
    pool.deposit(10_000, 10_000)
    assert pool.withdraw(7_000) == 7_000
    pool.deposit(5_000, 0)
    assert pool.withdraw(2_000) == 0
    assert (pool.balance, pool.tainted) == (6_000, 3_000)


def test_taint_first_spends_the_proceeds_before_own_money() -> None:
    pool = new_pool(Rule.TAINT_FIRST, opening=5_000)
    pool.deposit(3_000, 3_000)
    assert pool.withdraw(4_000) == 3_000
    assert (pool.balance, pool.tainted) == (4_000, 0)


def test_proportional_rounds_half_up_and_gives_back_all_taint_when_drained() -> None:
    pool = new_pool(Rule.PROPORTIONAL, opening=2)
    pool.deposit(1, 1)  # 1 tainted cent out of 3
    assert pool.withdraw(1) == 0  # 1/3 of a cent rounds to 0
    assert pool.withdraw(5) == 1  # drawn beyond the balance: the cent comes out
    assert (pool.balance, pool.tainted) == (0, 0)


def test_poison_taints_every_outflow_in_full_even_beyond_the_balance() -> None:
    pool = new_pool(Rule.POISON, opening=1_000)
    pool.deposit(10, 10)
    assert pool.withdraw(5_000) == 5_000
    assert (pool.balance, pool.tainted) == (0, 0)


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(1, 10**9))
def test_share_stays_within_both_parts(take: int, tainted: int, total: int) -> None:
    tainted = min(tainted, total)
    take = min(take, total)
    part = share(take, tainted, total)
    assert 0 <= part <= tainted
    assert 0 <= take - part <= total - tainted
    # Rounded half up: within half a cent of the exact fraction.
    assert abs(2 * part * total - 2 * take * tainted) <= total


operations = st.lists(
    st.one_of(
        st.tuples(st.just("in"), st.integers(1, 50_000), st.floats(0, 1)),
        st.tuples(st.just("out"), st.integers(1, 80_000), st.just(0.0)),
    ),
    max_size=40,
)


@pytest.mark.parametrize("rule", [r for r in Rule if RULES[r].conserves_taint])
@given(opening=st.integers(0, 20_000), ops=operations)
def test_pools_conserve_money_and_taint(
    rule: Rule, opening: int, ops: list[tuple[str, int, float]]
) -> None:
    pool = new_pool(rule, opening)
    balance, tainted_in, tainted_out = opening, 0, 0
    for kind, cents, fraction in ops:
        if kind == "in":
            t = int(cents * fraction)
            pool.deposit(cents, t)
            balance += cents
            tainted_in += t
        else:
            got = pool.withdraw(cents)
            assert 0 <= got <= min(cents, balance)
            tainted_out += got
            balance = max(balance - cents, 0)
        assert pool.balance == balance
        assert 0 <= pool.tainted <= pool.balance
        assert tainted_in == tainted_out + pool.tainted


@given(opening=st.integers(0, 20_000), ops=operations)
def test_clean_first_never_leaves_less_taint_in_a_pool_than_taint_first(
    opening: int, ops: list[tuple[str, int, float]]
) -> None:
    # Re Hallett's presumption keeps the proceeds in the mixed account; taint-first lets them out.
    clean, taint = new_pool(Rule.CLEAN_FIRST, opening), new_pool(Rule.TAINT_FIRST, opening)
    out_clean = out_taint = 0
    for kind, cents, fraction in ops:
        if kind == "in":
            clean.deposit(cents, int(cents * fraction))
            taint.deposit(cents, int(cents * fraction))
        else:
            out_clean += clean.withdraw(cents)
            out_taint += taint.withdraw(cents)
        assert clean.tainted >= taint.tainted
        assert out_clean <= out_taint
