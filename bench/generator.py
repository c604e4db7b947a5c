"""A seeded transaction generator that plants every typology with exact ground truth.

Background traffic imitates a retail bank's ledger: accounts of very unequal activity, each
with a few usual counterparties, shops that many customers pay (a natural fan-in), employers
paying salaries on the same day each month (a natural fan-out), and log-normal amounts. Into it
the generator plants instances of every typology of ``repatria.tracing.patterns`` (shapes as in
AMLSim's typologies and AMLworld, Altman et al. 2023, fig. 2; structuring under the USD 10,000
report threshold of 31 CFR 1010.311), plus lone laundering transfers that belong to no pattern,
as AMLworld has. Each planted transaction carries ``pattern`` and ``instance``; nothing else is
labelled laundering.

Run ``python bench/generator.py OUT.csv --transactions 100000 --seed 7`` to write a canonical
labelled CSV with the extra ground-truth columns ``pattern`` and ``instance``.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

PATTERNS = (
    "fan-in",
    "fan-out",
    "cycle",
    "scatter-gather",
    "gather-scatter",
    "bipartite",
    "stack",
    "structuring",
    "pass-through",
)
LONE = "none"
"""Ground-truth name of laundering transfers that are part of no typology."""

DAY = 86_400
BANKS = ("BANKAAA1", "BANKBBB2", "BANKCCC3", "BANKDDD4", "BANKEEE5", "BANKFFF6")
BANK_COUNTRY = ("GB", "NG", "FR", "DE", "AE", "CH")


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate; the same config and seed give the same bytes."""

    transactions: int = 100_000
    accounts: int | None = None
    instances_per_pattern: int | None = None
    lone_laundering: int | None = None
    days: int = 365
    seed: int = 7
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC)

    def n_accounts(self) -> int:
        """Enough accounts for the background and ~55 fresh members per round of typologies."""
        if self.accounts is not None:
            return self.accounts
        return max(self.transactions // 20, 200, 80 * self.n_instances())

    def n_instances(self) -> int:
        """Instances of each typology; the default (100 at 300k rows, one per 5,000 rows above
        500k) puts tens of each in every part of a temporal 60/20/20 split, since starts are
        uniform in time."""
        if self.instances_per_pattern is not None:
            return self.instances_per_pattern
        return max(self.transactions // 5_000, 100)

    def n_lone(self) -> int:
        if self.lone_laundering is not None:
            return self.lone_laundering
        return max(self.transactions // 5_000, 4)


class _Rows:
    """Column buffers for planted transactions."""

    def __init__(self) -> None:
        self.src: list[int] = []
        self.dst: list[int] = []
        self.ts: list[int] = []
        self.amount: list[float] = []
        self.pattern: list[str] = []
        self.instance: list[int] = []

    def add(self, src: int, dst: int, ts: int, amount: float, pattern: str, inst: int) -> None:
        self.src.append(src)
        self.dst.append(dst)
        self.ts.append(ts)
        self.amount.append(round(amount, 2))
        self.pattern.append(pattern)
        self.instance.append(inst)


def _background(
    cfg: GeneratorConfig, rng: np.random.Generator, n_acc: int
) -> dict[str, np.ndarray]:
    n = cfg.transactions
    span = cfg.days * DAY
    activity = rng.pareto(1.5, n_acc) + 0.2
    activity /= activity.sum()
    n_shops = max(n_acc // 100, 3)
    n_employers = max(n_acc // 200, 2)
    shops = rng.choice(n_acc, n_shops, replace=False)
    employers = rng.choice(np.setdiff1d(np.arange(n_acc), shops), n_employers, replace=False)
    usual = rng.integers(0, n_acc, size=(n_acc, 5))

    n_salary_months = max(cfg.days // 30, 1)
    per_employer = max(int(0.12 * n / (n_employers * n_salary_months)), 1)
    staff = rng.integers(0, n_acc, size=(n_employers, per_employer))
    sal_src = np.repeat(employers, per_employer * n_salary_months)
    sal_dst = np.tile(staff, (1, n_salary_months)).reshape(-1)
    sal_month = np.tile(np.repeat(np.arange(n_salary_months), per_employer), n_employers)
    sal_ts = sal_month * 30 * DAY + 24 * DAY + rng.integers(8 * 3600, 10 * 3600, sal_src.size)
    sal_amount = np.round(rng.lognormal(7.9, 0.35, sal_src.size), 2)

    rest = max(n - sal_src.size, 0)
    src = rng.choice(n_acc, rest, p=activity)
    kind = rng.random(rest)
    to_shop = kind < 0.3
    to_usual = (kind >= 0.3) & (kind < 0.85)
    dst = rng.integers(0, n_acc, rest)
    shop_weights = 1.0 / np.arange(1, n_shops + 1)
    dst[to_shop] = shops[
        rng.choice(n_shops, int(to_shop.sum()), p=shop_weights / shop_weights.sum())
    ]
    dst[to_usual] = usual[src[to_usual], rng.integers(0, 5, int(to_usual.sum()))]
    ts = rng.integers(0, span, rest)
    amount = np.where(to_shop, rng.lognormal(3.6, 0.9, rest), rng.lognormal(5.3, 1.2, rest)).round(
        2
    )
    big = rng.random(rest) < 0.004
    amount[big] = rng.uniform(2_000, 60_000, int(big.sum())).round(2)

    all_src = np.concatenate([src, sal_src])
    all_dst = np.concatenate([dst, sal_dst])
    keep = all_src != all_dst
    return {
        "src": all_src[keep],
        "dst": all_dst[keep],
        "ts": np.concatenate([ts, sal_ts])[keep],
        "amount": np.maximum(np.concatenate([amount, sal_amount])[keep], 1.0),
    }


def _plant(cfg: GeneratorConfig, rng: np.random.Generator, n_acc: int) -> _Rows:
    """Plant each typology ``n_instances`` times with fresh, disjoint member accounts."""
    rows = _Rows()
    span = cfg.days * DAY
    pool = rng.permutation(n_acc)
    taken = 0

    def members(k: int) -> list[int]:
        nonlocal taken
        if taken + k > pool.size:
            raise ValueError("too few accounts for the planted patterns: raise --accounts")
        out = [int(a) for a in pool[taken : taken + k]]
        taken += k
        return out

    def start(room_days: int) -> int:
        return int(rng.integers(0, span - room_days * DAY))

    def within(t0: int, seconds: int) -> int:
        return t0 + int(rng.integers(0, max(seconds, 1)))

    inst = 0
    for _ in range(cfg.n_instances()):
        inst += 1
        hub, *others = members(int(rng.integers(6, 10)))
        t0 = start(6)
        for o in others:
            rows.add(o, hub, within(t0, 5 * DAY), rng.uniform(500, 3000), "fan-in", inst)
        inst += 1
        hub, *others = members(int(rng.integers(6, 10)))
        t0 = start(6)
        for o in others:
            rows.add(hub, o, within(t0, 5 * DAY), rng.uniform(500, 3000), "fan-out", inst)
        inst += 1
        ring = members(int(rng.integers(3, 7)))
        t = start(25)
        amount = rng.uniform(5_000, 50_000)
        for i, a in enumerate(ring):
            rows.add(a, ring[(i + 1) % len(ring)], t, amount, "cycle", inst)
            t += int(rng.integers(3600, 3 * DAY))
            amount *= rng.uniform(0.9, 0.99)
        inst += 1
        src, dst, *mids = members(int(rng.integers(5, 8)))
        t0 = start(10)
        for m in mids:
            t1 = within(t0, 4 * DAY)
            a = rng.uniform(1_000, 8_000)
            rows.add(src, m, t1, a, "scatter-gather", inst)
            rows.add(
                m, dst, t1 + int(rng.integers(3600, 4 * DAY)), a * 0.97, "scatter-gather", inst
            )
        inst += 1
        k_in, k_out = int(rng.integers(3, 6)), int(rng.integers(3, 6))
        hub, *others = members(1 + k_in + k_out)
        t0 = start(10)
        for o in others[:k_in]:
            rows.add(o, hub, within(t0, 3 * DAY), rng.uniform(1_000, 8_000), "gather-scatter", inst)
        for o in others[k_in:]:
            rows.add(
                hub,
                o,
                within(t0 + 3 * DAY + 3600, 3 * DAY),
                rng.uniform(1_000, 8_000),
                "gather-scatter",
                inst,
            )
        inst += 1
        n_s, n_r = int(rng.integers(2, 4)), int(rng.integers(3, 5))
        group = members(n_s + n_r)
        t0 = start(5)
        for s in group[:n_s]:
            for r in group[n_s:]:
                rows.add(s, r, within(t0, 4 * DAY), rng.uniform(1_000, 9_000), "bipartite", inst)
        inst += 1
        chain = members(int(rng.integers(4, 8)))
        t = start(20)
        amount = rng.uniform(5_000, 80_000)
        for a, b in itertools.pairwise(chain):
            rows.add(a, b, t, amount, "stack", inst)
            t += int(rng.integers(1800, int(2.5 * DAY)))
            amount *= rng.uniform(0.9, 0.995)
        inst += 1
        target, *depositors = members(int(rng.integers(2, 5)))
        t0 = start(7)
        for _ in range(int(rng.integers(3, 7))):
            d = depositors[int(rng.integers(0, len(depositors)))]
            rows.add(
                d, target, within(t0, 6 * DAY), rng.uniform(9_000, 9_999.99), "structuring", inst
            )
        inst += 1
        payer, mule, *outs = members(int(rng.integers(3, 6)))
        t0 = start(3)
        incoming = rng.uniform(2_000, 20_000)
        rows.add(payer, mule, t0, incoming, "pass-through", inst)
        shares = rng.dirichlet(np.ones(len(outs))) * incoming * rng.uniform(0.92, 0.99)
        for o, s in zip(outs, shares, strict=True):
            rows.add(mule, o, t0 + int(rng.integers(600, int(1.5 * DAY))), s, "pass-through", inst)
    launderers = pool[:taken]
    for _ in range(cfg.n_lone()):
        inst += 1
        a = int(launderers[int(rng.integers(0, launderers.size))])
        b = int(rng.integers(0, n_acc))
        if a == b:
            b = (b + 1) % n_acc
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        rows.add(src, dst, start(1), rng.uniform(200, 15_000), LONE, inst)
    return rows


def generate(cfg: GeneratorConfig) -> pa.Table:
    """Generate a labelled canonical table (plus ``pattern`` and ``instance``) for ``cfg``.

    Rows are sorted by time and ``id`` numbers them in that order (zero-padded, so string
    order is time order). ``pattern`` is empty and ``instance`` 0 for background rows.
    """
    rng = np.random.default_rng(cfg.seed)
    n_acc = cfg.n_accounts()
    bg = _background(cfg, rng, n_acc)
    planted = _plant(cfg, rng, n_acc)
    src = np.concatenate([bg["src"], np.array(planted.src, dtype=np.int64)])
    dst = np.concatenate([bg["dst"], np.array(planted.dst, dtype=np.int64)])
    ts = np.concatenate([bg["ts"], np.array(planted.ts, dtype=np.int64)])
    amount = np.concatenate([bg["amount"], np.array(planted.amount)])
    n_bg = bg["src"].size
    pattern = np.array([""] * n_bg + planted.pattern, dtype=object)
    instance = np.concatenate([np.zeros(n_bg, dtype=np.int64), np.array(planted.instance)])
    order = np.lexsort((np.arange(ts.size), ts))
    src, dst, ts, amount = src[order], dst[order], ts[order], amount[order]
    pattern, instance = pattern[order], instance[order]
    width = len(str(ts.size))
    ids = np.array([f"T{i:0{width}d}" for i in range(1, ts.size + 1)], dtype=object)
    names = np.array([f"ACC{i:07d}" for i in range(n_acc)], dtype=object)
    bank_of = rng.integers(0, len(BANKS), n_acc)
    banks = np.array(BANKS, dtype=object)
    countries = np.array(BANK_COUNTRY, dtype=object)
    epoch = int(cfg.start.timestamp())
    stamps = pa.array((ts + epoch) * 1_000_000, type=pa.int64()).cast(pa.timestamp("us", "UTC"))
    return pa.table(
        {
            "id": pa.array(ids, type=pa.string()),
            "timestamp": stamps,
            "from_account": pa.array(names[src], type=pa.string()),
            "to_account": pa.array(names[dst], type=pa.string()),
            "amount": pa.array(np.round(amount, 2)),
            "currency": pa.array(np.full(ts.size, "USD", dtype=object), type=pa.string()),
            "from_bank": pa.array(banks[bank_of[src]], type=pa.string()),
            "to_bank": pa.array(banks[bank_of[dst]], type=pa.string()),
            "from_country": pa.array(countries[bank_of[src]], type=pa.string()),
            "to_country": pa.array(countries[bank_of[dst]], type=pa.string()),
            "is_laundering": pa.array((pattern != "").astype(np.int8)),
            "pattern": pa.array(pattern, type=pa.string()),
            "instance": pa.array(instance),
        }
    )


def write_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` as canonical CSV (ISO 8601 UTC timestamps, two-place amounts)."""
    ts = table.column("timestamp").cast(pa.timestamp("s", "UTC"))
    text = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")
    amount = pc.round(table.column("amount"), 2).cast(pa.decimal128(20, 2))
    out = table.set_column(1, "timestamp", text).set_column(
        table.schema.get_field_index("amount"), "amount", amount
    )
    pacsv.write_csv(out, path, pacsv.WriteOptions(quoting_style="none"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--instances", type=int, default=None, help="instances of each typology (default: scaled)"
    )
    args = parser.parse_args(argv)
    table = generate(
        GeneratorConfig(
            transactions=args.transactions,
            seed=args.seed,
            days=args.days,
            instances_per_pattern=args.instances,
        )
    )
    write_csv(table, args.output)
    labelled = int(pc.sum(table.column("is_laundering")).as_py())
    print(f"wrote {table.num_rows} transactions ({labelled} laundering) to {args.output}")


if __name__ == "__main__":
    main()
