"""The persistent ledger on SQLite: appends per second, proofs, recomputation, storage.

Builds the log to ``--size`` leaves (default 10^6) with ``repatria.ledger.log.append`` in
transactions of ``--batch`` leaves, on a SQLite file with the node's settings (WAL,
``synchronous=FULL``, ``BEGIN IMMEDIATE``), and in the same run the named peer: a plain
append-only table holding the same leaf bytes, no hashes and no proofs. Then it measures:

- append throughput, batched and one leaf per transaction (the per-transaction cost a use
  case pays), for both;
- inclusion and consistency proofs served from the stored hashes at the full size (one
  query each), and their verification;
- the full recomputation ``repatria ledger verify`` runs (every leaf rehashed, every stored
  hash compared), and the audit a checkpoint gets before it is signed (``ledger.audit``:
  the signed edge, the leaves since the last checkpoint, one sweep of old leaves);
- bytes on disk per entry, for both.

Leaves are real leaf records (``EventRecord.to_leaf``, about 150 bytes). Prints a table with
ratios against the peer and writes ``bench/results/ledger_log.json``.

    .venv/bin/python bench/bench_ledger_log.py                  # 10^6 leaves, a few minutes
    .venv/bin/python bench/bench_ledger_log.py --size 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from repatria.ledger import audit, log
from repatria.ledger.entry import EventRecord
from repatria.ledger.merkle import leaf_hash, verify_consistency, verify_leaf_hash_inclusion
from repatria.ledger.subtree import root_from
from repatria.store.db import make_engine, migrate
from repatria.store.ledger_tables import SqlLogStorage

RESULTS = Path(__file__).parent / "results"
PEER_TABLE = "plain_log"
NEW_SINCE_CHECKPOINT = 3
"""Leaves logged between two checkpoints when every receipt needs one (a received message
and what it opens: about three events; bench/bench_exchange.py counts them)."""


def _no_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """Leaves name events the benchmark never writes: no events table rows to point at."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _records(start: int, count: int) -> list[EventRecord]:
    return [
        EventRecord(
            "request.transitioned", i + 1, 1_790_000_000 + i, hashlib.sha256(b"%d" % i).digest()
        )
        for i in range(start, start + count)
    ]


def _ledger_append(engine: Engine, start: int, count: int, batch: int) -> float:
    began = time.perf_counter()
    for offset in range(start, start + count, batch):
        with Session(engine) as session, session.begin():
            log.append(SqlLogStorage(session), _records(offset, min(batch, start + count - offset)))
    return time.perf_counter() - began


def _peer_append(engine: Engine, start: int, count: int, batch: int) -> float:
    began = time.perf_counter()
    for offset in range(start, start + count, batch):
        rows = [
            {"id": offset + k, "data": r.to_leaf(offset + k)}
            for k, r in enumerate(_records(offset, min(batch, start + count - offset)))
        ]
        with engine.begin() as connection:
            connection.execute(
                text(f"INSERT INTO {PEER_TABLE} (id, data) VALUES (:id, :data)"), rows
            )
    return time.perf_counter() - began


ROUNDS = 50
"""Turns the ledger and the peer take: each appends a fiftieth, then the other, so a machine
that speeds up or slows down during the run (other work, a shared host) weighs on both
sides alike instead of on whichever ran at the time."""


def _side_by_side(
    ledger: Engine, peer: Engine, start: int, count: int, batch: int
) -> tuple[float, float]:
    """Seconds the ledger and the peer took to append the same ``count`` leaves from
    ``start``, ``batch`` per transaction, in alternating turns."""
    turn = max(batch, -(-count // ROUNDS) // batch * batch)
    spent_ledger = spent_peer = 0.0
    for offset in range(start, start + count, turn):
        size = min(turn, start + count - offset)
        spent_ledger += _ledger_append(ledger, offset, size, batch)
        spent_peer += _peer_append(peer, offset, size, batch)
    return spent_ledger, spent_peer


def _db_bytes(engine: Engine) -> int:
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN IMMEDIATE
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        size = cursor.execute("PRAGMA page_size").fetchone()[0]
    finally:
        raw.close()
    return int(pages) * int(size)


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def run(size: int, batch: int, singles: int, probes: int, workdir: Path) -> dict[str, Any]:
    ledger_engine = make_engine(f"sqlite:///{workdir / 'ledger.db'}")
    event.listen(ledger_engine, "connect", _no_foreign_keys)  # after the node's pragmas
    migrate(ledger_engine)
    peer_engine = make_engine(f"sqlite:///{workdir / 'peer.db'}")
    with peer_engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {PEER_TABLE} (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        )

    bulk = size - singles
    ledger_bulk, peer_bulk = _side_by_side(ledger_engine, peer_engine, 0, bulk, batch)
    ledger_single, peer_single = _side_by_side(ledger_engine, peer_engine, bulk, singles, 1)

    result: dict[str, Any] = {
        "size": size,
        "batch": batch,
        "appends_per_second": {
            "ledger_batched": bulk / ledger_bulk,
            "peer_batched": bulk / peer_bulk,
            "ledger_single": singles / ledger_single,
            "peer_single": singles / peer_single,
        },
    }
    with Session(ledger_engine) as session, session.begin():
        storage = SqlLogStorage(session)
        head = storage.read_head()
        assert head.size == size
        indices = [size * (k + 1) // (probes + 1) for k in range(probes)]
        olds = [max(1, size * (k + 1) // (probes + 2)) for k in range(probes)]
        incl, cons, vincl, vcons = [], [], [], []
        for index, old in zip(indices, olds, strict=True):
            began = time.perf_counter()
            proof = log.inclusion_proof(storage, index, size)
            incl.append(time.perf_counter() - began)
            [leaf] = storage.leaves(index, index + 1)
            began = time.perf_counter()
            verify_leaf_hash_inclusion(leaf_hash(leaf.data), index, size, proof, head.root)
            vincl.append(time.perf_counter() - began)
            began = time.perf_counter()
            cproof = log.consistency_proof(storage, old, size)
            cons.append(time.perf_counter() - began)
            old_root = root_from(storage, old)
            began = time.perf_counter()
            verify_consistency(old, size, cproof, old_root, head.root)
            vcons.append(time.perf_counter() - began)
        began = time.perf_counter()
        recomputed = log.recompute(storage, size, audit=True)
        recompute_seconds = time.perf_counter() - began
        assert recomputed.problems == [] and recomputed.root == head.root
    # The audit a checkpoint really gets (ledger/audit.py): from the checkpoint at ``size``,
    # NEW_SINCE_CHECKPOINT leaves appended since, and one sweep of old leaves.
    audits = []
    for round_ in range(probes):
        with Session(ledger_engine) as session, session.begin():
            storage = SqlLogStorage(session)
            base = storage.read_head()
            log.append(storage, _records(base.size, NEW_SINCE_CHECKPOINT))
        with Session(ledger_engine) as session, session.begin():
            storage = SqlLogStorage(session)
            head = storage.read_head()
            began = time.perf_counter()
            found = audit.audit_since(
                storage, audit.AuditBase(base.size, base.root), head, round_ * audit.SWEEP
            )
            audits.append(time.perf_counter() - began)
            assert found.problems == [] and found.root == head.root
    result["audit_before_signing_seconds"] = _median(audits)
    result["proof_seconds"] = {
        "inclusion": _median(incl),
        "consistency": _median(cons),
        "verify_inclusion": _median(vincl),
        "verify_consistency": _median(vcons),
    }
    result["recompute_before_signing_seconds"] = recompute_seconds
    result["audit_new_leaves"] = NEW_SINCE_CHECKPOINT
    ledger_bytes, peer_bytes = _db_bytes(ledger_engine), _db_bytes(peer_engine)
    result["bytes_per_entry"] = {"ledger": ledger_bytes / size, "peer": peer_bytes / size}
    ledger_engine.dispose()
    peer_engine.dispose()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="leaves per transaction")
    parser.add_argument("--singles", type=int, default=2000, help="one-leaf transactions")
    parser.add_argument("--probes", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        r = run(args.size, args.batch, args.singles, args.probes, Path(tmp))

    rate = r["appends_per_second"]
    proofs = r["proof_seconds"]
    print(f"Ledger log on SQLite (synchronous=FULL) at {r['size']:,} leaves; peer: plain table")
    print(f"{'measure':<42} {'ledger':>12} {'peer':>12} {'peer/ledger':>12}")
    rows = [
        (f"appends/s, {r['batch']} per transaction", rate["ledger_batched"], rate["peer_batched"]),
        ("appends/s, 1 per transaction", rate["ledger_single"], rate["peer_single"]),
        ("bytes on disk per entry", r["bytes_per_entry"]["ledger"], r["bytes_per_entry"]["peer"]),
    ]
    for name, ours, peer in rows:
        print(f"{name:<42} {ours:>12,.0f} {peer:>12,.0f} {peer / ours:>11.2f}x")
    for name in ("inclusion", "consistency"):
        print(
            f"{name + ' proof from stored hashes, ms':<42} {proofs[name] * 1e3:>12.2f} "
            f"{'(none)':>12}"
        )
        print(f"{'verify ' + name + ', µs':<42} {proofs['verify_' + name] * 1e6:>12.1f}")
    print(
        f"{'full recompute + audit (ledger verify), s':<42} "
        f"{r['recompute_before_signing_seconds']:>12.1f}"
    )
    print(
        f"{'audit before signing, ' + str(r['audit_new_leaves']) + ' new leaves, ms':<42} "
        f"{r['audit_before_signing_seconds'] * 1e3:>12.2f}"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "ledger_log.json"
    document = {
        "benchmark": "ledger_log",
        "peer": "plain append-only SQLite table of the same leaf bytes, no hashes, no proofs",
        "python": platform.python_version(),
        "result": r,
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
