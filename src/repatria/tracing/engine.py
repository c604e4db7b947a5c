"""The one small interface through which tracing reads its data.

Tracing has two kinds of step (see ``docs/tracing.md``):

* **set-based** steps (an account dictionary, amounts in cents, where each account sits,
  which seed ids exist, which accounts can reach an account): plain SQL over the canonical
  table, which any SQL engine can run and a cluster can partition by account;
* one **sequential** step: the pools of every account replayed in ``ORDER BY ts, id``. The
  rules courts use (Clayton's case, Re Hallett's Estate) are defined by the order of deposits
  and withdrawals, so this step reads ordered batches and cannot be reordered.

:class:`TransactionSource` names exactly those two capabilities: ``sql(query)`` for the
set-based steps and ``ordered_batches()`` for the sequential one. :class:`DuckDBSource` is
the embedded backend; a Spark backend implements the same two methods (a later issue).
:class:`MemorySource` holds rows in Python, for tests and small hand-made cases.

Queries given to ``sql`` name the canonical table ``transactions`` (DuckDB: a CTE over the
caller's relation; Spark: a temporary view).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import duckdb

from repatria.errors import InvalidInput
from repatria.tracing.schema import COLUMNS, check_table, create_table

__all__ = [
    "CodedBatch",
    "DuckDBSource",
    "MemorySource",
    "Row",
    "TransactionSource",
    "open_source",
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class CodedBatch:
    """A run of transactions in ``ts, id`` order, with accounts as dense integer codes.

    ``src``/``dst`` index the account list the source returns from ``accounts()``;
    ``cents`` is the amount in integer minor units (two decimals), so no cent is ever lost.
    """

    ids: list[str]
    src: list[int]
    dst: list[int]
    cents: list[int]


@runtime_checkable
class TransactionSource(Protocol):
    """What the tracing engine needs from a data backend."""

    def sql(
        self, query: str, lists: Mapping[str, Sequence[str]] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a set-based query over the relation ``transactions`` and return its rows.

        Each entry of ``lists`` is visible to the query as a relation of that name with one
        text column ``value`` (seed ids, account names): a join, not a long literal.
        """
        ...

    def accounts(self) -> list[str]:
        """Every account that occurs, in a stable order; codes in batches index this list."""
        ...

    def ordered_batches(self, batch_size: int = 262_144) -> Iterator[CodedBatch]:
        """All transactions in ``ORDER BY ts, id``, coded, in batches."""
        ...


_ACCOUNTS_SQL = """
SELECT account FROM (
    SELECT from_account AS account FROM transactions
    UNION SELECT to_account FROM transactions
) ORDER BY account
"""


def _plain_identifier(relation: str) -> None:
    """Refuse a relation name that is not a plain identifier: it is written into SQL."""
    if not _IDENT.match(relation):
        raise InvalidInput(
            f"relation name {relation!r} must be a plain SQL identifier "
            "(letters, digits, underscore)",
            where="relation",
        )


class DuckDBSource:
    """The canonical table as a DuckDB relation (a table, a view or Parquet files)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, relation: str = "transactions") -> None:
        _plain_identifier(relation)
        check_table(con, relation)
        self.con = con
        self.relation = relation
        self._accounts: list[str] | None = None

    @classmethod
    def from_parquet(cls, path: str | Path, relation: str = "transactions") -> DuckDBSource:
        """Open canonical Parquet file(s) as a view on a fresh in-memory connection."""
        p = Path(path)
        if not p.exists():
            raise InvalidInput(f"no Parquet file at {str(p)!r}", where="path")
        _plain_identifier(relation)  # before it is written into SQL, not after
        con = duckdb.connect()
        con.execute("SET python_enable_replacements = false")
        literal = str(p).replace("'", "''")
        con.execute(f"CREATE VIEW {relation} AS SELECT * FROM read_parquet('{literal}')")  # nosec B608  # relation checked by _plain_identifier first; the path is an escaped literal
        return cls(con, relation)

    def _wrap(self, query: str) -> str:
        head = f'WITH transactions AS (SELECT * FROM "{self.relation}")'  # nosec B608  # relation checked by _plain_identifier; the query is the caller's own SQL by design
        body = query.strip()
        if body[:5].upper() == "WITH ":
            return f"{head}, {body[5:]}"
        return f"{head} {body}"

    def sql(
        self, query: str, lists: Mapping[str, Sequence[str]] | None = None
    ) -> list[tuple[Any, ...]]:
        import pyarrow as pa

        # Lists go in as Arrow tables: DuckDB binds a long Python list parameter one value
        # at a time, which costs seconds for 100,000 account names.
        names = list(lists or {})
        for name in names:
            if not _IDENT.match(name):
                raise InvalidInput(f"list name {name!r} is not an identifier", where="lists")
            values = list((lists or {})[name])
            self.con.register(name, pa.table({"value": pa.array(values, pa.string())}))
        try:
            return self.con.execute(self._wrap(query)).fetchall()
        finally:
            for name in names:
                self.con.unregister(name)

    def accounts(self) -> list[str]:
        if self._accounts is None:
            self._accounts = [r[0] for r in self.sql(_ACCOUNTS_SQL)]
        return self._accounts

    def ordered_batches(self, batch_size: int = 262_144) -> Iterator[CodedBatch]:
        self.accounts()
        # The account dictionary is a set-based step; the join and the cents are too.
        query = self._wrap(
            """WITH codes AS (
                SELECT account, (row_number() OVER (ORDER BY account) - 1)::BIGINT AS code
                FROM (SELECT from_account AS account FROM transactions
                      UNION SELECT to_account FROM transactions)
            )
            SELECT t.id, f.code, d.code, CAST(t.amount * 100 AS BIGINT)
            FROM transactions t
            JOIN codes f ON f.account = t.from_account
            JOIN codes d ON d.account = t.to_account
            ORDER BY t.ts, t.id"""
        )
        reader = self.con.execute(query).to_arrow_reader(batch_size)
        for batch in reader:
            cols = batch.columns
            yield CodedBatch(
                ids=cols[0].to_pylist(),
                src=cols[1].to_pylist(),
                dst=cols[2].to_pylist(),
                cents=cols[3].to_pylist(),
            )


@dataclass(frozen=True, slots=True)
class Row:
    """One canonical transaction held in memory (see ``schema.COLUMNS``)."""

    id: str
    ts: datetime
    from_account: str
    to_account: str
    amount: Decimal
    currency: str = "EUR"
    from_bank: str | None = None
    to_bank: str | None = None
    from_country: str | None = None
    to_country: str | None = None


class MemorySource:
    """Rows in Python memory behind the same interface; ``sql`` runs on a DuckDB copy."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = list(rows)
        self._duck: DuckDBSource | None = None
        self._accounts = sorted(
            {r.from_account for r in self.rows} | {r.to_account for r in self.rows}
        )

    def _duckdb(self) -> DuckDBSource:
        if self._duck is None:
            import pyarrow as pa

            con = duckdb.connect()
            con.execute("SET python_enable_replacements = false")
            create_table(con, "transactions")
            data = {
                c.name: [getattr(r, c.name) for r in self.rows]
                for c in COLUMNS
                if c.name != "amount"
            }
            data["amount"] = [str(r.amount) for r in self.rows]
            con.register("memory_rows", pa.table(data))
            names = ", ".join(c.name for c in COLUMNS)
            con.execute(f"INSERT INTO transactions SELECT {names} FROM memory_rows")  # nosec B608  # column names are the schema's COLUMNS constants
            con.unregister("memory_rows")
            self._duck = DuckDBSource(con, "transactions")
        return self._duck

    def sql(
        self, query: str, lists: Mapping[str, Sequence[str]] | None = None
    ) -> list[tuple[Any, ...]]:
        return self._duckdb().sql(query, lists)

    def accounts(self) -> list[str]:
        return self._accounts

    def ordered_batches(self, batch_size: int = 262_144) -> Iterator[CodedBatch]:
        code = {a: i for i, a in enumerate(self._accounts)}
        ordered = sorted(self.rows, key=lambda r: (r.ts, r.id))
        for start in range(0, len(ordered), batch_size):
            chunk = ordered[start : start + batch_size]
            yield CodedBatch(
                ids=[r.id for r in chunk],
                src=[code[r.from_account] for r in chunk],
                dst=[code[r.to_account] for r in chunk],
                cents=[_cents(r.amount, r.id) for r in chunk],
            )


def _cents(amount: Decimal, where: str) -> int:
    scaled = amount * 100
    if scaled != scaled.to_integral_value() or scaled <= 0:
        raise InvalidInput(
            f"amount {amount} must be positive with at most two decimals", where=where
        )
    return int(scaled)


def open_source(
    data: duckdb.DuckDBPyConnection | TransactionSource | str | Path,
    relation: str = "transactions",
) -> TransactionSource:
    """A source from a connection (and relation name), a source, or a Parquet path."""
    if isinstance(data, duckdb.DuckDBPyConnection):
        return DuckDBSource(data, relation)
    if isinstance(data, str | Path):
        return DuckDBSource.from_parquet(data, relation)
    return data
