"""Canonical JSON (RFC 8785) for everything that is signed, and strict reading of wire objects.

Every signed document of the exchange (the directory, the signed content of a message, a
receipt) travels as RFC 8785 canonical JSON (``repatria.crypto.canonical``, shared with the
ledger's leaves) and is *required* to be canonical on arrival:
re-serialising the parsed value must give back the exact bytes. So one value has one byte
string, the message id (SHA-256 of those bytes) is a function of the value alone, and a
receiver never verifies a signature over something other than what it parsed.

``WireObject`` reads one JSON object field by field. Unknown and missing fields are refused,
and every refusal is an ``InvalidInput`` whose ``where`` is the dotted path of the field
(style.md principle 5: parse at the boundary, each malformed part with its own message).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from repatria.crypto.canonical import MAX_DOCUMENT, canonical_json, parse_canonical
from repatria.errors import InvalidInput
from repatria.ledger.note import decode_base64

NODE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$")
"""Node ids: lower-case letters, digits, '.' and '-', 1-64 characters, e.g. ``ng-moj``."""

MESSAGE_ID = re.compile(r"^[0-9a-f]{64}$")
"""Message ids and content hashes: 64 lower-case hex digits of a SHA-256."""

__all__ = [
    "MAX_DOCUMENT",
    "MESSAGE_ID",
    "NODE_ID",
    "WireObject",
    "canonical_json",
    "format_time",
    "parse_canonical",
    "parse_enum",
    "parse_time",
    "whole_seconds",
]

E = TypeVar("E", bound=StrEnum)

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def parse_enum(cls: type[E], value: object, where: str) -> E:
    """Read a wire string into ``cls``; the refusal lists the accepted values."""
    if isinstance(value, str) and value in {m.value for m in cls}:
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
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date and time", where=where) from None


def whole_seconds(moment: datetime) -> datetime:
    """Drop sub-second precision, so a time survives ``format_time``/``parse_time`` unchanged."""
    return parse_time(format_time(moment), where="time")


class WireObject:
    """One JSON object read strictly: exactly the expected fields, each of the expected type."""

    def __init__(
        self,
        value: object,
        where: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        if not isinstance(value, dict):
            raise InvalidInput(f"expected a JSON object, found {type(value).__name__}", where=where)
        req, opt = set(required), set(optional)
        missing = sorted(req - set(value))
        if missing:
            raise InvalidInput(f"missing field(s): {', '.join(missing)}", where=where)
        unknown = sorted(set(value) - req - opt)
        if unknown:
            accepted = ", ".join(sorted(req | opt))
            raise InvalidInput(
                f"unknown field(s): {', '.join(unknown)}; accepted: {accepted}", where=where
            )
        self.value: dict[str, Any] = value
        self.where = where

    def at(self, name: str) -> str:
        return f"{self.where}.{name}"

    def has(self, name: str) -> bool:
        return self.value.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.value.get(name)

    def text(
        self, name: str, *, max_length: int = 200, pattern: re.Pattern[str] | None = None
    ) -> str:
        value = self.value.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"expected non-empty text, found {value!r}", where=self.at(name))
        if len(value) > max_length:
            raise InvalidInput(
                f"text has {len(value)} characters, at most {max_length}", where=self.at(name)
            )
        if pattern is not None and not pattern.match(value):
            raise InvalidInput(f"{value!r} does not match {pattern.pattern}", where=self.at(name))
        return value

    def optional_text(
        self, name: str, *, max_length: int = 200, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        if self.value.get(name) is None:
            return None
        return self.text(name, max_length=max_length, pattern=pattern)

    def integer(self, name: str, *, minimum: int = 0, maximum: int = (1 << 53) - 1) -> int:
        value = self.value.get(name)
        if type(value) is not int or not minimum <= value <= maximum:
            raise InvalidInput(
                f"expected an integer in {minimum}..{maximum}, found {value!r}",
                where=self.at(name),
            )
        return value

    def boolean(self, name: str) -> bool:
        value = self.value.get(name)
        if type(value) is not bool:
            raise InvalidInput(f"expected true or false, found {value!r}", where=self.at(name))
        return value

    def time(self, name: str) -> datetime:
        return parse_time(self.value.get(name), where=self.at(name))

    def optional_time(self, name: str) -> datetime | None:
        return None if self.value.get(name) is None else self.time(name)

    def base64(self, name: str, *, size: int | None = None) -> bytes:
        value = self.value.get(name)
        if not isinstance(value, str):
            raise InvalidInput(f"expected base64 text, found {value!r}", where=self.at(name))
        raw = decode_base64(value, where=self.at(name))
        if size is not None and len(raw) != size:
            raise InvalidInput(f"decodes to {len(raw)} bytes, want {size}", where=self.at(name))
        return raw

    def list(self, name: str, *, max_items: int = 1000) -> list[Any]:
        value = self.value.get(name)
        if not isinstance(value, list):
            raise InvalidInput(f"expected a list, found {value!r}", where=self.at(name))
        if len(value) > max_items:
            raise InvalidInput(
                f"list has {len(value)} items, at most {max_items}", where=self.at(name)
            )
        return value

    def texts(self, name: str, *, max_items: int = 100, max_length: int = 2000) -> tuple[str, ...]:
        found = []
        for i, item in enumerate(self.list(name, max_items=max_items)):
            if not isinstance(item, str) or not item.strip() or len(item) > max_length:
                raise InvalidInput(
                    f"expected non-empty text of at most {max_length} characters, found {item!r}",
                    where=f"{self.at(name)}[{i}]",
                )
            found.append(item)
        return tuple(found)

    def object(
        self, name: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> WireObject:
        return WireObject(self.value.get(name), self.at(name), required, optional)
