"""Canonical JSON (RFC 8785) for everything that is signed, and the shared wire patterns.

Every signed document of the exchange (the directory, the signed content of a message, a
receipt) travels as RFC 8785 canonical JSON (``repatria.crypto.canonical``, shared with the
ledger's leaves) and is *required* to be canonical on arrival:
re-serialising the parsed value must give back the exact bytes. So one value has one byte
string, the message id (SHA-256 of those bytes) is a function of the value alone, and a
receiver never verifies a signature over something other than what it parsed.

Each wire object is declared once, as a strict pydantic dataclass (``repatria.exchange.wire``);
this module keeps the shared patterns and the one text form of a time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from repatria.crypto.canonical import MAX_DOCUMENT, canonical_json, parse_canonical
from repatria.errors import InvalidInput

NODE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$")
"""Node ids: lower-case letters, digits, '.' and '-', 1-64 characters, e.g. ``ng-moj``."""

MESSAGE_ID = re.compile(r"^[0-9a-f]{64}$")
"""Message ids and content hashes: 64 lower-case hex digits of a SHA-256."""

__all__ = [
    "MAX_DOCUMENT",
    "MESSAGE_ID",
    "NODE_ID",
    "canonical_json",
    "format_time",
    "parse_canonical",
    "parse_enum",
    "parse_time",
    "whole_seconds",
]

E = TypeVar("E", bound=StrEnum)

_TIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")  # \Z: no final newline


def parse_enum(cls: type[E], value: object, where: str) -> E:
    """Read a wire string into ``cls``; the refusal lists the accepted values."""
    if isinstance(value, str) and value in cls._value2member_map_:
        return cls(value)
    accepted = ", ".join(m.value for m in cls)
    raise InvalidInput(f"unknown value {value!r}; accepted: {accepted}", where=where)


def format_time(moment: datetime) -> str:
    """UTC, whole seconds, ``YYYY-MM-DDTHH:MM:SSZ`` (RFC 3339 §5.6): one text per instant."""
    if moment.tzinfo is None:
        raise InvalidInput("time has no time zone; use an aware UTC datetime", where="time")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, *, where: str) -> datetime:
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidInput(
            f"expected a UTC time like 2025-01-31T09:00:00Z, found {value!r}", where=where
        )
    try:  # the pattern fixed the layout; fromisoformat (C) checks the calendar
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date and time", where=where) from None


def whole_seconds(moment: datetime) -> datetime:
    """Drop sub-second precision, so a time survives ``format_time``/``parse_time`` unchanged."""
    return parse_time(format_time(moment), where="time")
