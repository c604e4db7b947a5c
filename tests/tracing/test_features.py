"""Per-transaction features: exact values on a tiny ledger, and determinism."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from repatria.errors import InvalidInput
from repatria.tracing.features import (
    FeatureParameters,
    WindowAlignment,
    feature_names,
    feature_table,
)
from repatria.tracing.patterns import FanParameters, Pattern, PatternParameters
from repatria.tracing.schema import create_table

T0 = datetime(2024, 5, 6, 10, 0)


def ledger(rows: list[tuple[str, float, str, str, float]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_table(con, "tx")
    for tx_id, hours, src, dst, amount in rows:
        con.execute(
            "INSERT INTO tx (id, ts, from_account, to_account, amount, currency, from_country, "
            "to_country) VALUES (?, ?, ?, ?, ?, 'USD', 'GB', ?)",
            [
                tx_id,
                T0 + timedelta(hours=hours),
                src,
                dst,
                Decimal(str(amount)),
                "NG" if dst == "OUT" else "GB",
            ],
        )
    return con


ROWS = [
    *[(f"in{i}", 2 * i, f"S{i}", "HUB", 1000.0) for i in range(5)],
    ("fwd", 12, "HUB", "OUT", 4800.0),
    ("late", 24 * 20, "S0", "HUB", 100.0),
]
PARAMS = FeatureParameters(
    windows=(timedelta(days=1),),
    patterns=(Pattern.FAN_IN, Pattern.PASS_THROUGH),
    pattern_parameters=PatternParameters(fan=FanParameters(min_counterparties=5)),
)


def features(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    names = feature_table(con, "tx", "f", PARAMS)
    assert names == feature_names(PARAMS)
    rel = con.sql("SELECT * FROM f")
    cols = rel.columns
    return {row[0]: dict(zip(cols[1:], row[1:], strict=True)) for row in rel.fetchall()}


def test_window_degrees_and_fan_counts() -> None:
    f = features(ledger(ROWS))
    fwd = f["fwd"]
    assert fwd["src_n_in_24h"] == 5 and fwd["src_fan_in_24h"] == 5
    assert fwd["src_n_out_24h"] == 1 and fwd["dst_fan_in_24h"] == 1
    assert fwd["src_sum_in_24h"] == 5000.0
    assert f["late"]["dst_n_in_24h"] == 1
    assert f["in0"]["dst_deg_in_all"] == 5 and f["in0"]["src_n_out_all"] == 2
    assert fwd["cross_border"] == 1 and f["in0"]["cross_border"] == 0


def test_pass_through_ratios_and_pair_history() -> None:
    f = features(ledger(ROWS))
    # Before "fwd", 5 x 1000 reached HUB within the middle window (1 day).
    assert f["fwd"]["src_inflow_before_ratio"] == pytest.approx(5000 / 4800)
    # After "in4" (hour 8), 4800 left HUB within a day.
    assert f["in4"]["dst_outflow_after_ratio"] == pytest.approx(4800 / 1000)
    assert f["late"]["pair_count"] == 2 and f["late"]["pair_rank"] == 2
    assert f["in0"]["pair_rank"] == 1 and f["in0"]["reverse_pair_count"] == 0


def test_pattern_hits_touching_each_transaction() -> None:
    f = features(ledger(ROWS))
    for i in range(5):
        assert f[f"in{i}"]["hit_fan_in"] == 1
        assert f[f"in{i}"]["hit_fan_in_size"] == 5
    assert f["late"]["hit_fan_in"] == 0
    assert f["fwd"]["hit_pass_through"] == 1
    assert f["late"]["hit_pass_through"] == 0


def test_features_are_deterministic() -> None:
    con = ledger(ROWS)
    feature_table(con, "tx", "f1", FeatureParameters())
    feature_table(con, "tx", "f2", FeatureParameters())
    a = con.sql("SELECT * FROM f1").fetchall()
    assert a == con.sql("SELECT * FROM f2").fetchall()
    assert [r[0] for r in a] == ["in0", "in1", "in2", "in3", "in4", "fwd", "late"]


def test_windows_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="positive windows"):
        FeatureParameters(windows=(timedelta(0),))


def test_trailing_windows_count_only_the_past() -> None:
    con = ledger(ROWS)
    trailing = FeatureParameters(
        windows=(timedelta(days=1),), patterns=(), alignment=WindowAlignment.TRAILING
    )
    feature_table(con, "tx", "f", trailing)
    rows = con.sql("SELECT id, dst_n_in_24h, dst_fan_in_24h, src_n_in_24h FROM f").fetchall()
    got = {r[0]: r[1:] for r in rows}
    # in0 at hour 0 sees only itself; in4 at hour 8 sees in0..in4; centred, in0 would see 5.
    assert got["in0"] == (1, 1, 0)
    assert got["in4"] == (5, 5, 0)
    assert got["fwd"][2] == 5
    assert features(ledger(ROWS))["in0"]["dst_n_in_24h"] == 5


def test_alignment_must_be_known() -> None:
    with pytest.raises(InvalidInput, match="expected alignment one of centred, trailing"):
        FeatureParameters(alignment="future")  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 72)),
        min_size=1,
        max_size=25,
    )
)
def test_trailing_counts_equal_a_brute_force_count(edges: list[tuple[int, int, int]]) -> None:
    """Fan and degree in [ts - W, ts], same-second transfers included, as a loop counts them."""
    rows = [
        (f"t{i:02d}", float(h), f"A{s}", f"A{d}", 10.0 + i)
        for i, (s, d, h) in enumerate(edges)
        if s != d
    ]
    if not rows:
        return
    con = ledger(rows)
    window = timedelta(hours=6)
    params = FeatureParameters(windows=(window,), patterns=(), alignment=WindowAlignment.TRAILING)
    feature_table(con, "tx", "f", params)
    got = {
        r[0]: r[1:]
        for r in con.sql(
            "SELECT id, src_n_out_6h, src_fan_out_6h, dst_n_in_6h, dst_fan_in_6h, "
            "src_n_in_6h, dst_fan_out_6h FROM f"
        ).fetchall()
    }
    for tx_id, hours, src, dst, _ in rows:
        seen = [r for r in rows if hours - 6 <= r[1] <= hours]
        outs = [r for r in seen if r[2] == src]
        ins = [r for r in seen if r[3] == dst]
        expected = (
            len(outs),
            len({r[3] for r in outs}),
            len(ins),
            len({r[2] for r in ins}),
            sum(1 for r in seen if r[3] == src),
            len({r[3] for r in seen if r[2] == dst}),
        )
        assert got[tx_id] == expected
