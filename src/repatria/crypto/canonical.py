"""The one canonical JSON of repatria (RFC 8785, JCS) for everything that is hashed or signed.

Ledger leaves and event commitments (``ledger.entry``), and every signed document of the
exchange (directory, message content, receipts) use these two functions, so one value has
one byte string wherever it is hashed. It sits in the foundation layer so the ledger core
and the exchange core share it without the ledger importing the exchange.

``parse_canonical`` is the strict reader: UTF-8, no duplicate keys, no NaN/Infinity
(I-JSON, RFC 7493 §2), at most ``MAX_DOCUMENT`` bytes, and the bytes must be exactly the
RFC 8785 form of what they parse to, so a receiver never verifies a signature over
something other than what it parsed.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from repatria.errors import InvalidInput

MAX_DOCUMENT = 8 * 1024 * 1024
"""Largest JSON document read (bytes): bounds memory before anything is verified."""


def canonical_json(value: Any, *, where: str = "document") -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON (sorted keys, no spaces, JCS numbers)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"value has no RFC 8785 canonical form: {exc}", where=where) from None


def parse_canonical(data: bytes | str, *, where: str) -> dict[str, Any]:
    """Parse a JSON object that must be UTF-8, duplicate-free and RFC 8785 canonical."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_DOCUMENT:
        raise InvalidInput(
            f"document has {len(raw)} bytes, at most {MAX_DOCUMENT} accepted", where=where
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not valid UTF-8 at byte {exc.start}", where=where) from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", where=where
        ) from None
    except ValueError as exc:
        raise InvalidInput(str(exc), where=where) from None
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a JSON object, found {type(value).__name__}", where=where)
    if canonical_json(value, where=where) != raw:
        raise InvalidInput("JSON is not in RFC 8785 canonical form", where=where)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {key!r}")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
