"""Forward and backward tracing of proceeds through a transaction table, by a chosen rule.

**Forward** (:func:`trace`): seed transactions are proceeds in their whole amount. Every
account is a pool of deposits in time order (timestamp, then id); each payment out takes
from the pool by the rule (``rules``), so part of it may be tainted, and that part is
tainted money paid into the next pool. Money an account spends beyond what the data shows
it received is clean money from outside the data. The result gives, to the cent, the
tainted part of every payment and the tainted balance of every account at the end.

**Backward** (:func:`trace_back`): for one account, which earlier payments its end balance
came from. For each payment that could have carried money into the account (a time-ordered
path exists), it answers "had this payment been the proceeds, how much of it would this rule
leave in the account at the end", with exactly the forward machinery.

Conservation (for every rule but ``poison``): for each account, tainted in = tainted out +
tainted balance, where a seed paid out of an account takes out of its pool only what the rule
finds there; the rest of the seed is new taint, listed in ``TraceResult.injected``. So the
sum of end balances equals the sum of ``injected``, to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from repatria.errors import InvalidInput
from repatria.tracing.engine import CodedBatch, TransactionSource, open_source
from repatria.tracing.rules import RULES, Pool, Rule, new_pool, parse_rule

__all__ = [
    "AccountPlace",
    "BackTrace",
    "TraceResult",
    "trace",
    "trace_back",
]


def _money(cents: int) -> Decimal:
    """Cents as an exact Decimal with two places (``scaleb`` shifts the exponent, no rounding)."""
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True, slots=True)
class AccountPlace:
    """Where an account is held: its country (ISO 3166-1 alpha-2) and bank, when known."""

    country: str | None
    bank: str | None


@dataclass(frozen=True)
class TraceResult:
    """The tainted part of each payment and the tainted balance of each account.

    Only amounts above zero are listed. ``injected`` gives, per seed, the taint the seed
    introduced (its amount less any taint the rule found in the payer's pool). ``flows``
    sums the tainted amounts per (payer, payee) pair: the edges of the money-flow graph.
    ``places`` gives country and bank for every account in ``accounts`` or ``flows``.
    """

    rule: Rule
    seeds: tuple[str, ...]
    currency: str | None
    transactions: Mapping[str, Decimal]
    accounts: Mapping[str, Decimal]
    injected: Mapping[str, Decimal]
    flows: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    places: Mapping[str, AccountPlace] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """``{"rule", "transactions": {id: amount}, "accounts": {account: balance}}``.

        Amounts are JSON numbers rounded to the cent, keys in sorted order.
        """
        return {
            "rule": self.rule.value,
            "transactions": {k: float(self.transactions[k]) for k in sorted(self.transactions)},
            "accounts": {k: float(self.accounts[k]) for k in sorted(self.accounts)},
        }

    @property
    def total_tainted(self) -> Decimal:
        """The sum of tainted balances at the end."""
        return sum(self.accounts.values(), Decimal("0.00"))

    def by_country(self) -> dict[str, Decimal]:
        """Tainted balances summed per country of the holding account (``"unknown"`` if none)."""
        totals: dict[str, Decimal] = {}
        for account, amount in self.accounts.items():
            place = self.places.get(account)
            key = place.country if place and place.country else "unknown"
            totals[key] = totals.get(key, Decimal("0.00")) + amount
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))

    def by_bank(self) -> dict[str, Decimal]:
        """Tainted balances summed per bank of the holding account (``"unknown"`` if none)."""
        totals: dict[str, Decimal] = {}
        for account, amount in self.accounts.items():
            place = self.places.get(account)
            key = place.bank if place and place.bank else "unknown"
            totals[key] = totals.get(key, Decimal("0.00")) + amount
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True, slots=True)
class _Replay:
    tx_taint: dict[str, int]
    flows: dict[tuple[int, int], int]
    pools: dict[int, Pool]
    injected: dict[str, int]
    balances: list[int]


def _replay(
    batches: Iterable[CodedBatch], n_accounts: int, seeds: frozenset[str], rule: Rule
) -> _Replay:
    """Replay every pool in ``ts, id`` order; the one sequential step of tracing.

    Accounts that never held taint are only a clean balance (an int); a pool object is made
    when taint first arrives, holding that balance as clean money. Payments between such
    accounts take the fast path.
    """
    bal = [0] * n_accounts
    pools: list[Pool | None] = [None] * n_accounts
    tx_taint: dict[str, int] = {}
    flows: dict[tuple[int, int], int] = {}
    injected: dict[str, int] = {}
    for batch in batches:
        for tid, s, d, x in zip(batch.ids, batch.src, batch.dst, batch.cents, strict=True):
            ps = pools[s]
            pd = pools[d]
            seed = tid in seeds
            if ps is None and pd is None and not seed:
                held = bal[s]
                bal[s] = held - x if held > x else 0
                bal[d] += x
                continue
            if ps is None:
                held = bal[s]
                bal[s] = held - x if held > x else 0
                taken = 0
            else:
                taken = ps.withdraw(x)
            if seed:
                injected[tid] = x - taken
                taint = x
            else:
                taint = taken
            if taint:
                tx_taint[tid] = taint
                flows[s, d] = flows.get((s, d), 0) + taint
            if pd is None:
                if not taint:
                    bal[d] += x
                    continue
                pd = new_pool(rule, bal[d])
                pools[d] = pd
            pd.deposit(x, taint)
    live = {code: pool for code, pool in enumerate(pools) if pool is not None}
    for code, pool in live.items():
        bal[code] = pool.balance
    return _Replay(tx_taint, flows, live, injected, bal)


def _check_seeds(source: TransactionSource, seeds: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(str(s) for s in seeds))
    if not wanted:
        raise InvalidInput("at least one seed transaction id is required", where="seeds")
    found = {
        r[0]
        for r in source.sql(
            "SELECT id FROM transactions WHERE id IN (SELECT value FROM seed_ids)",
            {"seed_ids": wanted},
        )
    }
    missing = [s for s in wanted if s not in found]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise InvalidInput(
            f"unknown seed transaction id(s) {shown}{more}: no transaction has that id",
            where="seeds",
        )
    return wanted


def _single_currency(source: TransactionSource) -> str | None:
    found = [r[0] for r in source.sql("SELECT DISTINCT currency FROM transactions ORDER BY 1")]
    if len(found) > 1:
        raise InvalidInput(
            "tracing needs one currency, because a pool cannot mix amounts in different "
            f"currencies; found {', '.join(found)}: select one currency first "
            "(e.g. a view WHERE currency = 'EUR') or convert the amounts",
            where="currency",
        )
    return found[0] if found else None


def account_places(source: TransactionSource, accounts: Iterable[str]) -> dict[str, AccountPlace]:
    """Country and bank of each account, from the latest payment naming them (set-based)."""
    wanted = sorted(set(accounts))
    if not wanted:
        return {}
    rows = source.sql(
        """
        WITH ordered AS (
            SELECT *, row_number() OVER (ORDER BY ts, id) AS k FROM transactions
        ), sides AS (
            SELECT from_account AS account, from_country AS country, from_bank AS bank, k
            FROM ordered
            UNION ALL
            SELECT to_account, to_country, to_bank, k FROM ordered
        )
        SELECT account,
               arg_max(country, k) FILTER (WHERE country IS NOT NULL),
               arg_max(bank, k) FILTER (WHERE bank IS NOT NULL)
        FROM sides
        WHERE account IN (SELECT value FROM wanted_accounts)
        GROUP BY account
        """,
        {"wanted_accounts": wanted},
    )
    return {r[0]: AccountPlace(r[1], r[2]) for r in rows}


def trace(
    data: duckdb.DuckDBPyConnection | TransactionSource | str | Path,
    seeds: Sequence[str],
    rule: Rule | str,
    *,
    relation: str = "transactions",
) -> TraceResult:
    """Trace the seed transactions forward through every account by ``rule``.

    ``data`` is a DuckDB connection holding the canonical table under ``relation``, a
    :class:`~repatria.tracing.engine.TransactionSource`, or a canonical Parquet path.
    """
    chosen = parse_rule(rule)
    source = open_source(data, relation)
    currency = _single_currency(source)
    seed_ids = _check_seeds(source, seeds)
    accounts = source.accounts()
    replay = _replay(source.ordered_batches(), len(accounts), frozenset(seed_ids), chosen)
    balances = {
        accounts[code]: _money(pool.tainted)
        for code, pool in replay.pools.items()
        if pool.tainted > 0
    }
    flows = {(accounts[s], accounts[d]): _money(v) for (s, d), v in replay.flows.items()}
    return TraceResult(
        rule=chosen,
        seeds=seed_ids,
        currency=currency,
        transactions={k: _money(v) for k, v in replay.tx_taint.items()},
        accounts=balances,
        injected={k: _money(v) for k, v in replay.injected.items()},
        flows=flows,
        places=account_places(source, set(balances) | {a for edge in flows for a in edge}),
    )


@dataclass(frozen=True)
class BackTrace:
    """Where the money in one account came from, by one rule.

    ``sources`` maps a payment id to the part of it that the rule leaves in the account at
    the end, had that payment been the proceeds; ``by_account`` sums ``sources`` per payer.
    ``hops`` gives each source's distance (1: paid straight into the account). The same money
    shows at each hop of its path, so ``by_account`` sums sources per payer *within* one hop
    count only for direct payers (hop 1): who paid the account, and how much of it is left.
    ``balance`` is the account's end balance as the pools see it. ``considered`` counts the
    payments that could reach the account by a time-ordered path; ``traced`` those examined
    (the nearest first, up to ``max_sources``).
    """

    account: str
    rule: Rule
    balance: Decimal
    sources: Mapping[str, Decimal]
    hops: Mapping[str, int]
    by_account: Mapping[str, Decimal]
    considered: int
    traced: int

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "account": self.account,
            "balance": float(self.balance),
            "sources": {k: float(v) for k, v in sorted(self.sources.items())},
            "hops": dict(sorted(self.hops.items())),
            "by_account": {k: float(v) for k, v in sorted(self.by_account.items())},
        }


def trace_back(
    data: duckdb.DuckDBPyConnection | TransactionSource | str | Path,
    account: str,
    rule: Rule | str,
    *,
    relation: str = "transactions",
    max_sources: int = 50,
) -> BackTrace:
    """Trace the end balance of ``account`` back to the payments it came from.

    Steps: (1) one reverse pass finds, for every account, the latest moment from which its
    money can still reach ``account`` (a time-respecting path), and so every payment that
    can carry money there, with its hop distance; (2) the nearest ``max_sources`` of them are
    each traced forward as if they were the proceeds, over only the payments that touch
    accounts on such paths (no other payment can change the answer), and the part the rule
    leaves in ``account`` is reported.
    """
    chosen = parse_rule(rule)
    source = open_source(data, relation)
    _single_currency(source)
    accounts = source.accounts()
    try:
        target = accounts.index(account)
    except ValueError:
        raise InvalidInput(
            f"unknown account {account!r}: it pays or receives nothing in the table",
            where="account",
        ) from None
    ids: list[str] = []
    src: list[int] = []
    dst: list[int] = []
    cents: list[int] = []
    for b in source.ordered_batches():
        ids.extend(b.ids)
        src.extend(b.src)
        dst.extend(b.dst)
        cents.extend(b.cents)
    n = len(ids)
    # deadline[a]: index of the latest payment out of a on a path to the target (-1: none).
    deadline = [-1] * len(accounts)
    hops = [0] * len(accounts)
    deadline[target] = n
    links: list[int] = []
    for i in range(n - 1, -1, -1):
        s, d = src[i], dst[i]
        if i < deadline[d] and s != target:
            links.append(i)
            if deadline[s] < 0:
                deadline[s] = i
                hops[s] = hops[d] + 1
    cone = {a for a, dl in enumerate(deadline) if dl >= 0}
    # Nearest first: direct deposits into the account, then one hop further, latest first.
    links.sort(key=lambda i: (hops[dst[i]], -i))
    chosen_links = links[:max_sources]
    keep = [i for i in range(n) if src[i] in cone or dst[i] in cone]
    sub = CodedBatch(
        ids=[ids[i] for i in keep],
        src=[src[i] for i in keep],
        dst=[dst[i] for i in keep],
        cents=[cents[i] for i in keep],
    )
    found: dict[str, int] = {}
    balance = 0
    for i in chosen_links:
        replay = _replay([sub], len(accounts), frozenset([ids[i]]), chosen)
        balance = replay.balances[target]
        pool = replay.pools.get(target)
        if pool is not None and pool.tainted > 0:
            found[ids[i]] = pool.tainted
    if not chosen_links:
        balance = _replay([sub], len(accounts), frozenset(), chosen).balances[target]
    payer = {ids[i]: accounts[src[i]] for i in chosen_links}
    by_account: dict[str, int] = {}
    hop_of = {ids[i]: hops[dst[i]] + 1 for i in chosen_links}
    for tid, amount in found.items():
        if hop_of[tid] == 1:
            by_account[payer[tid]] = by_account.get(payer[tid], 0) + amount
    return BackTrace(
        account=account,
        rule=chosen,
        balance=_money(balance),
        sources={k: _money(v) for k, v in found.items()},
        hops={k: hop_of[k] for k in found},
        by_account={k: _money(v) for k, v in by_account.items()},
        considered=len(links),
        traced=len(chosen_links),
    )


def rule_source(rule: Rule | str) -> str:
    """The legal source of a rule, for reports."""
    return RULES[parse_rule(rule)].source
