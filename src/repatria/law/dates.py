"""Dates on which the law is asked: parsing at the boundary.

A legal basis is judged on a date because a treaty binds a state only from its
entry into force for that state (Vienna Convention on the Law of Treaties 1969,
Art. 24(3) and Art. 28: no retroactive effect). Callers pass ISO 8601 calendar
dates; anything else is refused with the accepted form named.
"""

from __future__ import annotations

from datetime import date, datetime

from repatria.errors import InvalidInput


def parse_date(value: object, *, where: str = "date") -> date:
    """Return the calendar date for ``value`` (a ``date`` or ``YYYY-MM-DD`` text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
    raise InvalidInput(
        f"expected an ISO 8601 calendar date YYYY-MM-DD (e.g. 2024-05-01), found {value!r}",
        where=where,
    )


def parse_optional_date(value: str, *, where: str) -> date | None:
    """Parse a date cell from a data file, where an empty cell means "not known"."""
    if not value.strip():
        return None
    return parse_date(value, where=where)
