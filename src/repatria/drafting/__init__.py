"""The standard MLA request: schema, validation and rendering (pure core).

Usage::

    from repatria.drafting import validate, is_complete, render_pdf, render_docx

    report = validate(document, on=date(2026, 12, 1))   # document: the decoded JSON
    report.to_json()                  # problems with path, message, article, severity; score
    is_complete(report)               # no errors: the gate before "ready" and "sent"
    pdf = render_pdf(document, "fr", faces=installed_faces())  # ar, en, es, fr, ru, zh
    docx = render_docx(document, "ar")

``validate_json(text)`` does the same from JSON text (syntax errors are problems
with line and column). ``schema_document()`` is the shipped JSON Schema.
Nothing here touches a database or settings; the host's font files are handed to
``render_pdf`` (``repatria.adapters.fontconfig.installed_faces``).
"""

from repatria.drafting.fonts import FontFace, FontMissing
from repatria.drafting.layout import Layout
from repatria.drafting.model import SCHEMA_VERSION, RequestDocument, TranslationStatus
from repatria.drafting.parse import SUPPORTED_VERSIONS, load_json, parse_draft
from repatria.drafting.render import (
    read_for_rendering,
    render_docx,
    render_html,
    render_pdf,
    request_layout,
)
from repatria.drafting.report import Problem, Severity, ValidationReport, is_complete
from repatria.drafting.schema import generate_schema, schema_document
from repatria.drafting.translation import check_render_language
from repatria.drafting.validation import validate, validate_json

__all__ = [
    "SCHEMA_VERSION",
    "SUPPORTED_VERSIONS",
    "FontFace",
    "FontMissing",
    "Layout",
    "Problem",
    "RequestDocument",
    "Severity",
    "TranslationStatus",
    "ValidationReport",
    "check_render_language",
    "generate_schema",
    "is_complete",
    "load_json",
    "parse_draft",
    "read_for_rendering",
    "render_docx",
    "render_html",
    "render_pdf",
    "request_layout",
    "schema_document",
    "validate",
    "validate_json",
]
