"""Typology detectors on tiny hand-built ledgers, with exact expected hits and near misses."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import duckdb
import numpy as np
import pytest

from repatria.errors import InvalidInput
from repatria.tracing.evaluation import temporal_split
from repatria.tracing.patterns import (
    BipartiteParameters,
    CycleParameters,
    FanParameters,
    GatherScatterParameters,
    PassThroughParameters,
    Pattern,
    PatternParameters,
    ScatterGatherParameters,
    StackParameters,
    StructuringParameters,
    find_patterns,
)
from repatria.tracing.schema import create_table

T0 = datetime(2024, 3, 1, 9, 0)

Row = tuple[str, float, str, str, float]
"""(id, hours after T0, from, to, amount)"""


def ledger(rows: list[Row]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_table(con, "tx")
    for tx_id, hours, src, dst, amount in rows:
        con.execute(
            "INSERT INTO tx (id, ts, from_account, to_account, amount, currency) "
            "VALUES (?, ?, ?, ?, ?, 'USD')",
            [tx_id, T0 + timedelta(hours=hours), src, dst, Decimal(str(amount))],
        )
    return con


def hits(rows: list[Row], pattern: Pattern, params: PatternParameters) -> list[tuple[str, ...]]:
    found = find_patterns(ledger(rows), "tx", [pattern], params)
    assert all(h.pattern is pattern for h in found)
    return [h.transactions for h in found]


def test_fan_in_found_with_its_accounts_transactions_and_span() -> None:
    rows: list[Row] = [(f"t{i}", 10 * i, f"S{i}", "HUB", 100 + i) for i in range(5)]
    rows.append(("noise", 1, "X", "Y", 50))
    params = PatternParameters(fan=FanParameters(min_counterparties=5, window=timedelta(days=3)))
    found = find_patterns(ledger(rows), "tx", [Pattern.FAN_IN], params)
    assert len(found) == 1
    hit = found[0]
    assert hit.transactions == ("t0", "t1", "t2", "t3", "t4")
    assert hit.accounts == ("HUB", "S0", "S1", "S2", "S3", "S4")
    assert hit.start == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert hit.end == datetime(2024, 3, 3, 1, 0, tzinfo=UTC)
    assert hit.detail["focus"] == "HUB"
    assert hit.detail["total_amount"] == "510.00"


def test_fan_in_near_misses() -> None:
    params = PatternParameters(fan=FanParameters(min_counterparties=5, window=timedelta(days=3)))
    four_senders = [(f"t{i}", i, f"S{i % 4}", "HUB", 100) for i in range(8)]
    assert hits(four_senders, Pattern.FAN_IN, params) == []
    too_slow = [(f"t{i}", 20 * i, f"S{i}", "HUB", 100) for i in range(5)]
    assert hits(too_slow, Pattern.FAN_IN, params) == []


def test_fan_out_mirrors_fan_in() -> None:
    rows: list[Row] = [(f"t{i}", i, "HUB", f"R{i}", 100) for i in range(5)]
    params = PatternParameters(fan=FanParameters(min_counterparties=5))
    assert hits(rows, Pattern.FAN_OUT, params) == [("t0", "t1", "t2", "t3", "t4")]
    assert hits(rows, Pattern.FAN_IN, params) == []


def test_two_busy_episodes_give_two_hits() -> None:
    first = [(f"a{i}", i, f"S{i}", "HUB", 100) for i in range(3)]
    second = [(f"b{i}", 24 * 30 + i, f"S{i}", "HUB", 100) for i in range(3)]
    params = PatternParameters(fan=FanParameters(min_counterparties=3, window=timedelta(days=2)))
    assert hits(first + second, Pattern.FAN_IN, params) == [
        ("a0", "a1", "a2"),
        ("b0", "b1", "b2"),
    ]


RING: list[Row] = [("c1", 0, "A", "B", 1000), ("c2", 5, "B", "C", 990), ("c3", 9, "C", "A", 980)]


def test_ordered_cycle_found_once_not_per_rotation() -> None:
    params = PatternParameters(cycle=CycleParameters(min_length=3, max_length=4))
    found = find_patterns(ledger(RING), "tx", [Pattern.CYCLE], params)
    assert [h.transactions for h in found] == [("c1", "c2", "c3")]
    assert found[0].accounts == ("A", "B", "C")


def test_cycle_near_misses() -> None:
    params = PatternParameters(cycle=CycleParameters(min_length=3, max_length=4))
    out_of_order = [("c1", 0, "A", "B", 1), ("c2", 9, "B", "C", 1), ("c3", 5, "C", "A", 1)]
    assert hits(out_of_order, Pattern.CYCLE, params) == []
    late = [*RING[:2], ("c3", 24 * 40, "C", "A", 1)]
    assert hits(late, Pattern.CYCLE, params) == []
    short = PatternParameters(cycle=CycleParameters(min_length=2, max_length=2))
    assert hits(RING, Pattern.CYCLE, short) == []


def test_unordered_cycle_accepts_any_order_within_window() -> None:
    out_of_order = [("c1", 0, "A", "B", 1), ("c2", 9, "B", "C", 1), ("c3", 5, "C", "A", 1)]
    params = PatternParameters(cycle=CycleParameters(ordered=False))
    assert hits(out_of_order, Pattern.CYCLE, params) == [("c1", "c3", "c2")]


SCATTER: list[Row] = [
    ("s1", 0, "SRC", "M1", 500),
    ("s2", 1, "SRC", "M2", 500),
    ("s3", 2, "SRC", "M3", 500),
    ("g1", 20, "M1", "DST", 490),
    ("g2", 21, "M2", "DST", 490),
    ("g3", 22, "M3", "DST", 490),
]


def test_scatter_gather() -> None:
    params = PatternParameters(scatter_gather=ScatterGatherParameters(min_intermediaries=3))
    found = find_patterns(ledger(SCATTER), "tx", [Pattern.SCATTER_GATHER], params)
    assert [h.transactions for h in found] == [("s1", "s2", "s3", "g1", "g2", "g3")]
    assert found[0].detail["focus"] == "SRC -> DST"
    two_targets = [*SCATTER[:5], ("g3", 22, "M3", "OTHER", 490)]
    assert hits(two_targets, Pattern.SCATTER_GATHER, params) == []


def test_gather_scatter_needs_gathering_before_scattering() -> None:
    gather = [(f"i{i}", i, f"S{i}", "HUB", 300) for i in range(3)]
    scatter = [(f"o{i}", 30 + i, "HUB", f"R{i}", 290) for i in range(3)]
    params = PatternParameters(gather_scatter=GatherScatterParameters(3, 3, timedelta(days=3)))
    assert hits(gather + scatter, Pattern.GATHER_SCATTER, params) == [
        ("i0", "i1", "i2", "o0", "o1", "o2")
    ]
    scatter_first = [(f"o{i}", i, "HUB", f"R{i}", 290) for i in range(3)]
    gather_late = [(f"i{i}", 30 + i, f"S{i}", "HUB", 300) for i in range(3)]
    assert hits(scatter_first + gather_late, Pattern.GATHER_SCATTER, params) == []


def test_bipartite_biclique() -> None:
    rows: list[Row] = []
    n = 0
    for s in ("P", "Q"):
        for r in ("X", "Y", "Z"):
            n += 1
            rows.append((f"b{n}", n, s, r, 100))
    params = PatternParameters(bipartite=BipartiteParameters(min_senders=2, min_receivers=3))
    found = find_patterns(ledger(rows), "tx", [Pattern.BIPARTITE], params)
    assert [h.accounts for h in found] == [("P", "Q", "X", "Y", "Z")]
    assert len(found[0].transactions) == 6
    missing_edge = [r for r in rows if r[0] != "b6"]
    assert hits(missing_edge, Pattern.BIPARTITE, params) == []


def test_stack_reports_maximal_chain_only() -> None:
    rows: list[Row] = [
        ("h1", 0, "A", "B", 1000),
        ("h2", 5, "B", "C", 980),
        ("h3", 10, "C", "D", 960),
        ("h4", 15, "D", "E", 950),
    ]
    params = PatternParameters(stack=StackParameters(min_hops=3, max_hops=6))
    assert hits(rows, Pattern.STACK, params) == [("h1", "h2", "h3", "h4")]
    growing = [*rows[:2], ("h3", 10, "C", "D", 2000), rows[3]]
    assert hits(growing, Pattern.STACK, params) == []
    slow = [*rows[:2], ("h3", 24 * 5, "C", "D", 960), rows[3]]
    assert hits(slow, Pattern.STACK, params) == []


def test_structuring_below_threshold() -> None:
    rows: list[Row] = [
        ("d1", 0, "X1", "ACC", 9500),
        ("d2", 30, "X2", "ACC", 9900),
        ("d3", 60, "X1", "ACC", 9100),
        ("big", 61, "X1", "ACC", 10000),
    ]
    params = PatternParameters(structuring=StructuringParameters())
    assert hits(rows, Pattern.STRUCTURING, params) == [("d1", "d2", "d3")]
    two_only = [r for r in rows if r[0] != "d3"]
    assert hits(two_only, Pattern.STRUCTURING, params) == []
    spread = [
        ("d1", 0, "X1", "ACC", 9500),
        ("d2", 100, "X2", "ACC", 9900),
        ("d3", 200, "X", "ACC", 9100),
    ]
    assert hits(spread, Pattern.STRUCTURING, params) == []


def test_pass_through_mule() -> None:
    rows: list[Row] = [
        ("in", 0, "VICTIM", "MULE", 5000),
        ("out1", 3, "MULE", "C1", 2500),
        ("out2", 6, "MULE", "C2", 2200),
    ]
    params = PatternParameters(pass_through=PassThroughParameters())
    assert hits(rows, Pattern.PASS_THROUGH, params) == [("in", "out1", "out2")]
    keeps_too_much = [rows[0], rows[1]]
    assert hits(keeps_too_much, Pattern.PASS_THROUGH, params) == []
    too_late = [rows[0], ("out1", 80, "MULE", "C1", 2500), ("out2", 80, "MULE", "C2", 2200)]
    assert hits(too_late, Pattern.PASS_THROUGH, params) == []


def test_hits_are_deterministic_and_sorted() -> None:
    rows = RING + SCATTER + [(f"t{i}", i, f"S{i}", "HUB", 100) for i in range(5)]
    con = ledger(rows)
    first = find_patterns(con, "tx")
    assert first == find_patterns(con, "tx")
    order = [list(Pattern).index(h.pattern) for h in first]
    assert order == sorted(order)


def test_bad_parameters_and_names_are_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="min_length <= max_length"):
        CycleParameters(min_length=5, max_length=3)
    with pytest.raises(InvalidInput, match="positive time window"):
        FanParameters(window=timedelta(0))
    with pytest.raises(InvalidInput, match="relation name"):
        find_patterns(ledger([]), "tx; DROP TABLE tx")


def _generator() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "generator.py"
    spec = importlib.util.spec_from_file_location("repatria_bench_generator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generator_ground_truth_is_exact_and_detected() -> None:
    gen = _generator()
    table = gen.generate(gen.GeneratorConfig(transactions=20_000, seed=3, instances_per_pattern=3))
    con = duckdb.connect()
    con.register("raw", table)
    con.execute(
        "CREATE TABLE tx AS SELECT id, CAST(timezone('UTC', timestamp) AS TIMESTAMP) AS ts, "
        "from_account, to_account, CAST(amount AS DECIMAL(20,2)) AS amount, currency, "
        "from_bank, to_bank, from_country, to_country, is_laundering = 1 AS is_laundering, "
        "pattern, instance FROM raw"
    )
    labels = con.sql(
        "SELECT count(*) FILTER (WHERE is_laundering <> (pattern <> '')), "
        "count(DISTINCT instance) FILTER (WHERE pattern NOT IN ('', 'none')) FROM tx"
    ).fetchone()
    assert labels == (0, 9 * 3)
    truth = {
        (p, i): tuple(ids)
        for p, i, ids in con.sql(
            "SELECT pattern, instance, list(id ORDER BY ts, id) FROM tx "
            "WHERE pattern NOT IN ('', 'none') GROUP BY ALL"
        ).fetchall()
    }
    params = PatternParameters(
        fan=FanParameters(min_counterparties=5, window=timedelta(days=5)),
        cycle=CycleParameters(min_length=3, max_length=6, window=timedelta(days=25)),
        stack=StackParameters(min_hops=3, max_hops=6, min_forwarded=0.9),
    )
    found = find_patterns(con, "tx", None, params)
    for (pattern, _), ids in truth.items():
        planted = set(ids)
        covering = [
            h for h in found if h.pattern.value == pattern and planted <= set(h.transactions)
        ]
        assert covering, f"planted {pattern} {ids} not found whole"


def test_generator_default_puts_tens_of_instances_in_every_split_part() -> None:
    gen = _generator()
    cfg = gen.GeneratorConfig(transactions=300_000)
    assert cfg.n_instances() == 100 and gen.GeneratorConfig(transactions=10**6).n_instances() == 200
    table = gen.generate(
        gen.GeneratorConfig(transactions=30_000, seed=5, instances_per_pattern=100)
    )
    ts = table.column("timestamp").to_numpy().astype("datetime64[us]")
    parts = temporal_split(ts)
    patterns = np.asarray(table.column("pattern").to_pylist(), dtype=object)
    instances = np.asarray(table.column("instance"))
    stamps = np.asarray(ts, dtype="datetime64[s]").astype(np.int64)
    for mask in parts:
        counts = [len(set(instances[mask & (patterns == p)].tolist())) for p in gen.PATTERNS]
        # About 20 of 100 start in each 20 % part; binomial spread, so bound loosely.
        assert min(counts) >= 5 and sum(counts) / len(counts) >= 15, counts
    # Second resolution: planted transfers are not all at whole minutes or days.
    planted = patterns != ""
    assert (stamps[planted] % 60 != 0).mean() > 0.9
