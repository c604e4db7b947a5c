"""The gate between draft and ready: a request leaves draft only when complete.

UNCAC 46(15) lists what every request must contain (and 55(3) what a
confiscation or freezing request adds); ``repatria.drafting`` checks a draft
against it and against what the requested state needs. Here that check is
applied to a stored request, together with the draft's agreement with the
request it is attached to.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from repatria.domain.lifecycle import Direction
from repatria.drafting import Problem, ValidationReport, is_complete, validate
from repatria.errors import InvalidInput
from repatria.store.tables import RequestRow


def consistency(row: RequestRow, document: dict[str, Any]) -> list[Problem]:
    """The draft must describe the request it is attached to."""
    found = []
    for field, expected in (
        ("reference", row.reference),
        ("requesting_state", row.requesting_state),
        ("requested_state", row.requested_state),
    ):
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


def report_for(row: RequestRow) -> ValidationReport:
    if row.document is None:
        report = validate({})
        missing = Problem("$", "no draft is attached to this request yet", "UNCAC 46(15)")
        return replace(report, problems=(missing, *report.problems))
    report = validate(row.document)
    extra = consistency(row, row.document)
    return replace(report, problems=(*extra, *report.problems)) if extra else report


def readiness(row: RequestRow) -> None:
    """Refuse to let an outgoing request leave draft while its content fails (46(15))."""
    if Direction(row.direction) is not Direction.OUTGOING:
        return
    report = report_for(row)
    if not is_complete(report):
        first = report.errors[0]
        raise InvalidInput(
            f"request {row.reference} is incomplete: {len(report.errors)} problem(s), the first"
            f" at {first.path}: {first.message} ({first.article})",
            where="document",
        )
