"""The payments a trace followed, read back from the bank records it ran on.

A trace keeps amounts per payment and account, not when or between whom each
payment was made; a request's facts (UNCAC 46(15)(c)) and the period of records
sought need both. This reads those columns of the canonical records (CSV or
Parquet, as ``run_trace`` accepts them) for the payments the trace names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class TracedPayment:
    """One payment of the records, as written there (date as ``YYYY-MM-DD``)."""

    id: str
    date: str | None
    from_account: str | None
    to_account: str | None
    amount: str | None
    currency: str | None
    from_bank: str | None
    to_bank: str | None


_COLUMNS = ("id", "timestamp", "from_account", "to_account", "amount", "currency",
            "from_bank", "to_bank")  # fmt: skip


def traced_payments(path: Path, ids: Collection[str]) -> list[TracedPayment]:
    """The payments of ``ids`` in the records at ``path``, oldest first.

    Records that cannot be read this way (another layout) give an empty list:
    what is unknown stays unknown.
    """
    if not ids:
        return []
    import duckdb  # loaded here: commands that never trace do not pay for DuckDB

    source = "read_parquet(?)" if path.suffix.lower() == ".parquet" else (
        "read_csv(?, all_varchar = true, header = true)"
    )  # fmt: skip
    wanted = list(ids)
    marks = ", ".join("?" for _ in wanted)
    columns = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in _COLUMNS)
    query = f"SELECT {columns} FROM {source} WHERE CAST(id AS VARCHAR) IN ({marks})"  # nosec B608  # columns are _COLUMNS constants; the path and ids are bound parameters
    try:
        with duckdb.connect() as con:
            rows = con.execute(query, [str(path), *wanted]).fetchall()
    except duckdb.Error:
        return []
    found = [
        TracedPayment(
            id=str(r[0]),
            date=str(r[1]).strip()[:10] if r[1] else None,
            from_account=r[2],
            to_account=r[3],
            amount=r[4],
            currency=(r[5] or "").strip().upper() or None,
            from_bank=r[6],
            to_bank=r[7],
        )
        for r in rows
    ]
    return sorted(found, key=lambda p: (p.date or "", p.id))
