"""Parsers from bank and investigation formats to raw canonical records.

Each parser returns a list of records (``dict`` of text values keyed by the canonical CSV
column names, plus ``_row``, the record's position in the source) for
``ingest.ingest_records``, which applies the same checks as for CSV. Parsers do not
validate amounts, dates or codes themselves: they pass the text on, so that a bad value is
reported once, in one place, with its row.
"""

from __future__ import annotations

__all__ = ["unknown_counterparty"]


def unknown_counterparty(account: str) -> str:
    """The stand-in account for a counterparty the statement does not identify.

    One per statement account, so that tracing still sees the money leave (or arrive) and
    an analyst sees at once which account's statement left the other side unnamed.
    """
    return f"unknown counterparty of {account}"
