"""Laundering typologies found in a transaction table, as SQL in DuckDB.

Each detector reads the canonical transaction table (see ``schema.py``: ``id``, ``ts``,
``from_account``, ``to_account``, ``amount``, ``currency`` ...) through a DuckDB connection and
returns :class:`PatternHit` values that name the accounts, the transactions and the time span of
each instance, so that an analyst can check every hit by hand against the bank records.

The typologies and where their definitions come from:

* **fan-in / fan-out**: many counterparties paying into, or paid out of, one account within a
  short time. FATF, *Money Laundering and Terrorist Financing Indicators* (2015) "a large number
  of incoming or outgoing transfers ... with no apparent business reason"; AMLSim models
  ``fan_in``/``fan_out``; AMLworld (Altman et al. 2023, fig. 2) fan-in/fan-out.
* **cycle**: funds that leave an account and come back to it through other accounts (round
  tripping). FATF *Trade-Based Money Laundering* (2020) round-tripping; AMLSim ``cycle``;
  AMLworld "cycle".
* **scatter-gather / gather-scatter / bipartite / stack**: AMLSim's typologies of the same name
  (IBM/AMLSim ``scripts/transaction_graph_generator.py`` typology list) and AMLworld fig. 2; a
  stack is read here as FATF *layering*: a chain of transfers, each passing on most of what came
  in, shortly after it came in.
* **structuring**: several deposits just under a reporting threshold within a few days,
  31 U.S.C. 5324 (structuring to evade the report required by 31 CFR 1010.311 above USD 10,000);
  FATF Recommendation 20 and the EU AMLD threshold of EUR 10,000 for cash.
* **pass-through**: mule accounts that send on almost all they receive within hours or days.
  FATF/Egmont *Money Mules* indicators (2022): "funds received and quickly withdrawn or
  transferred, with little or no balance left".

Windowed typologies use *anchored windows*: each transaction anchors a window, a window
qualifies when it holds the typology, and qualifying windows that overlap in time for the same
focal account (or pair of accounts) are merged into one hit. So an instance that fits inside one
window is always found, and a busy account gives one hit per busy episode, not one per day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import duckdb

from repatria.errors import InvalidInput

__all__ = [
    "BipartiteParameters",
    "CycleParameters",
    "FanParameters",
    "GatherScatterParameters",
    "PassThroughParameters",
    "Pattern",
    "PatternHit",
    "PatternParameters",
    "ScatterGatherParameters",
    "StackParameters",
    "StructuringParameters",
    "find_patterns",
    "pattern_membership_sql",
]


class Pattern(StrEnum):
    """The typologies repatria looks for; values are the wire names."""

    FAN_IN = "fan-in"
    FAN_OUT = "fan-out"
    CYCLE = "cycle"
    SCATTER_GATHER = "scatter-gather"
    GATHER_SCATTER = "gather-scatter"
    BIPARTITE = "bipartite"
    STACK = "stack"
    STRUCTURING = "structuring"
    PASS_THROUGH = "pass-through"  # nosec B105  # a typology's name (mule pass-through)


@dataclass(frozen=True, order=True)
class PatternHit:
    """One instance of a typology: who, which transactions, and when.

    ``transactions`` are in time order (``ts`` then ``id``); ``accounts`` are every account that
    sends or receives one of them, sorted. ``detail`` explains the hit (the focal account, counts,
    totals) and takes no part in equality.
    """

    pattern: Pattern
    accounts: tuple[str, ...]
    transactions: tuple[str, ...]
    start: datetime
    end: datetime
    detail: Mapping[str, str | int] = field(default_factory=dict, compare=False, hash=False)


def _positive(value: float, name: str, *, minimum: float = 0.0) -> None:
    if not value > minimum:
        raise InvalidInput(f"expected a number above {minimum}, found {value!r}", where=name)


def _window(value: timedelta, name: str) -> None:
    if value <= timedelta(0):
        raise InvalidInput(f"expected a positive time window, found {value}", where=name)


@dataclass(frozen=True)
class FanParameters:
    """Fan-in/fan-out: at least ``min_counterparties`` distinct counterparties in ``window``.

    AMLSim draws 5 to 10 members per fan typology in its 10K parameter set; AMLworld's fan
    patterns have a degree of at least 2 but the paper's figures show 4 and more. The default of
    5 in 7 days flags what an analyst would call unusual for a personal account.
    """

    min_counterparties: int = 5
    window: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        _positive(self.min_counterparties, "min_counterparties", minimum=1)
        _window(self.window, "window")


@dataclass(frozen=True)
class CycleParameters:
    """Round tripping: a closed chain of ``min_length``..``max_length`` distinct accounts.

    All its transfers fall within ``window`` of the first. With ``ordered`` (FATF round
    tripping), each transfer follows the one before it in time, so the money can really have
    gone round; without it (AMLSim's ``cycle``, whose members pay at random steps of the
    period) only the closed shape within the window counts.
    """

    min_length: int = 3
    max_length: int = 6
    window: timedelta = timedelta(days=30)
    ordered: bool = True

    def __post_init__(self) -> None:
        if not 2 <= self.min_length <= self.max_length <= 12:
            raise InvalidInput(
                f"expected 2 <= min_length <= max_length <= 12, found "
                f"{self.min_length}..{self.max_length}",
                where="cycle length",
            )
        _window(self.window, "window")


@dataclass(frozen=True)
class ScatterGatherParameters:
    """One source pays ``min_intermediaries`` accounts that each pay one target within ``window``."""

    min_intermediaries: int = 3
    window: timedelta = timedelta(days=10)

    def __post_init__(self) -> None:
        _positive(self.min_intermediaries, "min_intermediaries", minimum=1)
        _window(self.window, "window")


@dataclass(frozen=True)
class GatherScatterParameters:
    """A hub collects from ``min_sources`` accounts, then pays ``min_targets``, each in ``window``."""

    min_sources: int = 3
    min_targets: int = 3
    window: timedelta = timedelta(days=10)

    def __post_init__(self) -> None:
        _positive(self.min_sources, "min_sources", minimum=1)
        _positive(self.min_targets, "min_targets", minimum=1)
        _window(self.window, "window")


@dataclass(frozen=True)
class BipartiteParameters:
    """``min_senders`` accounts each pay every one of ``min_receivers`` accounts in ``window``.

    The search runs in hopping windows of ``window`` that start every half window, so an
    instance spanning at most half a window is always seen whole. Receivers paid by more than
    ``max_receiver_senders`` accounts in a window (shops, payroll) are left out: a biclique
    hidden in a hub cannot be told from the hub's ordinary customers.
    """

    min_senders: int = 2
    min_receivers: int = 3
    window: timedelta = timedelta(days=10)
    max_receiver_senders: int = 50

    def __post_init__(self) -> None:
        _positive(self.min_senders, "min_senders", minimum=1)
        _positive(self.min_receivers, "min_receivers", minimum=1)
        _positive(self.max_receiver_senders, "max_receiver_senders", minimum=1)
        _window(self.window, "window")


@dataclass(frozen=True)
class StackParameters:
    """Layering chain: ``min_hops``..``max_hops`` transfers through distinct accounts.

    Each transfer leaves the account the previous one paid within ``max_gap`` and carries
    between ``min_forwarded`` and 100 % of the previous amount (a layer keeps at most a fee).
    """

    min_hops: int = 3
    max_hops: int = 6
    max_gap: timedelta = timedelta(days=3)
    min_forwarded: float = 0.8

    def __post_init__(self) -> None:
        if not 2 <= self.min_hops <= self.max_hops <= 12:
            raise InvalidInput(
                f"expected 2 <= min_hops <= max_hops <= 12, found {self.min_hops}..{self.max_hops}",
                where="stack hops",
            )
        if not 0.0 < self.min_forwarded <= 1.0:
            raise InvalidInput(
                f"expected a share in (0, 1], found {self.min_forwarded!r}", where="min_forwarded"
            )
        _window(self.max_gap, "max_gap")


@dataclass(frozen=True)
class StructuringParameters:
    """At least ``min_deposits`` deposits in [threshold x (1 - margin), threshold) in ``window``.

    Their sum must exceed the threshold, or nothing was avoided. The default threshold is the
    US currency transaction report threshold (31 CFR 1010.311, USD 10,000); the amounts are
    compared as written, in each transaction's own currency.
    """

    threshold: Decimal = Decimal(10000)
    margin: float = 0.1
    min_deposits: int = 3
    window: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        _positive(float(self.threshold), "threshold")
        if not 0.0 < self.margin < 1.0:
            raise InvalidInput(f"expected a share in (0, 1), found {self.margin!r}", where="margin")
        _positive(self.min_deposits, "min_deposits", minimum=1)
        _window(self.window, "window")


@dataclass(frozen=True)
class PassThroughParameters:
    """A mule: what comes in goes out within ``window``, keeping at most ``max_retention``.

    The outgoing sum must lie in [(1 - max_retention) x incoming, incoming]: an account that
    pays out more than it received is spending its own balance, not passing funds through.
    """

    window: timedelta = timedelta(days=2)
    max_retention: float = 0.1
    min_amount: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_retention < 1.0:
            raise InvalidInput(
                f"expected a share in [0, 1), found {self.max_retention!r}", where="max_retention"
            )
        _window(self.window, "window")


@dataclass(frozen=True)
class PatternParameters:
    """The parameters of every detector, with documented defaults."""

    fan: FanParameters = field(default_factory=FanParameters)
    cycle: CycleParameters = field(default_factory=CycleParameters)
    scatter_gather: ScatterGatherParameters = field(default_factory=ScatterGatherParameters)
    gather_scatter: GatherScatterParameters = field(default_factory=GatherScatterParameters)
    bipartite: BipartiteParameters = field(default_factory=BipartiteParameters)
    stack: StackParameters = field(default_factory=StackParameters)
    structuring: StructuringParameters = field(default_factory=StructuringParameters)
    pass_through: PassThroughParameters = field(default_factory=PassThroughParameters)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_relation(name: str) -> str:
    """Quote a caller-chosen relation name for SQL, refusing anything but a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise InvalidInput(
            f"expected a relation name of letters, digits and underscores, found {name!r}",
            where="table",
        )
    return f'"{name}"'


def _seconds(value: timedelta) -> str:
    return f"INTERVAL '{int(value.total_seconds())} seconds'"


def _merged(qualifying: str) -> str:
    """Merge qualifying windows that overlap in time for the same focus into one hit each.

    ``qualifying`` yields ``(focus, anchor, lo, hi, id)``: one row per member transaction of the
    window ``[lo, hi]`` anchored at ``anchor``. The result yields ``(hit, focus, id)``.
    """
    return f"""
    WITH q AS ({qualifying}),
    w AS (SELECT DISTINCT focus, anchor, lo, hi FROM q),
    o AS (
      SELECT *, max(hi) OVER (
        PARTITION BY focus ORDER BY lo, hi, anchor
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
      FROM w),
    e AS (
      SELECT focus, anchor, sum(CASE WHEN prev_hi IS NULL OR lo > prev_hi THEN 1 ELSE 0 END)
        OVER (PARTITION BY focus ORDER BY lo, hi, anchor ROWS UNBOUNDED PRECEDING) AS episode
      FROM o)
    SELECT DISTINCT dense_rank() OVER (ORDER BY q.focus, e.episode) AS hit, q.focus, q.id
    FROM q JOIN e USING (focus, anchor)
    """  # nosec B608  # qualifying is built by the pattern queries here from quote_relation and numbers


def _fan_sql(t: str, p: FanParameters, *, inward: bool) -> str:
    hub, other = ("to_account", "from_account") if inward else ("from_account", "to_account")
    return _merged(f"""
    WITH c AS (
      SELECT id, ts, {hub} AS hub, count(DISTINCT {other}) OVER (
        PARTITION BY {hub} ORDER BY ts RANGE BETWEEN {_seconds(p.window)} PRECEDING
        AND CURRENT ROW) AS n
      FROM {t})
    SELECT a.hub AS focus, a.id AS anchor, a.ts - {_seconds(p.window)} AS lo, a.ts AS hi, b.id
    FROM c AS a JOIN {t} AS b
      ON b.{hub} = a.hub AND b.ts BETWEEN a.ts - {_seconds(p.window)} AND a.ts
    WHERE a.n >= {int(p.min_counterparties)}
    """)  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def _gather_scatter_sql(t: str, p: GatherScatterParameters) -> str:
    w = _seconds(p.window)
    return _merged(f"""
    WITH ev AS (
      SELECT id, ts, to_account AS hub, from_account AS other, 'in' AS side FROM {t}
      UNION ALL
      SELECT id, ts, from_account AS hub, to_account AS other, 'out' AS side FROM {t}),
    c AS (
      SELECT ev.*,
        count(DISTINCT other) FILTER (WHERE side = 'in') OVER (
          PARTITION BY hub ORDER BY ts RANGE BETWEEN {w} PRECEDING AND CURRENT ROW) AS n_in,
        count(DISTINCT other) FILTER (WHERE side = 'out') OVER (
          PARTITION BY hub ORDER BY ts RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING) AS n_out
      FROM ev),
    a AS (SELECT DISTINCT hub, ts FROM c
          WHERE n_in >= {int(p.min_sources)} AND n_out >= {int(p.min_targets)})
    SELECT a.hub AS focus, a.hub || '@' || a.ts AS anchor, a.ts - {w} AS lo, a.ts + {w} AS hi,
      ev.id
    FROM a JOIN ev ON ev.hub = a.hub AND (
      (ev.side = 'in' AND ev.ts BETWEEN a.ts - {w} AND a.ts)
      OR (ev.side = 'out' AND ev.ts BETWEEN a.ts AND a.ts + {w}))
    """)  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def _scatter_gather_sql(t: str, p: ScatterGatherParameters) -> str:
    w = _seconds(p.window)
    return _merged(f"""
    WITH legs AS (
      SELECT s.from_account AS src, s.to_account AS mid, g.to_account AS dst,
        s.id AS s_id, g.id AS g_id, s.ts AS t1, g.ts AS t2
      FROM {t} AS s JOIN {t} AS g
        ON g.from_account = s.to_account AND g.ts BETWEEN s.ts AND s.ts + {w}
      WHERE g.to_account <> s.from_account),
    c AS (
      SELECT l.src, l.dst, l.g_id AS anchor, l.t2,
        count(DISTINCT m.mid) AS n
      FROM legs AS l JOIN legs AS m
        ON m.src = l.src AND m.dst = l.dst AND m.t1 >= l.t2 - {w} AND m.t2 <= l.t2
      GROUP BY ALL HAVING count(DISTINCT m.mid) >= {int(p.min_intermediaries)}),
    members AS (
      SELECT c.src || ' -> ' || c.dst AS focus, c.anchor, c.t2 - {w} AS lo, c.t2 AS hi,
        m.s_id, m.g_id
      FROM c JOIN legs AS m
        ON m.src = c.src AND m.dst = c.dst AND m.t1 >= c.t2 - {w} AND m.t2 <= c.t2)
    SELECT focus, anchor, lo, hi, s_id AS id FROM members
    UNION ALL SELECT focus, anchor, lo, hi, g_id AS id FROM members
    """)  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def _structuring_sql(t: str, p: StructuringParameters) -> str:
    w = _seconds(p.window)
    low = (p.threshold * (Decimal(1) - Decimal(str(p.margin)))).quantize(Decimal("0.01"))
    high = p.threshold
    return _merged(f"""
    WITH d AS (
      SELECT * FROM {t} WHERE amount >= {low} AND amount < {high}),
    c AS (
      SELECT id, ts, to_account, currency,
        count(*) OVER win AS n, sum(amount) OVER win AS total
      FROM d
      WINDOW win AS (PARTITION BY to_account, currency ORDER BY ts
                     RANGE BETWEEN {w} PRECEDING AND CURRENT ROW))
    SELECT a.to_account || ' ' || a.currency AS focus, a.id AS anchor, a.ts - {w} AS lo,
      a.ts AS hi, b.id
    FROM c AS a JOIN d AS b
      ON b.to_account = a.to_account AND b.currency = a.currency
      AND b.ts BETWEEN a.ts - {w} AND a.ts
    WHERE a.n >= {int(p.min_deposits)} AND a.total > {high}
    """)  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def _pass_through_sql(t: str, p: PassThroughParameters) -> str:
    w = _seconds(p.window)
    keep = Decimal(str(1.0 - p.max_retention))
    return _merged(f"""
    WITH c AS (
      SELECT i.id AS anchor, i.to_account AS hub, i.ts,
        (SELECT sum(amount) FROM {t} AS x
          WHERE x.to_account = i.to_account AND x.ts BETWEEN i.ts AND i.ts + {w}) AS inflow,
        (SELECT sum(amount) FROM {t} AS y
          WHERE y.from_account = i.to_account AND y.ts BETWEEN i.ts AND i.ts + {w}
          AND (y.ts > i.ts OR y.id > i.id)) AS outflow
      FROM {t} AS i),
    a AS (SELECT * FROM c
          WHERE inflow >= {p.min_amount} AND outflow > 0
          AND outflow >= inflow * {keep} AND outflow <= inflow)
    SELECT a.hub AS focus, a.anchor, a.ts AS lo, a.ts + {w} AS hi, x.id
    FROM a JOIN {t} AS x ON x.to_account = a.hub AND x.ts BETWEEN a.ts AND a.ts + {w}
    UNION ALL
    SELECT a.hub, a.anchor, a.ts, a.ts + {w}, y.id
    FROM a JOIN {t} AS y ON y.from_account = a.hub AND y.ts BETWEEN a.ts AND a.ts + {w}
      AND (y.ts > a.ts OR y.id > a.anchor)
    """)  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def _cycle_sql(t: str, p: CycleParameters) -> str:
    """Closed chains, grown one transfer at a time from the chain's earliest transfer.

    Every later transfer sorts after the first by ``(ts, id)``, so each cycle is produced once,
    from its earliest transfer; with ``ordered`` each transfer also sorts after the one before.
    """
    w = _seconds(p.window)
    prev = "(e.ts > p.last_ts OR (e.ts = p.last_ts AND e.id > p.last_id))"
    after_first = "(e.ts > p.first_ts OR (e.ts = p.first_ts AND e.id > p.first_id))"
    step_order = prev if p.ordered else after_first
    steps = [
        f"""p1 AS (SELECT from_account AS origin, to_account AS head, [from_account, to_account]
          AS path, [id] AS txs, ts AS first_ts, id AS first_id, ts AS last_ts, id AS last_id
          FROM {t} WHERE from_account <> to_account)"""  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers
    ]
    closes = []
    for k in range(2, p.max_length + 1):
        step = f"""p{k} AS (SELECT p.origin, e.to_account AS head,
          list_append(p.path, e.to_account) AS path, list_append(p.txs, e.id) AS txs,
          p.first_ts, p.first_id, e.ts AS last_ts, e.id AS last_id
          FROM p{k - 1} AS p JOIN {t} AS e ON e.from_account = p.head
          AND e.ts <= p.first_ts + {w} AND {step_order}
          WHERE p.head <> p.origin
          AND (e.to_account = p.origin OR NOT list_contains(p.path, e.to_account)))"""  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers
        steps.append(step)
        if k >= p.min_length:
            closes.append(f"SELECT txs, origin FROM p{k} WHERE head = origin")  # nosec B608  # k is a loop int naming the CTE p{k}
    if not closes:
        return "SELECT NULL::BIGINT AS hit, NULL::VARCHAR AS focus, NULL::VARCHAR AS id WHERE false"
    return f"""
    WITH {", ".join(steps)},
    cyc AS ({" UNION ALL ".join(closes)}),
    numbered AS (SELECT row_number() OVER (ORDER BY txs) AS hit, origin AS focus, txs FROM cyc)
    SELECT hit, focus, unnest(txs) AS id FROM numbered
    """  # nosec B608  # steps and closes are the fixed CTEs built above


def _stack_sql(t: str, p: StackParameters) -> str:
    g = _seconds(p.max_gap)
    share = Decimal(str(p.min_forwarded))
    steps = [
        f"""s1 AS (SELECT [from_account, to_account] AS path, [id] AS txs, to_account AS head,
          ts AS last_ts, id AS last_id, amount AS last_amount FROM {t}
          WHERE from_account <> to_account)"""  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers
    ]
    for k in range(2, p.max_hops + 1):
        steps.append(f"""s{k} AS (SELECT list_append(p.path, e.to_account) AS path,
          list_append(p.txs, e.id) AS txs, e.to_account AS head, e.ts AS last_ts,
          e.id AS last_id, e.amount AS last_amount
          FROM s{k - 1} AS p JOIN {t} AS e ON e.from_account = p.head
          AND e.ts BETWEEN p.last_ts AND p.last_ts + {g}
          AND (e.ts > p.last_ts OR e.id > p.last_id)
          AND e.amount <= p.last_amount AND e.amount >= p.last_amount * {share}
          WHERE NOT list_contains(p.path, e.to_account))""")  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers
    keep = []
    for k in range(p.min_hops, p.max_hops + 1):
        if k == p.max_hops:
            keep.append(f"SELECT txs, path FROM s{k}")  # nosec B608  # k is a loop int naming the CTE s{k}
            continue
        keep.append(f"""SELECT txs, path FROM s{k} AS c WHERE NOT EXISTS (
            SELECT 1 FROM s{k + 1} AS x WHERE x.txs[1:{k}] = c.txs OR x.txs[2:{k + 1}] = c.txs)""")  # nosec B608  # k is a loop int naming the CTEs s{k}, s{k+1}
    return f"""
    WITH {", ".join(steps)},
    chains AS ({" UNION ALL ".join(keep)}),
    numbered AS (SELECT row_number() OVER (ORDER BY txs) AS hit, txs, path FROM chains)
    SELECT hit, path[1] AS focus, unnest(txs) AS id FROM numbered
    """  # nosec B608  # steps and keep are the fixed CTEs built above


def _bipartite_sql(t: str, p: BipartiteParameters) -> str:
    half = max(int(p.window.total_seconds()) // 2, 1)
    return f"""
    WITH b AS (
      SELECT *, epoch(ts)::BIGINT // {half} AS slot FROM {t}),
    e AS (
      SELECT b.*, s.bucket FROM b,
        (SELECT unnest([slot - 1, slot]) AS bucket) AS s),
    pairs AS (SELECT DISTINCT bucket, from_account AS snd, to_account AS rcv FROM e),
    busy AS (SELECT bucket, rcv FROM pairs GROUP BY ALL
             HAVING count(*) > {int(p.max_receiver_senders)}),
    quiet AS (SELECT * FROM pairs ANTI JOIN busy USING (bucket, rcv)),
    common AS (
      SELECT a.bucket, a.snd AS s1, b.snd AS s2, list_sort(list(a.rcv)) AS rcvs
      FROM quiet AS a JOIN quiet AS b ON a.bucket = b.bucket AND a.rcv = b.rcv AND a.snd < b.snd
      GROUP BY ALL HAVING count(*) >= {int(p.min_receivers)}),
    groups AS (
      SELECT bucket, rcvs, list_sort(list(DISTINCT s)) AS snds FROM (
        SELECT bucket, rcvs, s1 AS s FROM common UNION ALL SELECT bucket, rcvs, s2 FROM common)
      GROUP BY ALL HAVING count(DISTINCT s) >= {int(p.min_senders)}),
    hits AS (SELECT DISTINCT snds, rcvs FROM groups),
    numbered AS (SELECT row_number() OVER (ORDER BY snds, rcvs) AS hit, * FROM hits),
    members AS (
      SELECT DISTINCT n.hit, array_to_string(n.snds, ',') || ' => ' || array_to_string(n.rcvs, ',')
        AS focus, e.id
      FROM numbered AS n JOIN groups AS g ON g.snds = n.snds AND g.rcvs = n.rcvs
      JOIN e ON e.bucket = g.bucket AND list_contains(n.snds, e.from_account)
        AND list_contains(n.rcvs, e.to_account))
    SELECT * FROM members
    """  # nosec B608  # t from quote_relation; windows and thresholds are validated numbers


def pattern_membership_sql(table: str, pattern: Pattern, params: PatternParameters) -> str:
    """SQL yielding ``(hit, focus, id)``: which transaction belongs to which hit of a pattern.

    ``hit`` numbers the hits of this one pattern; the features module joins this to count the
    hits each transaction takes part in.
    """
    t = quote_relation(table)
    match pattern:
        case Pattern.FAN_IN:
            return _fan_sql(t, params.fan, inward=True)
        case Pattern.FAN_OUT:
            return _fan_sql(t, params.fan, inward=False)
        case Pattern.CYCLE:
            return _cycle_sql(t, params.cycle)
        case Pattern.SCATTER_GATHER:
            return _scatter_gather_sql(t, params.scatter_gather)
        case Pattern.GATHER_SCATTER:
            return _gather_scatter_sql(t, params.gather_scatter)
        case Pattern.BIPARTITE:
            return _bipartite_sql(t, params.bipartite)
        case Pattern.STACK:
            return _stack_sql(t, params.stack)
        case Pattern.STRUCTURING:
            return _structuring_sql(t, params.structuring)
        case Pattern.PASS_THROUGH:
            return _pass_through_sql(t, params.pass_through)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def find_patterns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    patterns: Sequence[Pattern] | None = None,
    params: PatternParameters | None = None,
) -> list[PatternHit]:
    """Find every hit of ``patterns`` (all of them by default) in the canonical ``table``.

    Hits come back sorted by pattern, start, accounts and transactions, so two runs on the same
    data give the same list.
    """
    chosen = list(Pattern) if patterns is None else list(patterns)
    settings = params or PatternParameters()
    t = quote_relation(table)
    hits: list[PatternHit] = []
    for pattern in chosen:
        rows = con.sql(f"""
            WITH m AS ({pattern_membership_sql(table, pattern, settings)})
            SELECT any_value(m.focus), list(x.id ORDER BY x.ts, x.id),
              list_sort(list_distinct(flatten(list([x.from_account, x.to_account])))),
              min(x.ts), max(x.ts), sum(x.amount)::VARCHAR,
              list_sort(list_distinct(list(x.currency)))
            FROM m JOIN {t} AS x ON x.id = m.id GROUP BY m.hit
        """).fetchall()  # nosec B608  # t from quote_relation; the membership SQL built here from it and numbers
        for focus, txs, accounts, start, end, total, currencies in rows:
            hits.append(
                PatternHit(
                    pattern=pattern,
                    accounts=tuple(accounts),
                    transactions=tuple(txs),
                    start=_as_utc(start),
                    end=_as_utc(end),
                    detail={
                        "focus": str(focus),
                        "transactions": len(txs),
                        "accounts": len(accounts),
                        "total_amount": str(total),
                        "currencies": ",".join(currencies),
                    },
                )
            )
    hits.sort(key=lambda h: (list(Pattern).index(h.pattern), h.start, h.accounts, h.transactions))
    return hits
