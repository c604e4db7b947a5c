"""The TransactionSource interface: DuckDB and in-memory backends give the same steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from repatria.errors import InvalidInput
from repatria.tracing.engine import (
    DuckDBSource,
    MemorySource,
    Row,
    TransactionSource,
    open_source,
)
from repatria.tracing.schema import check_table, create_table, create_table_sql

T0 = datetime(2024, 1, 1)
ROWS = [
    Row("b", T0 + timedelta(days=1), "x", "y", Decimal("10.05")),
    Row("a", T0 + timedelta(days=1), "y", "z", Decimal("0.01")),
    Row("c", T0, "z", "x", Decimal("123456789.99")),
]


def duck() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_table(con, "tx")
    con.executemany(
        "INSERT INTO tx VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
        [[r.id, r.ts, r.from_account, r.to_account, r.amount, r.currency] for r in ROWS],
    )
    return con


def flat(source: TransactionSource) -> list[tuple[str, str, str, int]]:
    accounts = source.accounts()
    out = []
    for batch in source.ordered_batches(batch_size=2):
        for tid, s, d, c in zip(batch.ids, batch.src, batch.dst, batch.cents, strict=True):
            out.append((tid, accounts[s], accounts[d], c))
    return out


def test_both_backends_give_the_same_ordered_coded_batches() -> None:
    expected = [("c", "z", "x", 12345678999), ("a", "y", "z", 1), ("b", "x", "y", 1005)]
    assert flat(DuckDBSource(duck(), "tx")) == expected
    assert flat(MemorySource(ROWS)) == expected


def test_sql_sees_the_table_as_transactions_and_lists_as_relations() -> None:
    for source in (DuckDBSource(duck(), "tx"), MemorySource(ROWS)):
        assert isinstance(source, TransactionSource)
        rows = source.sql(
            "SELECT id FROM transactions WHERE id IN (SELECT value FROM wanted) ORDER BY id",
            {"wanted": ["a", "c", "zz"]},
        )
        assert rows == [("a",), ("c",)]
        with_cte = source.sql("WITH n AS (SELECT count(*) AS k FROM transactions) SELECT k FROM n")
        assert with_cte == [(3,)]


def test_relation_names_and_shapes_are_checked() -> None:
    con = duck()
    with pytest.raises(InvalidInput, match="identifier"):
        DuckDBSource(con, "tx; DROP TABLE tx")
    con.execute("CREATE TABLE wrong AS SELECT 1 AS id")
    with pytest.raises(InvalidInput, match="missing column ts"):
        DuckDBSource(con, "wrong")
    with pytest.raises(InvalidInput, match="no relation"):
        check_table(con, "absent")
    assert "amount DECIMAL(20,2) NOT NULL CHECK (amount > 0)" in create_table_sql("t")


def test_schema_constraints_refuse_bad_rows() -> None:
    con = duck()
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "INSERT INTO tx VALUES ('a', now()::TIMESTAMP, 'p', 'q', 1, 'EUR', NULL, NULL, NULL, NULL)"
        )
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "INSERT INTO tx VALUES ('n', now()::TIMESTAMP, 'p', 'q', 0, 'EUR', NULL, NULL, NULL, NULL)"
        )


def test_open_source_takes_a_connection_a_source_or_a_parquet_path(tmp_path: Path) -> None:
    con = duck()
    path = tmp_path / "tx.parquet"
    con.execute(f"COPY tx TO '{path}' (FORMAT parquet)")
    memory = MemorySource(ROWS)
    assert open_source(memory) is memory
    assert flat(open_source(con, "tx")) == flat(open_source(path)) == flat(memory)
    with pytest.raises(InvalidInput, match="no Parquet file"):
        open_source(tmp_path / "missing.parquet")


def test_memory_rows_must_be_whole_cents() -> None:
    bad = MemorySource([Row("x", T0, "a", "b", Decimal("1.001"))])
    with pytest.raises(InvalidInput, match="two decimals"):
        list(bad.ordered_batches())


def test_a_parquet_view_name_is_refused_before_any_sql_runs(tmp_path: Path) -> None:
    # Found by bandit B608 (R23): the name went into CREATE VIEW before it was checked, so a
    # name carrying a second statement ran it (here: a COPY writing a file).
    con = duck()
    path = tmp_path / "tx.parquet"
    con.execute(f"COPY tx TO '{path}' (FORMAT parquet)")
    planted = tmp_path / "planted.csv"
    hostile = f"v AS SELECT 1; COPY (SELECT 42) TO '{planted}'; CREATE VIEW w"
    with pytest.raises(InvalidInput, match="identifier") as refused:
        DuckDBSource.from_parquet(path, hostile)
    assert refused.value.where == "relation"
    assert not planted.exists()
