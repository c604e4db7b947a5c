"""A request for mutual legal assistance, outgoing or incoming.

The fields here are the ones the node tracks for every request: who asks whom,
for which measures, by when and why (UNCAC 46(24): the requesting state may
suggest deadlines, with reasons, preferably in the request), whether it is
urgent (46(13)-(14): urgent channels) and whether its fact and substance must
stay confidential (46(20)). The full content of 46(15)-(16) is drafted by the
``drafting`` package on top of this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from repatria.domain.jurisdiction import parse_state_party
from repatria.domain.lifecycle import TERMINAL_STATES, Direction, RequestState
from repatria.domain.measure import Measure, parse_measure
from repatria.domain.text import check_shown_text
from repatria.errors import InvalidInput

REQUEST_REFERENCE_PATTERN = r"^[A-Z]{2}-[0-9]{4}-[0-9]{4,}-R[0-9]{2,}$"
"""A request reference: its case's reference and a sequence (published in the API schema)."""
REQUEST_REFERENCE = re.compile(REQUEST_REFERENCE_PATTERN)


@dataclass(frozen=True, slots=True)
class RequestInput:
    """What a person gives to open a request, validated against the node."""

    direction: Direction
    requesting_state: str
    requested_state: str
    measures: tuple[Measure, ...]
    title: str
    summary: str
    legal_basis: str | None
    deadline: date | None
    deadline_reason: str | None
    urgent: bool
    confidential: bool
    subjects: tuple[str, ...]
    foreign_reference: str | None

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, node_jurisdiction: str, today: date | None = None
    ) -> RequestInput:
        """Validate a new request; the node must be one of the two states.

        An outgoing request is sent by this node's state; an incoming one is
        addressed to it. A deadline suggested (UNCAC 46(24)) must not lie
        before ``today`` when it is given (the caller's clock: this module reads none).
        """
        try:
            direction = Direction(data.get("direction", Direction.OUTGOING.value))
        except ValueError:
            raise InvalidInput(
                "direction must be 'outgoing' or 'incoming'", where="direction"
            ) from None
        requesting = parse_state_party(
            _required_text(data, "requesting_state"), where="requesting_state"
        )
        requested = parse_state_party(
            _required_text(data, "requested_state"), where="requested_state"
        )
        if requesting == requested:
            raise InvalidInput(
                f"requesting and requested state are both {requesting.code}; MLA is between two"
                " states",
                where="requested_state",
            )
        own = requesting if direction is Direction.OUTGOING else requested
        if own.code != node_jurisdiction:
            field = "requesting_state" if direction is Direction.OUTGOING else "requested_state"
            raise InvalidInput(
                f"an {direction.value} request of this node ({node_jurisdiction}) must have"
                f" {field} {node_jurisdiction}, not {own.code}",
                where=field,
            )
        raw_measures = data.get("measures")
        if isinstance(raw_measures, str):
            raw_measures = [raw_measures]
        if not isinstance(raw_measures, list) or not raw_measures:
            raise InvalidInput(
                "name at least one measure of assistance (UNCAC 46(3))", where="measures"
            )
        measures: list[Measure] = []
        for i, raw in enumerate(raw_measures):
            if not isinstance(raw, str):
                raise InvalidInput("expected a measure identifier", where=f"measures[{i}]")
            m = parse_measure(raw, where=f"measures[{i}]")
            if m not in measures:
                measures.append(m)
        title = check_shown_text(_required_text(data, "title"), where="title")
        if len(title) > 300:
            raise InvalidInput("longer than 300 characters", where="title")
        summary = _optional_text(data, "summary", 20_000, multiline=True) or ""
        deadline = _optional_date(data, "deadline")
        deadline_reason = _optional_text(data, "deadline_reason", 2_000, multiline=True)
        if deadline is not None and today is not None and deadline < today:
            raise InvalidInput(
                f"the deadline {deadline.isoformat()} is in the past (today is"
                f" {today.isoformat()}); a deadline suggested to the requested state must leave"
                " it time to act (UNCAC 46(24))",
                where="deadline",
            )
        if deadline is not None and not deadline_reason:
            raise InvalidInput(
                "a deadline needs its reasons (UNCAC 46(24))", where="deadline_reason"
            )
        subjects = data.get("subjects", []) or []
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise InvalidInput("expected a list of entity ids", where="subjects")
        return cls(
            direction=direction,
            requesting_state=requesting.code,
            requested_state=requested.code,
            measures=tuple(measures),
            title=title,
            summary=summary,
            legal_basis=_optional_text(data, "legal_basis", 300),
            deadline=deadline,
            deadline_reason=deadline_reason,
            urgent=_optional_bool(data, "urgent"),
            confidential=_optional_bool(data, "confidential", default=True),
            subjects=tuple(subjects),
            foreign_reference=_optional_text(data, "foreign_reference", 100),
        )


@dataclass(frozen=True, slots=True)
class Request:
    reference: str
    case_reference: str
    direction: Direction
    requesting_state: str
    requested_state: str
    measures: tuple[Measure, ...]
    state: RequestState
    title: str
    summary: str
    legal_basis: str | None
    deadline: date | None
    deadline_reason: str | None
    urgent: bool
    confidential: bool
    subjects: tuple[str, ...]
    foreign_reference: str | None
    created_at: datetime
    updated_at: datetime
    peer_node: str | None = None
    """The other state's node when the request travels by exchange (docs/exchange.md)."""

    def is_overdue(self, today: date) -> bool:
        """Past the deadline the requesting state asked for (46(24)) and still open."""
        return (
            self.deadline is not None
            and self.deadline < today
            and self.state not in TERMINAL_STATES
        )


def make_request_reference(case_reference: str, sequence: int) -> str:
    return f"{case_reference}-R{sequence:02d}"


def check_request_reference(value: str, *, where: str = "request") -> str:
    ref = value.strip().upper()
    if not REQUEST_REFERENCE.fullmatch(ref):
        # What was typed is not repeated, as for a case reference (R19).
        raise InvalidInput("not a request reference (expected e.g. NG-2026-0001-R01)", where=where)
    return ref


def _required_text(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("required text is missing", where=field)
    return value.strip()


def _optional_text(
    data: Mapping[str, Any], field: str, max_length: int, *, multiline: bool = False
) -> str | None:
    """Text shown to people: bounded, and free of characters that hide or reorder what is
    shown (``check_shown_text``, issue 13.7)."""
    value = data.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput("expected text", where=field)
    if len(value) > max_length:
        raise InvalidInput(f"longer than {max_length} characters", where=field)
    return check_shown_text(value, where=field, multiline=multiline).strip() or None


def _optional_bool(data: Mapping[str, Any], field: str, *, default: bool = False) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise InvalidInput("expected true or false", where=field)
    return value


def _optional_date(data: Mapping[str, Any], field: str) -> date | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InvalidInput("expected a date as YYYY-MM-DD", where=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (expected YYYY-MM-DD)", where=field) from None
