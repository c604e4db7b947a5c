"""Per-transaction graph and pattern features, computed in DuckDB.

A transaction alone rarely shows laundering (AMLSim's laundering amounts lie inside the normal
range); its neighbourhood does. Following the Graph Feature Preprocessor of Blanusa et al.
(2024, "Graph Feature Preprocessor: real-time subgraph-based feature extraction for financial
crime detection") and the AMLworld baselines (Altman et al. 2023, section 5), each transaction
gets, for its payer and its payee:

* degrees in time windows around it: transfers in and out, distinct counterparties in and out
  (fan-in and fan-out), sums in and out;
* the same over the whole table, and how long the account has been active;
* pass-through ratios: how much reached the payer shortly before, and left the payee shortly
  after, relative to the amount;
* pair history: how often the two accounts dealt before, and whether money also went back;
* membership in the typology hits of :mod:`repatria.tracing.patterns` (cycle membership,
  fan hits, structuring, ...) and the size of the smallest hit it is in.

Sums are taken in exact decimals and only then turned into floats, so the features do not
depend on the order in which DuckDB's threads add them up. Windows are centred on the
transaction (the ``W`` before and after it): an investigator
reading a seized statement sees the whole period, and a round trip closes after the transfer
that opens it. Every feature is a number (no account ids, which mean nothing across datasets),
and the SQL orders everything by ``ts, id`` so the features are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import duckdb

from repatria.errors import InvalidInput
from repatria.tracing.patterns import (
    CycleParameters,
    Pattern,
    PatternParameters,
    pattern_membership_sql,
    quote_relation,
)

__all__ = ["FeatureParameters", "WindowAlignment", "feature_names", "feature_table"]


class WindowAlignment(StrEnum):
    """Where the degree windows sit relative to the transaction.

    ``centred`` (the default) counts ``W`` before and after, as an investigator reading a seized
    statement sees the whole period. ``trailing`` counts only ``[ts - W, ts]`` (transfers at the
    same second included), what a streaming monitor knows when the transfer arrives; it is the
    window of the Graph Feature Preprocessor's vertex statistics (Blanusa et al. 2024, section
    3), used to check that both count the same.
    """

    CENTRED = "centred"
    TRAILING = "trailing"


def _default_patterns() -> PatternParameters:
    return PatternParameters(cycle=CycleParameters(ordered=False, max_length=5))


@dataclass(frozen=True)
class FeatureParameters:
    """Which windows and typologies the features use.

    ``windows`` are the half-widths of the centred windows (the widths of trailing ones, see
    ``alignment``). The pattern parameters default to
    those of :mod:`patterns`, except that cycles are looked for unordered, up to length 5: AMLSim
    cycles pay at random steps of their period (see ``CycleParameters``).
    """

    windows: tuple[timedelta, ...] = (timedelta(days=1), timedelta(days=7), timedelta(days=30))
    patterns: tuple[Pattern, ...] = tuple(Pattern)
    pattern_parameters: PatternParameters = field(default_factory=_default_patterns)
    alignment: WindowAlignment = WindowAlignment.CENTRED

    def __post_init__(self) -> None:
        if not self.windows:
            raise InvalidInput("expected at least one window, found none", where="windows")
        for w in self.windows:
            if w <= timedelta(0):
                raise InvalidInput(f"expected positive windows, found {w}", where="windows")
        if not isinstance(self.alignment, WindowAlignment):
            raise InvalidInput(
                f"expected alignment one of {', '.join(a.value for a in WindowAlignment)}, "
                f"found {self.alignment!r}",
                where="alignment",
            )


_SIDES = (("src", "out"), ("dst", "in"))
_WINDOW_STATS = ("n_in", "n_out", "fan_in", "fan_out", "sum_in", "sum_out")
_ALL_STATS = ("deg_in", "deg_out", "n_in", "n_out", "active_days")


def _label(w: timedelta) -> str:
    return f"{int(w.total_seconds() // 3600)}h"


def _pattern_key(p: Pattern) -> str:
    return p.value.replace("-", "_")


def feature_names(params: FeatureParameters | None = None) -> list[str]:
    """The feature columns, in the order :func:`feature_table` writes them."""
    p = params or FeatureParameters()
    names = [
        "amount_log",
        "amount_cents",
        "amount_round_100",
        "hour",
        "weekday",
        "cross_border",
        "cross_bank",
    ]
    for side, _ in _SIDES:
        for w in p.windows:
            names += [f"{side}_{s}_{_label(w)}" for s in _WINDOW_STATS]
        names += [f"{side}_{s}_all" for s in _ALL_STATS]
        names += [f"{side}_amount_vs_mean"]
    names += [
        "src_inflow_before_ratio",
        "dst_outflow_after_ratio",
        "pair_count",
        "pair_rank",
        "reverse_pair_count",
    ]
    for pat in p.patterns:
        names += [f"hit_{_pattern_key(pat)}", f"hit_{_pattern_key(pat)}_size"]
    return names


def _window_sql(t: str, p: FeatureParameters) -> str:
    aggs = []
    for w in p.windows:
        sec = int(w.total_seconds())
        after = (
            "CURRENT ROW"
            if p.alignment is WindowAlignment.TRAILING
            else f"INTERVAL '{sec} seconds' FOLLOWING"
        )
        frame = (
            f"(PARTITION BY account ORDER BY ts RANGE BETWEEN INTERVAL '{sec} seconds' "
            f"PRECEDING AND {after})"
        )
        lab = _label(w)
        aggs += [
            f"count(*) FILTER (WHERE side = 'in') OVER {frame} AS n_in_{lab}",
            f"count(*) FILTER (WHERE side = 'out') OVER {frame} AS n_out_{lab}",
            f"count(DISTINCT other) FILTER (WHERE side = 'in') OVER {frame} AS fan_in_{lab}",
            f"count(DISTINCT other) FILTER (WHERE side = 'out') OVER {frame} AS fan_out_{lab}",
            (
                f"CAST(coalesce(sum(amt) FILTER (WHERE side = 'in') OVER {frame}, 0) AS DOUBLE) "
                f"AS sum_in_{lab}"
            ),
            (
                f"CAST(coalesce(sum(amt) FILTER (WHERE side = 'out') OVER {frame}, 0) AS DOUBLE) "
                f"AS sum_out_{lab}"
            ),
        ]
    return f"""
    SELECT id, account, side, {", ".join(aggs)} FROM (
      SELECT id, ts, to_account AS account, from_account AS other, 'in' AS side,
        amount AS amt FROM {t}
      UNION ALL
      SELECT id, ts, from_account, to_account, 'out', amount FROM {t})
    """  # nosec B608  # t from quote_relation; window sizes are ints, names constants


def feature_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    output: str,
    params: FeatureParameters | None = None,
) -> list[str]:
    """Create table ``output`` with ``id`` and the features of every transaction in ``table``.

    Returns the feature column names. ``output`` is replaced if it exists. The rows come in
    ``ts, id`` order.
    """
    p = params or FeatureParameters()
    t = quote_relation(table)
    out = quote_relation(output)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _win AS {_window_sql(t, p)}")
    con.execute(f"""
      CREATE OR REPLACE TEMP TABLE _acct AS
      WITH ev AS (
        SELECT to_account AS account, from_account AS other, 'in' AS side, ts,
          amount AS amt FROM {t}
        UNION ALL SELECT from_account, to_account, 'out', ts, amount FROM {t})
      SELECT account,
        count(DISTINCT other) FILTER (WHERE side = 'in') AS deg_in_all,
        count(DISTINCT other) FILTER (WHERE side = 'out') AS deg_out_all,
        count(*) FILTER (WHERE side = 'in') AS n_in_all,
        count(*) FILTER (WHERE side = 'out') AS n_out_all,
        date_diff('second', min(ts), max(ts)) / 86400.0 AS active_days_all,
        CAST(sum(amt) FILTER (WHERE side = 'in') AS DOUBLE)
          / count(*) FILTER (WHERE side = 'in') AS mean_in,
        CAST(sum(amt) FILTER (WHERE side = 'out') AS DOUBLE)
          / count(*) FILTER (WHERE side = 'out') AS mean_out
      FROM ev GROUP BY account""")  # nosec B608  # t from quote_relation; the rest is fixed SQL
    hit_tables = []
    for pat in p.patterns:
        key = _pattern_key(pat)
        member_sql = pattern_membership_sql(table, pat, p.pattern_parameters)
        con.execute(f"""
          CREATE OR REPLACE TEMP TABLE _hit_{key} AS
          WITH m AS ({member_sql}),
          sizes AS (SELECT hit, count(*) AS size FROM m GROUP BY hit)
          SELECT m.id, count(*) AS hit_{key}, min(sizes.size) AS hit_{key}_size
          FROM m JOIN sizes USING (hit) GROUP BY m.id""")  # nosec B608  # key from the Pattern enum; member_sql built from quote_relation and numbers
        hit_tables.append(key)
    window_cols = []
    for side, role in _SIDES:
        for w in p.windows:
            lab = _label(w)
            window_cols += [f"{side}.{s}_{lab} AS {side}_{s}_{lab}" for s in _WINDOW_STATS]
        window_cols += [f"{side}_a.{s}_all AS {side}_{s}_all" for s in _ALL_STATS]
        mean = "mean_out" if role == "out" else "mean_in"
        window_cols.append(
            f"x.amount::DOUBLE / nullif({side}_a.{mean}, 0) AS {side}_amount_vs_mean"
        )
    w_mid = int(p.windows[len(p.windows) // 2].total_seconds())
    hit_cols = []
    hit_joins = []
    for key in hit_tables:
        hit_cols += [
            f"coalesce(h_{key}.hit_{key}, 0) AS hit_{key}",
            f"coalesce(h_{key}.hit_{key}_size, 0) AS hit_{key}_size",
        ]
        hit_joins.append(f"LEFT JOIN _hit_{key} AS h_{key} ON h_{key}.id = x.id")
    con.execute(f"""
      CREATE OR REPLACE TABLE {out} AS
      WITH pair AS (
        SELECT id, count(*) OVER (PARTITION BY from_account, to_account) AS pair_count,
          row_number() OVER (PARTITION BY from_account, to_account ORDER BY ts, id) AS pair_rank
        FROM {t}),
      pairs AS (SELECT from_account, to_account, count(*) AS n FROM {t} GROUP BY ALL),
      flow AS (
        SELECT x.id,
          (SELECT coalesce(sum(amount), 0) FROM {t} AS i WHERE i.to_account = x.from_account
             AND i.ts BETWEEN x.ts - INTERVAL '{w_mid} seconds' AND x.ts)::DOUBLE AS inflow,
          (SELECT coalesce(sum(amount), 0) FROM {t} AS o WHERE o.from_account = x.to_account
             AND o.ts BETWEEN x.ts AND x.ts + INTERVAL '{w_mid} seconds')::DOUBLE AS outflow
        FROM {t} AS x)
      SELECT x.id,
        ln(x.amount::DOUBLE) AS amount_log,
        (x.amount * 100 % 100)::DOUBLE AS amount_cents,
        (x.amount % 100 = 0)::INTEGER AS amount_round_100,
        hour(x.ts) + minute(x.ts) / 60.0 AS hour,
        dayofweek(x.ts) AS weekday,
        (coalesce(x.from_country, '') <> coalesce(x.to_country, ''))::INTEGER AS cross_border,
        (coalesce(x.from_bank, '') <> coalesce(x.to_bank, ''))::INTEGER AS cross_bank,
        {", ".join(window_cols)},
        flow.inflow / x.amount::DOUBLE AS src_inflow_before_ratio,
        flow.outflow / x.amount::DOUBLE AS dst_outflow_after_ratio,
        pair.pair_count, pair.pair_rank,
        coalesce(rev.n, 0) AS reverse_pair_count
        {"," if hit_cols else ""} {", ".join(hit_cols)}
      FROM {t} AS x
      JOIN _win AS src ON src.id = x.id AND src.side = 'out'
      JOIN _win AS dst ON dst.id = x.id AND dst.side = 'in'
      JOIN _acct AS src_a ON src_a.account = x.from_account
      JOIN _acct AS dst_a ON dst_a.account = x.to_account
      JOIN pair ON pair.id = x.id
      JOIN flow ON flow.id = x.id
      LEFT JOIN pairs AS rev ON rev.from_account = x.to_account AND rev.to_account = x.from_account
      {" ".join(hit_joins)}
      ORDER BY x.ts, x.id""")  # nosec B608  # t and out from quote_relation, joins from Pattern keys and constants
    for key in ["_win", "_acct", *[f"_hit_{k}" for k in hit_tables]]:
        con.execute(f"DROP TABLE IF EXISTS {key}")
    return feature_names(p)


def feature_columns_present(
    con: duckdb.DuckDBPyConnection, output: str, expected: Sequence[str]
) -> None:
    """Check that ``output`` holds every feature in ``expected``, naming the missing ones."""
    found = set(con.sql(f"SELECT * FROM {quote_relation(output)} LIMIT 0").columns)  # nosec B608  # the name passes quote_relation
    missing = [name for name in expected if name not in found]
    if missing:
        raise InvalidInput(
            f"expected the model's features, found these missing: {', '.join(missing)}",
            where=output,
        )
