"""``validate``: every problem of a draft request, with its path and article, and a score.

The order is: read (JSON syntax, schema version, structure), then the entities,
the contents every request needs (UNCAC Art. 46(15), 55(3), practice), the free
texts' languages and translations (46(14)), and last what the requested state and
the chosen basis require (``formalities``). Structural problems do not stop the
later checks: they run on what could be read. Nothing here changes the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from repatria.drafting.checklist import Checklist
from repatria.drafting.contents import check_contents
from repatria.drafting.formalities import check_formalities
from repatria.drafting.languages import check_request_language, check_texts
from repatria.drafting.parse import load_json, parse_draft
from repatria.drafting.parties import check_parties
from repatria.drafting.report import ValidationReport
from repatria.law import Catalogue, load_catalogue


def validate(
    document: Mapping[str, Any] | Any,
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
) -> ValidationReport:
    """Check a draft request (a decoded JSON object) on date ``on`` (default: today).

    Never raises for bad content: every problem is in the report. ``catalogue``
    defaults to the law catalogue shipped with repatria.
    """
    day = on or date.today()
    parsed = parse_draft(document)
    checks = Checklist(problems=list(parsed.problems))
    doc = parsed.document
    if doc is not None:
        entities = check_parties(doc, checks)
        check_contents(doc, entities, day, checks)
        check_texts(doc, checks)
        laws = catalogue or load_catalogue()
        check_request_language(doc, laws, checks)
        check_formalities(doc, day, laws, checks)
    return ValidationReport(
        schema_version=parsed.schema_version,
        on=day,
        problems=tuple(checks.problems),
        satisfied=checks.satisfied,
        applicable=checks.applicable,
    )


def validate_json(
    text: str | bytes, *, on: date | None = None, catalogue: Catalogue | None = None
) -> ValidationReport:
    """``validate`` for JSON text: a syntax error is a problem at ``$`` with line and column."""
    data, problems = load_json(text)
    if problems:
        return ValidationReport(None, on or date.today(), problems, 0, 0)
    return validate(data, on=on, catalogue=catalogue)
