"""Declarative wire objects: a strict pydantic reading of each signed or exchanged document.

Each wire object is a frozen pydantic dataclass
(``@dataclass(frozen=True, slots=True, config=WIRE_CONFIG)``): its fields, their types
and the ``Annotated`` constraints below are the whole format; there is no hand-written
reader. ``read_wire`` reads one parsed JSON object (``parse_canonical``) strictly (JSON
types only: no number where text is due, no unknown or missing field, extra="forbid") and
turns pydantic's first error into an ``InvalidInput`` whose ``where`` is the dotted path of
the bad field (``message.payload.attachments[0].sha256``), as every refusal of the exchange
has always named it (style.md principle 5). ``to_wire`` gives the JSON value back and
``canonical_bytes`` its RFC 8785 bytes (``repatria.crypto.canonical``, shared with the
ledger), so parsing a document and writing it again gives the same bytes.

Python callers construct wire objects as plain dataclasses, positionally or by name; that
path checks the types, while the format's rules (patterns, ranges, cross-field rules) bind
what arrives through ``read_wire`` (``on_the_wire``), since a node's own values come from
input checked where it was entered.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)
from pydantic.dataclasses import dataclass
from pydantic_core import ErrorDetails, PydanticCustomError

from repatria.crypto.canonical import canonical_json
from repatria.errors import InvalidInput
from repatria.exchange.canonical import format_time, parse_time
from repatria.ledger.note import decode_base64

T = TypeVar("T")

WIRE_CONFIG = ConfigDict(
    extra="forbid",
    revalidate_instances="never",
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
)
"""Unknown fields are refused. Scalars are declared strict (``StrictStr``, ``StrictBool``,
``StrictInt``: no ``"1"`` for 1, no 1 for true); containers and enums take their JSON form
(a list for a tuple or a set, a string for an enum), which is all parsed JSON can hold.
A field whose wire name differs (``"id"`` for ``node_id``) has it as its alias: Python
callers use the field's name, the wire only the alias (``read_wire`` reads by alias)."""

MAX_SAFE_INTEGER = (1 << 53) - 1
"""Largest integer JSON carries exactly (I-JSON, RFC 7493 §2.2)."""

_ON_THE_WIRE = {"wire": True}
"""Validation context of ``read_wire``: the rules of the format apply (see ``on_the_wire``)."""

_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return found


def read_wire(cls: type[T], value: object, where: str) -> T:
    """Read the JSON value ``value`` as ``cls``, strictly; refusals name the bad field."""
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a JSON object, found {type(value).__name__}", where=where)
    try:
        parsed: T = _adapter(cls).validate_python(
            value, context=_ON_THE_WIRE, by_alias=True, by_name=False
        )
    except ValidationError as exc:
        raise _refusal(exc.errors(), where) from None
    return parsed


def to_wire(obj: object) -> dict[str, Any]:
    """The JSON value of a wire object (what ``read_wire`` reads back)."""
    value: dict[str, Any] = _adapter(type(obj)).dump_python(obj, mode="json")
    return value


def canonical_bytes(obj: object) -> bytes:
    """The RFC 8785 canonical bytes of a wire object: what is hashed and signed."""
    return canonical_json(to_wire(obj))


def refuse(message: str, at: str = "") -> PydanticCustomError:
    """A rule's refusal inside a validator; ``read_wire`` adds the field's path, then ``at``
    (``".purpose"``, ``"[0]"``) for a rule of an object that names one of its fields."""
    return PydanticCustomError("repatria", message, {"at": at})


def on_the_wire(info: ValidationInfo) -> bool:
    """Whether a validator runs for ``read_wire``: the format's rules (text patterns, ranges,
    cross-field rules) bind what arrives; Python callers build values from checked input."""
    return bool(info.context and info.context.get("wire"))


def domain_rule(parse: Callable[..., T], value: Any, at: str = "") -> T:
    """Apply a domain parser (``parse_measure``, ``parse_refusal_grounds``...), turning its
    ``InvalidInput`` into a refusal at ``at`` and the place the parser names below it."""
    try:
        return parse(value, where="")
    except InvalidInput as exc:
        raise refuse(exc.message, at=at + (exc.where or "")) from None


def path(where: str, loc: tuple[int | str, ...]) -> str:
    """``where`` followed by pydantic's ``loc``: names as ``.name``, list items as ``[i]``."""
    text = where
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _refusal(errors: list[ErrorDetails], where: str) -> InvalidInput:
    first = errors[0]
    loc = tuple(first["loc"])
    kind = first["type"]
    found = first.get("input")
    if kind == "missing":
        parent = loc[:-1]
        names = sorted(
            str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == parent
        )
        return InvalidInput(f"missing field(s): {', '.join(names)}", where=path(where, parent))
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        parent = loc[:-1]
        names = sorted(
            str(e["loc"][-1])
            for e in errors
            if e["type"] == kind and tuple(e["loc"][:-1]) == parent
        )
        return InvalidInput(f"unknown field(s): {', '.join(names)}", where=path(where, parent))
    at = str((first.get("ctx") or {}).get("at", "")) if kind == "repatria" else ""
    return InvalidInput(_message(first, kind, found), where=path(where, loc) + at)


def _message(error: ErrorDetails, kind: str, found: object) -> str:
    if kind == "repatria":
        return error["msg"]
    if kind == "enum":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        accepted = expected.replace("'", "").replace(" or ", ", ")
        return f"unknown value {found!r}; accepted: {accepted}"
    if kind == "string_type":
        return f"expected non-empty text, found {found!r}"
    if kind == "bool_type":
        return f"expected true or false, found {found!r}"
    if kind in ("int_type", "int_from_float"):
        return f"expected an integer, found {found!r}"
    if kind in ("list_type", "tuple_type", "frozen_set_type", "set_type"):
        return f"expected a list, found {found!r}"
    if kind in ("dict_type", "dataclass_type", "model_type"):
        return f"expected a JSON object, found {type(found).__name__}"
    return error["msg"]


def text(
    max_length: int = 200, pattern: re.Pattern[str] | None = None
) -> Callable[[str, ValidationInfo], str]:
    """The rule of a wire text: not blank, at most ``max_length`` characters, ``pattern``."""

    def check(value: str, info: ValidationInfo) -> str:
        if not on_the_wire(info):
            return value
        if not value.strip():
            raise refuse(f"expected non-empty text, found {value!r}")
        if len(value) > max_length:
            raise refuse(f"text has {len(value)} characters, at most {max_length}")
        if pattern is not None and not pattern.match(value):
            raise refuse(f"{value!r} does not match {pattern.pattern}")
        return value

    return check


def items(max_items: int) -> Callable[[T, ValidationInfo], T]:
    """The rule of a wire list: at most ``max_items`` items."""

    def check(value: T, info: ValidationInfo) -> T:
        if not on_the_wire(info):
            return value
        size = len(value)  # type: ignore[arg-type]
        if size > max_items:
            raise refuse(f"list has {size} items, at most {max_items}")
        return value

    return check


def integer(
    minimum: int = 0, maximum: int = MAX_SAFE_INTEGER
) -> Callable[[int, ValidationInfo], int]:
    """The rule of a wire integer: within ``minimum..maximum`` (I-JSON by default)."""

    def check(value: int, info: ValidationInfo) -> int:
        if not on_the_wire(info):
            return value
        if not minimum <= value <= maximum:
            raise refuse(f"expected an integer in {minimum}..{maximum}, found {value!r}")
        return value

    return check


def _wire_date(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise refuse(f"expected a date like 2025-01-31, found {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise refuse(f"{value!r} is not a real date") from None


def _wire_time(value: object) -> object:
    if isinstance(value, datetime):
        return value
    try:
        return parse_time(value, where="")
    except InvalidInput as exc:
        raise refuse(exc.message) from None


def base64_bytes(size: int | None) -> Callable[[object], object]:
    """Read canonical standard base64 (RFC 4648 §4), of exactly ``size`` bytes if given."""

    def check(value: object) -> object:
        if isinstance(value, bytes):
            return value
        if not isinstance(value, str):
            raise refuse(f"expected base64 text, found {value!r}")
        try:
            raw = decode_base64(value, where="")
        except InvalidInput as exc:
            raise refuse(exc.message) from None
        if size is not None and len(raw) != size:
            raise refuse(f"decodes to {len(raw)} bytes, want {size}")
        return raw

    return check


def base64_text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


WireDate = Annotated[date, BeforeValidator(_wire_date)]
"""A calendar date as ``YYYY-MM-DD`` (RFC 3339 full-date)."""

WireTime = Annotated[
    datetime, BeforeValidator(_wire_time), PlainSerializer(format_time, return_type=str)
]
"""An instant as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds; RFC 3339 §5.6)."""

Key32 = Annotated[
    bytes, BeforeValidator(base64_bytes(32)), PlainSerializer(base64_text, return_type=str)
]
"""32 bytes (an Ed25519 or X25519 public key, a SHA-256 hash, a nonce) as canonical base64."""

Base64 = Annotated[
    bytes, BeforeValidator(base64_bytes(None)), PlainSerializer(base64_text, return_type=str)
]
"""Bytes of any length as canonical base64."""

Signature64 = Annotated[
    bytes, BeforeValidator(base64_bytes(64)), PlainSerializer(base64_text, return_type=str)
]
"""An Ed25519 signature (RFC 8032 §5.1.6), 64 bytes, as canonical base64."""


@dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Signature:
    """``{"key": <key id>, "value": <base64 Ed25519 signature>}`` beside a signed body."""

    key: StrictStr
    value: Signature64


Text = Annotated[StrictStr, AfterValidator(text())]
"""Non-empty text of at most 200 characters."""

__all__ = [
    "MAX_SAFE_INTEGER",
    "WIRE_CONFIG",
    "Base64",
    "Key32",
    "Signature",
    "Text",
    "WireDate",
    "WireTime",
    "base64_bytes",
    "base64_text",
    "canonical_bytes",
    "domain_rule",
    "fixed_format",
    "integer",
    "items",
    "on_the_wire",
    "path",
    "read_wire",
    "refuse",
    "require",
    "text",
    "to_wire",
]


def fixed_format(value: object, expected: str) -> object:
    """A document's ``format`` field, which names one version of its shape: refuse any
    other, and hand the rest of the fields on (a ``mode="before"`` model validator's body)."""
    if not isinstance(value, dict):
        return value
    require(value, ("format",))
    if value["format"] != expected:
        raise refuse(f"format {value['format']!r} is not {expected!r}", at=".format")
    return {k: v for k, v in value.items() if k != "format"}


def require(value: object, names: tuple[str, ...]) -> object:
    """Refuse a JSON object lacking any of ``names``: fields with a Python default that the
    wire format still requires (a ``mode="before"`` model validator's body)."""
    if isinstance(value, dict):
        missing = sorted(set(names) - set(value))
        if missing:
            raise refuse(f"missing field(s): {', '.join(missing)}")
    return value
