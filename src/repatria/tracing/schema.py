"""The canonical transaction table: the one contract every tracing module reads.

Every input format (canonical CSV, AMLworld CSV, camt.053, MT940, FtM ``Payment``) is turned
into this table before any analysis runs, so the tracing rules and the pattern detectors see
one shape whatever the bank sent. The table lives as Parquet on disk and as a DuckDB relation
or view whose name the caller chooses.

Columns (all timestamps are UTC, all amounts are positive decimals with two places):

========================  =====================  ===========================================
column                    type                   meaning
========================  =====================  ===========================================
``id``                    VARCHAR NOT NULL       unique transaction id within the table
``ts``                    TIMESTAMP NOT NULL     booking time, UTC, no zone
``from_account``          VARCHAR NOT NULL       payer account (IBAN or the bank's own id)
``to_account``            VARCHAR NOT NULL       payee account
``amount``                DECIMAL(20,2) NOT NULL strictly positive, in ``currency``
``currency``              VARCHAR NOT NULL       ISO 4217 alphabetic code
``from_bank``             VARCHAR                payer's bank (BIC or name), nullable
``to_bank``               VARCHAR                payee's bank, nullable
``from_country``          VARCHAR                ISO 3166-1 alpha-2 of the payer account
``to_country``            VARCHAR                ISO 3166-1 alpha-2 of the payee account
``is_laundering``         BOOLEAN                optional label (synthetic data only)
========================  =====================  ===========================================

The order of analysis is always ``ORDER BY ts, id`` so that results do not depend on the
order of rows in a file.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from repatria.errors import InvalidInput

__all__ = [
    "AMOUNT_TYPE",
    "COLUMNS",
    "LABEL_COLUMN",
    "Column",
    "check_table",
    "column_names",
    "create_table",
    "create_table_sql",
    "select_canonical_sql",
]

AMOUNT_TYPE = "DECIMAL(20,2)"
"""Twenty digits with two after the point: enough for any balance, exact to the cent."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the canonical table."""

    name: str
    sql_type: str
    nullable: bool
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("id", "VARCHAR", False, "unique transaction id"),
    Column("ts", "TIMESTAMP", False, "booking time, UTC"),
    Column("from_account", "VARCHAR", False, "payer account"),
    Column("to_account", "VARCHAR", False, "payee account"),
    Column("amount", AMOUNT_TYPE, False, "amount, strictly positive"),
    Column("currency", "VARCHAR", False, "ISO 4217 alphabetic code"),
    Column("from_bank", "VARCHAR", True, "payer's bank"),
    Column("to_bank", "VARCHAR", True, "payee's bank"),
    Column("from_country", "VARCHAR", True, "ISO 3166-1 alpha-2 of the payer account"),
    Column("to_country", "VARCHAR", True, "ISO 3166-1 alpha-2 of the payee account"),
)
"""The required columns, in the order they are written."""

LABEL_COLUMN = Column("is_laundering", "BOOLEAN", True, "laundering label (synthetic data)")
"""The optional label column, present only in labelled (synthetic) data."""


def column_names(*, labelled: bool = False) -> list[str]:
    """The column names in canonical order, with ``is_laundering`` last when ``labelled``."""
    names = [c.name for c in COLUMNS]
    if labelled:
        names.append(LABEL_COLUMN.name)
    return names


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(name: str, *, labelled: bool = False) -> str:
    """The DDL of the canonical table under ``name`` (amount > 0, id unique)."""
    cols = list(COLUMNS) + ([LABEL_COLUMN] if labelled else [])
    parts = []
    for c in cols:
        extra = "" if c.nullable else " NOT NULL"
        if c.name == "id":
            extra += " UNIQUE"
        if c.name == "amount":
            extra += " CHECK (amount > 0)"
        parts.append(f"    {c.name} {c.sql_type}{extra}")
    body = ",\n".join(parts)
    return f"CREATE TABLE {_quote(name)} (\n{body}\n)"


def create_table(con: duckdb.DuckDBPyConnection, name: str, *, labelled: bool = False) -> None:
    """Create an empty canonical table called ``name`` on ``con``."""
    con.execute(create_table_sql(name, labelled=labelled))


def select_canonical_sql(source: str, *, labelled: bool = False) -> str:
    """A SELECT that casts ``source`` (a relation name or a parenthesised query) to the schema.

    Useful to read Parquet or CSV written by someone else into exactly the canonical types.
    """
    cols = list(COLUMNS) + ([LABEL_COLUMN] if labelled else [])
    casts = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in cols)
    return f"SELECT {casts} FROM {source}"  # nosec B608  # source is the caller's relation or subquery by design; columns are constants


def check_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Check that relation ``name`` has the canonical columns and types.

    Returns whether the optional ``is_laundering`` column is present. Raises
    :class:`InvalidInput` naming the missing or mistyped columns.
    """
    try:
        rel = con.sql(f"SELECT * FROM {_quote(name)} LIMIT 0")  # nosec B608  # the name is quoted by _quote, which doubles any quote in it
    except duckdb.Error as exc:
        raise InvalidInput(f"no relation named {name!r}: {exc}", where=name) from exc
    found = {col: str(typ) for col, typ in zip(rel.columns, rel.types, strict=True)}
    problems = []
    for c in COLUMNS:
        if c.name not in found:
            problems.append(f"missing column {c.name} ({c.sql_type})")
        elif found[c.name].upper() != c.sql_type.upper():
            problems.append(f"column {c.name} is {found[c.name]}, expected {c.sql_type}")
    labelled = LABEL_COLUMN.name in found
    if labelled and found[LABEL_COLUMN.name].upper() != "BOOLEAN":
        problems.append(f"column is_laundering is {found[LABEL_COLUMN.name]}, expected BOOLEAN")
    if problems:
        raise InvalidInput("not a canonical transaction table: " + "; ".join(problems), where=name)
    return labelled
