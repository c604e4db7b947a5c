"""The gate between draft and ready: a request leaves draft only when complete.

UNCAC 46(15) lists what every request must contain (and 55(3) what a
confiscation or freezing request adds); ``repatria.drafting`` checks a draft
against it and against what the requested state needs. Here that check is
applied to a stored request, together with the draft's agreement with the
request it is attached to.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from repatria.domain.lifecycle import Direction
from repatria.drafting import Problem, ValidationReport, is_complete, validate
from repatria.errors import InvalidInput
from repatria.store.tables import RequestRow


def consistency(row: RequestRow, document: dict[str, Any]) -> list[Problem]:
    """The draft must describe the request it is attached to.

    An incoming request's document is the requesting state's: it carries that
    state's reference (kept here as ``foreign_reference``), not the one this node
    gave the request on arrival, so it is checked from the requesting side's point
    of view (UNCAC 46(15)). Its states are the row's states as they are: the
    requesting state is the sender, the requested state this node.
    """
    found = []
    incoming = Direction(row.direction) is Direction.INCOMING
    reference = row.foreign_reference if incoming else row.reference
    for field, expected in (
        ("reference", reference),
        ("requesting_state", row.requesting_state),
        ("requested_state", row.requested_state),
    ):
        if expected is None:
            continue
        if document.get(field) != expected:
            found.append(
                Problem(
                    field,
                    f"is {document.get(field)!r} but the request is {expected!r}",
                    "UNCAC 46(15)",
                )
            )
    drafted = {str(m.get("measure")) for m in document.get("measures") or [] if isinstance(m, dict)}
    if drafted and drafted != set(row.measures):
        found.append(
            Problem(
                "measures",
                f"the draft seeks {sorted(drafted)} but the request {sorted(row.measures)}",
                "UNCAC 46(15)(d)",
            )
        )
    return found


def report_for(row: RequestRow, *, today: date | None = None) -> ValidationReport:
    """The draft's validation on ``today`` (a past deadline is an error, UNCAC 46(24)),
    with its agreement with the request."""
    if row.document is None:
        report = validate({}, on=today)
        missing = Problem("$", "no draft is attached to this request yet", "UNCAC 46(15)")
        return replace(report, problems=(missing, *report.problems))
    report = validate(row.document, on=today)
    extra = consistency(row, row.document)
    return replace(report, problems=(*extra, *report.problems)) if extra else report


def readiness(row: RequestRow, *, today: date | None = None) -> None:
    """Refuse to let an outgoing request leave draft while its content fails (46(15))."""
    if Direction(row.direction) is not Direction.OUTGOING:
        return
    report = report_for(row, today=today)
    if not is_complete(report):
        first = report.errors[0]
        raise InvalidInput(
            f"request {row.reference} is incomplete: {len(report.errors)} problem(s), the first"
            f" at {first.path}: {first.message} ({first.article})",
            where="document",
        )
