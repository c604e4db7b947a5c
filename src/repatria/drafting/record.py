"""What the request record says, read from the drafted document: one truth for both.

A request is kept twice: as a record (basis, deadline, measures, urgency,
confidentiality, subjects, the lists and the wire payload read it) and as the
drafted document (UNCAC 46(15)-(16), 55(3)) the officer writes and the other
state receives. When they disagree, a list says one thing and the letter
another. The document is what is signed and sent, so the record is derived from
it: ``record_fields`` reads a saved draft (complete or not, so it tolerates
missing or malformed parts) and says what each column must hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from repatria.domain.measure import Measure


@dataclass(frozen=True, slots=True)
class RecordFields:
    """The record's columns as the document states them.

    ``measures`` is empty when the draft names no known measure: a request keeps
    at least one (UNCAC 46(3)), so the caller then keeps the record's own, and the
    draft's validation reports the gap. ``entities`` are the FtM entities of the
    persons (46(15)(e)) and assets (55(3)(a)) concerned, in document order, each
    id once; their ids are the request's subjects.
    """

    legal_basis: str | None
    deadline: date | None
    deadline_reason: str | None
    measures: tuple[Measure, ...]
    urgent: bool
    confidential: bool
    summary: str | None
    entities: tuple[dict[str, Any], ...]

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(str(e["id"]) for e in self.entities)


def record_fields(document: Mapping[str, Any]) -> RecordFields:
    """The record's columns derived from a saved draft document (schema 1.0)."""
    basis = _part(document, "legal_basis")
    deadline = _part(document, "deadline")
    day = _date(deadline.get("date"))
    return RecordFields(
        legal_basis=_short(basis.get("instrument")),
        deadline=day,
        deadline_reason=_text(deadline.get("reasons")) if day else None,
        measures=_measures(document.get("measures")),
        urgent=_part(document, "urgency").get("urgent") is True,
        confidential=_part(document, "confidentiality").get("requested") is True,
        summary=_text(document.get("facts")),
        entities=_entities(document),
    )


def _part(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = document.get(name)
    return value if isinstance(value, Mapping) else {}


def _short(value: Any) -> str | None:
    return value.strip()[:300] or None if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("text")
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _measures(value: Any) -> tuple[Measure, ...]:
    found: list[Measure] = []
    for item in value if isinstance(value, Sequence) and not isinstance(value, str) else ():
        raw = item.get("measure") if isinstance(item, Mapping) else None
        try:
            measure = Measure(str(raw))
        except ValueError:
            continue
        if measure not in found:
            found.append(measure)
    return tuple(found)


def _entities(document: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    found: dict[str, dict[str, Any]] = {}
    for part in ("persons", "assets"):
        items = document.get(part)
        for item in items if isinstance(items, Sequence) and not isinstance(items, str) else ():
            entity = item.get("entity") if isinstance(item, Mapping) else None
            if not isinstance(entity, Mapping):
                continue
            entity_id = entity.get("id")
            if isinstance(entity_id, str) and entity_id.strip() and entity_id not in found:
                found[entity_id] = dict(entity)
    return tuple(found.values())
