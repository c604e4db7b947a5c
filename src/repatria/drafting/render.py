"""Render a request: ``render_pdf``, ``render_docx`` and ``render_html``, in a UN language.

Each takes the request as a decoded JSON object and a language (ar, en, es, fr,
ru, zh). A draft whose structure cannot be read is refused with the first
problem named (``InvalidInput``); a draft that reads but is not complete is still
rendered, with a DRAFT banner, so the wizard can preview it while it is written.
Validation runs on ``on`` (default today) to decide the banner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from repatria.drafting.docx_writer import write_docx
from repatria.drafting.fonts import FontFace
from repatria.drafting.html import layout_html
from repatria.drafting.layout import Layout, layout_request
from repatria.drafting.model import RequestDocument
from repatria.drafting.parse import parse_draft
from repatria.drafting.pdf import write_pdf
from repatria.drafting.report import is_complete
from repatria.drafting.translation import check_render_language
from repatria.drafting.validation import validate
from repatria.errors import InvalidInput
from repatria.law import Catalogue


def request_layout(
    document: Mapping[str, Any],
    lang: str,
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
) -> Layout:
    """The language-neutral layout both writers print."""
    code = check_render_language(lang)
    doc = read_for_rendering(document)
    report = validate(document, on=on, catalogue=catalogue)
    return layout_request(doc, code, complete=is_complete(report))


def read_for_rendering(document: Mapping[str, Any]) -> RequestDocument:
    """The parsed request, or ``InvalidInput`` naming the first structural problem."""
    parsed = parse_draft(document)
    structural = [
        p for p in parsed.problems if p.path != "schema_version" or parsed.document is None
    ]
    if parsed.document is None or structural:
        first = (structural or list(parsed.problems))[0]
        more = f" (and {len(structural) - 1} more)" if len(structural) > 1 else ""
        raise InvalidInput(f"{first.message}{more}", where=first.path)
    return parsed.document


def render_html(
    document: Mapping[str, Any],
    lang: str,
    *,
    on: date | None = None,
    faces: Sequence[FontFace] = (),
) -> str:
    """The request as an HTML page in ``lang`` (what the PDF is printed from); ``faces``
    are embedded with ``@font-face`` (none: the viewer's own fonts)."""
    return layout_html(request_layout(document, lang, on=on), faces=faces)


def render_pdf(
    document: Mapping[str, Any],
    lang: str,
    *,
    faces: Sequence[FontFace],
    on: date | None = None,
) -> bytes:
    """The request as a PDF in ``lang``, with ``faces`` embedded (the host's Noto files,
    found by ``repatria.adapters.fontconfig.installed_faces``)."""
    return write_pdf(request_layout(document, lang, on=on), faces)


def render_docx(document: Mapping[str, Any], lang: str, *, on: date | None = None) -> bytes:
    """The request as a Word document in ``lang`` (right to left for Arabic)."""
    return write_docx(request_layout(document, lang, on=on))
