"""The request as a flat HTML form, and back: every field named by its document path.

The drafting form names each input by where its value sits in the request
document (``facts.text``, ``measures[0].description.text``,
``persons[1].entity.properties.name``), so a problem the validator reports at a
path is the input of that name. The conversion is guided by the model
(``model.RequestDocument``): a yes/no field reads ``true``/``false``, a list of
short texts (articles, targets, languages, FtM property values) takes one value
per line, an empty input is left out, a free text without its text is left out
(its hidden language alone says nothing), and list rows are renumbered in their
order, so a removed row leaves no hole. Nothing here validates: that is
``validate``'s job, on what this returns.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from repatria.drafting.model import LocalisedText, RequestDocument, TranslatedText

Fields = dict[str, list[str]]
"""Form fields as a browser posts them: a name and the values sent under it."""

TRUE = "true"
FALSE = "false"
_TRUE_VALUES = frozenset({"true", "on", "yes", "1"})
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d{1,4})\]|(\.)")
_TEXT_MODELS = (LocalisedText, TranslatedText)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a position of the document holds: ``model``, ``list``, ``bool``, ``str``, ``entity``."""

    kind: str
    model: type[BaseModel] | None = None
    item: _Shape | None = None
    strings: bool = False
    """For a list: a list of short texts (one per line in the form)."""


def _shape(annotation: Any) -> _Shape:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return _shape(kept[0])
    if origin is tuple:
        item = _shape(get_args(annotation)[0])
        return _Shape("list", item=item, strings=item.kind == "str")
    if origin is dict:
        return _Shape("entity")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _Shape("model", model=annotation)
    if annotation is bool:
        return _Shape("bool")
    return _Shape("str")


def _fields_of(model: type[BaseModel]) -> dict[str, _Shape]:
    return {name: _shape(info.annotation) for name, info in model.model_fields.items()}


def parse_name(name: str) -> tuple[str | int, ...] | None:
    """``persons[1].entity.properties.name`` -> ``('persons', 1, 'entity', ...)``; None if malformed."""
    parts: list[str | int] = []
    position = 0
    expect_name = True
    while position < len(name):
        match = _PART.match(name, position)
        if match is None:
            return None
        word, index, dot = match.groups()
        if word is not None:
            if not expect_name:
                return None
            parts.append(word)
            expect_name = False
        elif index is not None:
            if expect_name:
                return None
            parts.append(int(index))
        elif dot is not None:
            if expect_name:
                return None
            expect_name = True
        position = match.end()
    return tuple(parts) if parts and not expect_name else None


def is_document_field(name: str) -> bool:
    """Whether ``name`` is the path of a value in the request document (not ``csrf``...)."""
    parts = parse_name(name)
    return parts is not None and parts[0] in RequestDocument.model_fields


def format_name(parts: Iterable[str | int]) -> str:
    """The inverse of ``parse_name``."""
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def _tree(fields: Mapping[str, list[str]]) -> dict[str | int, Any]:
    root: dict[str | int, Any] = {}
    for name, values in fields.items():
        parts = parse_name(name)
        if parts is None:
            continue
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = list(values)
    return root


def _lines(values: object) -> list[str]:
    if not isinstance(values, list):
        return []
    found: list[str] = []
    for value in values:
        found.extend(line.strip() for line in str(value).splitlines() if line.strip())
    return found


def _first(values: object) -> str | None:
    if not isinstance(values, list):
        return None
    for value in values:
        if str(value).strip():
            return str(value).strip()
    return None


def _build(shape: _Shape, node: object) -> Any:
    """The document value at one position, or None when the form left it empty."""
    if shape.kind == "str":
        return _first(node)
    if shape.kind == "bool":
        if not isinstance(node, list):
            return None
        chosen = [str(v).strip().lower() for v in node if str(v).strip()]
        if not chosen:
            return None
        return any(v in _TRUE_VALUES for v in chosen)
    if shape.kind == "list":
        if shape.strings:
            if isinstance(node, dict):  # rows named list[0], list[1]...
                node = [
                    v for _, v in sorted(_ints(node)) for v in (v if isinstance(v, list) else [])
                ]
            return _lines(node) or None
        if not isinstance(node, dict) or shape.item is None:
            return None
        items = [_build(shape.item, child) for _, child in sorted(_ints(node))]
        return [item for item in items if item is not None] or None
    if shape.kind == "entity":
        return _entity(node)
    if not isinstance(node, dict) or shape.model is None:
        return None
    result: dict[str, Any] = {}
    for name, field in _fields_of(shape.model).items():
        if name in node:
            value = _build(field, node[name])
            if value is not None:
                result[name] = value
    if shape.model in _TEXT_MODELS and "text" not in result:
        return None
    return result or None


def _ints(node: dict[Any, Any]) -> list[tuple[int, Any]]:
    return [(k, v) for k, v in node.items() if isinstance(k, int)]


def _entity(node: object) -> dict[str, Any] | None:
    if not isinstance(node, dict):
        return None
    entity: dict[str, Any] = {}
    for key in ("id", "schema"):
        value = _first(node.get(key))
        if value is not None:
            entity[key] = value
    properties = node.get("properties")
    if isinstance(properties, dict):
        kept = {
            str(prop): _lines(values)
            for prop, values in properties.items()
            if isinstance(prop, str) and _lines(values)
        }
        if kept:
            entity["properties"] = kept
    return entity or None


def form_to_document(fields: Mapping[str, list[str]]) -> dict[str, Any]:
    """The request document the form fields describe (names that are no path are ignored)."""
    built = _build(_Shape("model", model=RequestDocument), _tree(fields))
    return built if isinstance(built, dict) else {}


def document_to_form(document: Mapping[str, Any]) -> Fields:
    """The form fields of a document: what ``form_to_document`` reads back to it."""
    fields: Fields = {}
    _emit(_Shape("model", model=RequestDocument), document, (), fields)
    return fields


def _emit(shape: _Shape, value: object, at: tuple[str | int, ...], fields: Fields) -> None:
    if value is None:
        return
    if shape.kind == "model" and shape.model is not None:
        if not isinstance(value, Mapping):
            return
        for name, field in _fields_of(shape.model).items():
            if name in value:
                _emit(field, value[name], (*at, name), fields)
    elif shape.kind == "list":
        if not isinstance(value, list | tuple):
            return
        if shape.strings:
            fields[format_name(at)] = [str(v) for v in value]
        elif shape.item is not None:
            for i, item in enumerate(value):
                _emit(shape.item, item, (*at, i), fields)
    elif shape.kind == "bool":
        fields[format_name(at)] = [TRUE if value else FALSE]
    elif shape.kind == "entity":
        if not isinstance(value, Mapping):
            return
        for key in ("id", "schema"):
            if key in value:
                fields[format_name((*at, key))] = [str(value[key])]
        properties = value.get("properties")
        if isinstance(properties, Mapping):
            for prop, values in properties.items():
                listed = values if isinstance(values, list) else [values]
                fields[format_name((*at, "properties", str(prop)))] = [str(v) for v in listed]
    else:
        fields[format_name(at)] = [str(value)]


def rows(fields: Mapping[str, list[str]], prefix: str) -> list[int]:
    """The row numbers present under a list (``rows(fields, "persons")`` -> ``[0, 1]``)."""
    found: set[int] = set()
    opening = f"{prefix}["
    for name in fields:
        if name.startswith(opening):
            head = name[len(opening) :].split("]", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def remove_row(fields: Mapping[str, list[str]], prefix: str, index: int) -> Fields:
    """The fields without row ``index`` of the list ``prefix``, later rows moved up one."""
    kept: Fields = {}
    opening = f"{prefix}["
    for name, values in fields.items():
        if not name.startswith(opening):
            kept[name] = list(values)
            continue
        head, _, rest = name[len(opening) :].partition("]")
        if not head.isdigit():
            kept[name] = list(values)
            continue
        number = int(head)
        if number == index:
            continue
        renumbered = number - 1 if number > index else number
        kept[f"{prefix}[{renumbered}]{rest}"] = list(values)
    return kept


def add_row(
    fields: Mapping[str, list[str]], prefix: str, defaults: Mapping[str, str]
) -> tuple[Fields, int]:
    """The fields with a new last row of ``prefix`` holding ``defaults`` (names below the row)."""
    present = rows(fields, prefix)
    index = present[-1] + 1 if present else 0
    added: Fields = {name: list(values) for name, values in fields.items()}
    for name, value in defaults.items():
        added[f"{prefix}[{index}].{name}"] = [value]
    return added, index


class FormView:
    """The fields as a template reads them, remembering which ones it has shown.

    What the form does not show as an input (a property the case recorded that
    the form has no input for, an offence id of the legal-basis engine) goes
    back as a hidden input (``unshown``), so saving the form never drops it.
    """

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        self.fields: Fields = {name: list(values) for name, values in fields.items()}
        self._shown: set[str] = set()

    def value(self, name: str, default: str = "") -> str:
        self._shown.add(name)
        values = self.fields.get(name)
        return values[0] if values else default

    def lines(self, name: str) -> str:
        self._shown.add(name)
        return "\n".join(self.fields.get(name, []))

    def checked(self, name: str) -> bool:
        self._shown.add(name)
        return any(v.strip().lower() in _TRUE_VALUES for v in self.fields.get(name, []))

    def has(self, prefix: str) -> bool:
        """Whether any field sits at or under ``prefix`` (``freezing`` for ``freezing.action``)."""
        return any(
            (n == prefix or n.startswith((f"{prefix}.", f"{prefix}[")))
            and any(v.strip() for v in vs)
            for n, vs in self.fields.items()
        )

    def rows(self, prefix: str) -> list[int]:
        return rows(self.fields, prefix)

    def properties(self, prefix: str) -> list[str]:
        """The FtM property names present under ``<prefix>.properties``."""
        opening = f"{prefix}.properties."
        return sorted(n[len(opening) :] for n in self.fields if n.startswith(opening))

    def unshown(self) -> list[tuple[str, str]]:
        return [
            (name, value)
            for name, values in self.fields.items()
            if name not in self._shown and is_document_field(name)
            for value in values
        ]
