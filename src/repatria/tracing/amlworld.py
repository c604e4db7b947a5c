"""AMLworld (IBM AML, Altman et al. 2023) transaction files mapped to the canonical table.

AMLworld's ``HI-Small_Trans.csv`` (and its siblings ``HI-Medium``, ``LI-Small`` ...) has the
header ``Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,
Amount Paid,Payment Currency,Payment Format,Is Laundering``, timestamps like
``2022/09/01 00:20`` (minute resolution, no zone: read as UTC) and currencies named in words
(``US Dollar``, ``Euro`` ...). The mapping:

* ``id``: the data line number, 1-based (the file has no transaction id);
* ``from_account``/``to_account``: ``<bank>:<account>``. An account number is only unique
  within its bank, as in IBM's Multi-GNN preprocessing (``format_kaggle_files.py``) which also
  joins bank and account;
* ``amount``/``currency``: what the payer paid (``Amount Paid``, ``Payment Currency``) as
  ISO 4217; the received side is not kept, since the canonical table holds one amount;
* ``from_bank``/``to_bank``: the bank codes; no countries (AMLworld gives none);
* ``is_laundering``: ``Is Laundering`` = 1.

Rows whose paid amount is not above zero cannot enter the canonical table (amount > 0); they
are counted and left out, never silently.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pyarrow as pa

from repatria.errors import InvalidInput
from repatria.tracing.patterns import quote_relation

__all__ = ["CURRENCIES", "HEADER", "WorldLoad", "load_amlworld", "read_amlworld_rows"]

HEADER = (
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
)

CURRENCIES = {
    "US Dollar": "USD",
    "Euro": "EUR",
    "Yuan": "CNY",
    "Yen": "JPY",
    "UK Pound": "GBP",
    "Rupee": "INR",
    "Ruble": "RUB",
    "Swiss Franc": "CHF",
    "Australian Dollar": "AUD",
    "Canadian Dollar": "CAD",
    "Mexican Peso": "MXN",
    "Brazil Real": "BRL",
    "Saudi Riyal": "SAR",
    "Shekel": "ILS",
    "Bitcoin": "XBT",
}
"""AMLworld's currency names and their ISO 4217 codes. Bitcoin has none; ``XBT`` is the
code in common use (ISO 4217 reserves X-codes for non-national units)."""


@dataclass(frozen=True)
class WorldLoad:
    """How many rows became canonical transfers and how many were left out (amount <= 0)."""

    transactions: int
    laundering: int
    skipped_non_positive: int


_CENT = Decimal("0.01")


def read_amlworld_rows(lines: Iterable[str], *, where: str = "amlworld") -> tuple[pa.Table, int]:
    """Parse AMLworld CSV lines (header first) into a canonical Arrow table.

    Returns the table and the number of rows skipped for a non-positive amount. Raises
    :class:`InvalidInput` naming the line and field of the first malformed value.
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise InvalidInput(
            f"expected the AMLworld header {','.join(HEADER)}, found "
            f"{','.join(header) if header else 'an empty file'}",
            where=f"{where}:1",
        )
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "id",
            "ts",
            "from_account",
            "to_account",
            "amount",
            "currency",
            "from_bank",
            "to_bank",
            "from_country",
            "to_country",
            "is_laundering",
        )
    }
    skipped = 0
    for number, row in enumerate(reader, start=1):
        line = f"{where}:{number + 1}"
        if len(row) != len(HEADER):
            raise InvalidInput(f"expected {len(HEADER)} fields, found {len(row)}", where=line)
        stamp, from_bank, from_acct, to_bank, to_acct = (v.strip() for v in row[:5])
        try:
            ts = datetime.strptime(stamp, "%Y/%m/%d %H:%M").replace(tzinfo=UTC)
        except ValueError as exc:
            raise InvalidInput(
                f"expected a timestamp like 2022/09/01 00:20, found {stamp!r}", where=line
            ) from exc
        try:
            amount = Decimal(row[7].strip()).quantize(_CENT)
        except InvalidOperation as exc:
            raise InvalidInput(
                f"expected a decimal Amount Paid, found {row[7]!r}", where=line
            ) from exc
        currency = CURRENCIES.get(row[8].strip())
        if currency is None:
            raise InvalidInput(
                f"expected a Payment Currency among {', '.join(sorted(CURRENCIES))}, "
                f"found {row[8]!r}",
                where=line,
            )
        label = row[10].strip()
        if label not in ("0", "1"):
            raise InvalidInput(f"expected Is Laundering 0 or 1, found {label!r}", where=line)
        if amount <= 0:
            skipped += 1
            continue
        cols["id"].append(str(number))
        cols["ts"].append(ts)
        cols["from_account"].append(f"{from_bank}:{from_acct}")
        cols["to_account"].append(f"{to_bank}:{to_acct}")
        cols["amount"].append(amount)
        cols["currency"].append(currency)
        cols["from_bank"].append(from_bank)
        cols["to_bank"].append(to_bank)
        cols["from_country"].append(None)
        cols["to_country"].append(None)
        cols["is_laundering"].append(label == "1")
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("ts", pa.timestamp("us", "UTC")),
            ("from_account", pa.string()),
            ("to_account", pa.string()),
            ("amount", pa.decimal128(20, 2)),
            ("currency", pa.string()),
            ("from_bank", pa.string()),
            ("to_bank", pa.string()),
            ("from_country", pa.string()),
            ("to_country", pa.string()),
            ("is_laundering", pa.bool_()),
        ]
    )
    return pa.table(cols, schema=schema), skipped


def load_amlworld(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> WorldLoad:
    """Load an AMLworld ``*_Trans.csv`` file into the labelled canonical table ``name``."""
    table = quote_relation(name)
    with path.open(encoding="utf-8", newline="") as handle:
        data, skipped = read_amlworld_rows(handle, where=str(path))
    con.register("_amlworld_rows", data)
    try:
        con.execute(f"""
          CREATE OR REPLACE TABLE {table} AS
          SELECT id, CAST(timezone('UTC', ts) AS TIMESTAMP) AS ts, from_account, to_account,
            amount, currency, from_bank, to_bank, from_country, to_country, is_laundering
          FROM _amlworld_rows ORDER BY ts, CAST(id AS BIGINT)""")  # nosec B608  # table from quote_relation; the rest is fixed SQL
    finally:
        con.unregister("_amlworld_rows")
    return WorldLoad(
        transactions=data.num_rows,
        laundering=sum(1 for v in data.column("is_laundering").to_pylist() if v),
        skipped_non_positive=skipped,
    )
