"""The one canonical JSON of repatria (RFC 8785, JCS) for everything that is hashed or signed.

Ledger leaves and event commitments (``ledger.entry``), and every signed document of the
exchange (directory, message content, receipts) use these two functions, so one value has
one byte string wherever it is hashed. It sits in the foundation layer so the ledger core
and the exchange core share it without the ledger importing the exchange.

``parse_canonical`` is the strict reader: UTF-8, no duplicate keys, no NaN/Infinity
(I-JSON, RFC 7493 §2), at most ``MAX_DOCUMENT`` bytes, and the bytes must be exactly the
RFC 8785 form of what they parse to, so a receiver never verifies a signature over
something other than what it parsed.

Serialising goes through the standard library's C encoder when the value lies where that
encoder already writes RFC 8785 bytes (``_stdlib_writes_jcs``), and through ``rfc8785``
otherwise: the library stays the reference and the judge of everything outside that
domain (floats, large integers, keys outside ASCII, subclasses), and a property test holds
the two equal inside it. It is the same bytes at about a tenth of the cost, and a receive
serialises every document it checks or signs.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from repatria.errors import InvalidInput

MAX_DOCUMENT = 8 * 1024 * 1024
"""Largest JSON document read (bytes): bounds memory before anything is verified."""

SAFE_INTEGER = 2**53 - 1
"""RFC 8785 §3.2.2.3 writes numbers as IEEE 754 doubles: integers beyond this lose digits
(``rfc8785`` refuses them), so the fast path leaves them to the library."""

MAX_FAST_NODES = 1_000_000
"""Values with more members than this go to ``rfc8785`` (bounds the domain check)."""

_STDLIB_JSON = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
).encode


def canonical_json(value: Any, *, where: str = "document") -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON (sorted keys, no spaces, JCS numbers)."""
    if _stdlib_writes_jcs(value):
        try:
            return _STDLIB_JSON(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 names the error below
            pass
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


def _stdlib_writes_jcs(value: Any) -> bool:
    """Whether ``json``'s encoder (no spaces, sorted keys, UTF-8) writes ``value`` exactly as
    RFC 8785 does: members of the exact types ``dict`` (ASCII ``str`` keys), ``list``,
    ``str``, ``bool``, ``None`` and ``int`` within ``SAFE_INTEGER``.

    Inside it the two agree: strings escape the same way (``"``, ``\\``, the five short
    escapes and ``\\u00xx`` in lower case for other controls, nothing else; §3.2.2.2),
    integers are plain decimals (§3.2.2.3), and ASCII keys sort the same by code point as by
    UTF-16 unit (§3.2.3). Outside it (floats with their ES6 form, keys whose UTF-16 order
    may differ, ``str`` or ``int`` subclasses, tuples) ``rfc8785`` decides.
    """
    stack = [value]
    seen = 0
    while stack:
        seen += 1
        if seen > MAX_FAST_NODES:
            return False
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -SAFE_INTEGER <= item <= SAFE_INTEGER:
                continue
            return False
        if kind is dict:
            for key in item:
                if type(key) is not str or not key.isascii():
                    return False
            stack.extend(item.values())
            continue
        if kind is list:
            stack.extend(item)
            continue
        return False
    return True


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {key!r}")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
