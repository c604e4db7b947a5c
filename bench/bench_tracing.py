"""Tracing at scale: ingest rows/s and tracing time per million transactions, per rule.

A canonical CSV of ``--rows`` transactions (default 1,000,000) is generated with a fixed
seed: ``--accounts`` accounts (a tenth of them busy "hubs"), one year of timestamps,
log-normal amounts in cents, a country and a bank per account. Then:

* **ingest**: ``ingest_csv`` (DuckDB read_csv + SQL checks + Parquet), rows per second;
* **trace**: ``trace`` with ``--seeds`` seed transactions from the first tenth of the year,
  for every rule, seconds per million transactions (median of ``--repeat`` runs);
* **trace_back**: one account's balance back to its nearest 10 sources.

The peer is the naive way to do the same work in plain Python with the standard library,
what an analyst's script would do: ``csv`` + ``Decimal`` + ``datetime`` checks per row for
ingest, and FIFO pools of ``Decimal`` deposits for every account for tracing (no integer
cents, no fast path for clean accounts). It is checked to give the same FIFO result to the
cent, so the speed is not bought with a different answer.

``python bench/bench_tracing.py [--rows 1000000] [--accounts 100000] [--seeds 50]``
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import tempfile
import time
from collections import deque
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from repatria.adapters.parquet import write_parquet
from repatria.tracing.formats.currencies import KNOWN
from repatria.tracing.ingest import ingest_csv
from repatria.tracing.rules import Rule
from repatria.tracing.trace import trace, trace_back

RESULTS = Path(__file__).resolve().parent / "results"
COUNTRIES = ["CH", "GB", "DE", "AE", "SG", "US", "NG", "PA", "CY", "HK"]
CENT = Decimal("0.01")


def generate(path: Path, rows: int, accounts: int, seed: int) -> None:
    """Write a canonical CSV with a fixed random seed."""
    rng = np.random.default_rng(seed)
    hubs = max(accounts // 10, 1)
    # Half the payments touch a hub, so money mixes in busy pools as it does in real banks.
    payer = np.where(
        rng.random(rows) < 0.5, rng.integers(0, hubs, rows), rng.integers(0, accounts, rows)
    )
    payee = np.where(
        rng.random(rows) < 0.5, rng.integers(0, hubs, rows), rng.integers(0, accounts, rows)
    )
    payee = np.where(payee == payer, (payee + 1) % accounts, payee)
    seconds = np.sort(rng.integers(0, 365 * 86400, rows))
    ts = np.datetime64("2023-01-01T00:00:00") + seconds.astype("timedelta64[s]")
    cents = np.maximum(1, rng.lognormal(mean=10.0, sigma=1.5, size=rows).astype(np.int64))
    country_of = rng.integers(0, len(COUNTRIES), accounts)
    names = np.array([f"acct-{i:06d}" for i in range(accounts)], dtype=object)
    banks = np.array([f"BANK{i % 40:02d}" for i in range(accounts)], dtype=object)
    countries = np.array(COUNTRIES, dtype=object)
    table = pa.table(
        {
            "id": pa.array([f"tx-{i:07d}" for i in range(rows)]),
            "timestamp": pa.array(np.datetime_as_string(ts, unit="s")).cast(pa.string()),
            "from_account": pa.array(names[payer]),
            "to_account": pa.array(names[payee]),
            "amount": pa.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]),
            "currency": pa.array(["EUR"] * rows),
            "from_bank": pa.array(banks[payer]),
            "to_bank": pa.array(banks[payee]),
            "from_country": pa.array(countries[country_of[payer]]),
            "to_country": pa.array(countries[country_of[payee]]),
        }
    )
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))


def naive_ingest(path: Path) -> int:
    """The peer: check every row with the standard library (no output written)."""
    seen: set[str] = set()
    count = 0
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["id"] in seen:
                raise ValueError(row["id"])
            seen.add(row["id"])
            datetime.fromisoformat(row["timestamp"])
            amount = Decimal(row["amount"])
            if amount <= 0 or amount != amount.quantize(CENT):
                raise ValueError(row["amount"])
            if row["currency"] not in KNOWN:
                raise ValueError(row["currency"])
            count += 1
    return count


def naive_fifo(path: Path, seeds: set[str]) -> dict[str, Decimal]:
    """The peer: FIFO pools of Decimal deposits for every account, row by row, in order."""
    rows = []
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append((r["timestamp"], r["id"], r["from_account"], r["to_account"], r["amount"]))
    rows.sort()
    pools: dict[str, deque[list[Decimal]]] = {}
    balances: dict[str, Decimal] = {}
    for _, tid, payer, payee, text in rows:
        amount = Decimal(text)
        pool = pools.setdefault(payer, deque())
        need = min(amount, balances.get(payer, Decimal(0)))
        balances[payer] = balances.get(payer, Decimal(0)) - need
        taint = Decimal(0)
        while need > 0:
            tainted, total = pool[0]
            if total <= need:
                taint += tainted
                need -= total
                pool.popleft()
            else:
                part = (need * tainted / total).quantize(CENT, rounding=ROUND_HALF_UP)
                taint += part
                pool[0] = [tainted - part, total - need]
                need = Decimal(0)
        if tid in seeds:
            taint = amount
        pools.setdefault(payee, deque()).append([taint, amount])
        balances[payee] = balances.get(payee, Decimal(0)) + amount
    ends = {a: sum((t for t, _ in pool), Decimal(0)) for a, pool in pools.items()}
    return {a: v for a, v in ends.items() if v > 0}


def timed(fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    runs = []
    value = None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per rule (median)")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--no-peer", action="store_true", help="skip the naive peer")
    args = parser.parse_args(argv)
    per_million = 1_000_000 / args.rows

    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as tmp:
        csv_path = Path(tmp) / "transactions.csv"
        parquet = Path(tmp) / "transactions.parquet"
        gen_seconds, _ = timed(lambda: generate(csv_path, args.rows, args.accounts, args.seed))
        ingest_seconds, report = timed(lambda: ingest_csv(csv_path, parquet, write=write_parquet))
        rng = np.random.default_rng(args.seed + 1)
        early = rng.choice(args.rows // 10, size=args.seeds, replace=False)
        seeds = [f"tx-{i:07d}" for i in sorted(early.tolist())]

        results: dict[str, dict[str, float]] = {}
        fifo_accounts: dict[str, Decimal] = {}
        for rule in Rule:
            seconds, result = timed(lambda r=rule: trace(parquet, seeds, r), args.repeat)
            results[rule.value] = {
                "seconds": seconds,
                "seconds_per_million": seconds * per_million,
                "tainted_transactions": len(result.transactions),
                "tainted_accounts": len(result.accounts),
                "tainted_total": float(result.total_tainted),
            }
            if rule is Rule.FIFO:
                fifo_accounts = dict(result.accounts)
                target = max(result.accounts, key=lambda a: result.accounts[a])
        back_seconds, back = timed(lambda: trace_back(parquet, target, "fifo", max_sources=10))

        peer: dict[str, float | bool] = {}
        if not args.no_peer:
            peer_ingest, _ = timed(lambda: naive_ingest(csv_path))
            peer_fifo, naive = timed(lambda: naive_fifo(csv_path, set(seeds)))
            peer = {
                "ingest_seconds": peer_ingest,
                "fifo_seconds": peer_fifo,
                "fifo_same_result": naive == fifo_accounts,
            }

    ingest_rate = report.rows / ingest_seconds
    print(
        f"tracing benchmark: {args.rows:,} rows, {args.accounts:,} accounts, "
        f"{args.seeds} seeds (generated in {gen_seconds:.1f} s)"
    )
    print(f"{'step':<22}{'seconds':>10}{'s / 1M tx':>12}{'rows/s':>14}{'vs peer':>10}")
    peer_ratio = ""
    if peer:
        peer_ratio = f"{float(peer['ingest_seconds']) / ingest_seconds:>9.1f}x"
    print(
        f"{'ingest (canonical)':<22}{ingest_seconds:>10.2f}{ingest_seconds * per_million:>12.2f}"
        f"{ingest_rate:>14,.0f}{peer_ratio:>10}"
    )
    for name, r in results.items():
        ratio = ""
        if peer and name == "fifo":
            ratio = f"{float(peer['fifo_seconds']) / r['seconds']:>9.1f}x"
        print(
            f"{'trace ' + name:<22}{r['seconds']:>10.2f}{r['seconds_per_million']:>12.2f}"
            f"{args.rows / r['seconds']:>14,.0f}{ratio:>10}"
        )
    print(
        f"{'trace_back (10 src)':<22}{back_seconds:>10.2f}{back_seconds * per_million:>12.2f}"
        f"{'':>14}{'':>10}"
    )
    if peer:
        print(
            f"peer (stdlib csv + Decimal): ingest {float(peer['ingest_seconds']):.2f} s, "
            f"fifo {float(peer['fifo_seconds']):.2f} s, same FIFO result: "
            f"{peer['fifo_same_result']}"
        )
    for name, r in results.items():
        print(
            f"  {name:<13} tainted tx {int(r['tainted_transactions']):>9,}  accounts "
            f"{int(r['tainted_accounts']):>7,}  total {r['tainted_total']:>16,.2f}"
        )

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_tracing.json"
    out.write_text(
        json.dumps(
            {
                "rows": args.rows,
                "accounts": args.accounts,
                "seeds": args.seeds,
                "seed": args.seed,
                "ingest_seconds": ingest_seconds,
                "ingest_rows_per_second": ingest_rate,
                "rules": results,
                "trace_back_seconds": back_seconds,
                "trace_back_sources": len(back.sources),
                "peer": peer,
                "machine": platform.platform(),
                "python": platform.python_version(),
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
