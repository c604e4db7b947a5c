"""The request wizard: the drafted content with what is missing, as you type.

The editor posts the draft on every pause in typing; the server validates it
(``repatria.drafting``) without keeping it and returns the checklist of UNCAC
46(15)-(16) and 55(3) items with what each still lacks. Saving keeps the draft
whatever its state, so nothing typed is lost.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from repatria.domain.language import UN_LANGUAGES
from repatria.drafting import ValidationReport, load_json, validate_json
from repatria.errors import InvalidInput, NotFound
from repatria.service import drafting
from repatria.service import requests as request_service
from repatria.web.deps import NodeDep, UiSession, check_csrf
from repatria.web.ui.pages import render_page

router = APIRouter(include_in_schema=False)

SECTIONS = (
    ("requesting_authority", "(a) Requesting authority", "46(15)(a)"),
    ("proceedings", "(b) Subject and nature of the proceedings, and the authority", "46(15)(b)"),
    ("offences", "(b) Offences and their provisions", "46(15)(b)"),
    ("facts", "(c) Summary of the relevant facts", "46(15)(c)"),
    ("measures", "(d) Assistance sought and procedure", "46(15)(d)"),
    ("persons", "(e) Persons concerned", "46(15)(e)"),
    ("purpose", "(f) Purpose", "46(15)(f)"),
    ("assets", "Assets, with their identifiers", "55(3)"),
    ("link_to_offence", "Link between the assets and the offence", "55(3)"),
    ("legal_basis", "Legal basis", "46(1), (6)-(7)"),
    ("dual_criminality", "Dual criminality", "46(9)(b)"),
    ("language", "Language accepted by the requested state", "46(14)"),
    ("channel", "Channel", "46(13)"),
    ("confidentiality", "Confidentiality", "46(20)"),
    ("use_limitation", "Use limitation", "46(19)"),
    ("deadline", "Deadline and its reasons", "46(24)"),
    ("contact", "Contact point", "46(24)"),
    ("additional_information", "Additional information", "46(16)"),
)


def checklist(report: ValidationReport) -> list[dict[str, Any]]:
    """One row per content the articles ask for, with the problems under it."""
    rows = []
    keys = {key for key, _label, _article in SECTIONS}

    def top(path: str) -> str:
        return path.split(".")[0].split("[")[0]

    for key, label, article in SECTIONS:
        problems = [p for p in report.problems if top(p.path) == key]
        rows.append({"key": key, "label": label, "article": article, "problems": problems})
    other = [p for p in report.problems if top(p.path) not in keys]
    if other:
        rows.append({"key": "other", "label": "Other", "article": "", "problems": other})
    return rows


def _report_view(report: ValidationReport) -> dict[str, Any]:
    return {"report": report, "sections": checklist(report)}


@router.get("/requests/{reference}/draft", response_class=HTMLResponse)
def draft_page(reference: str, request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    req = request_service.get_request(node, actor, reference)
    try:
        document = drafting.get_document(node, actor, reference)
        kept = True
    except NotFound:
        document = drafting.starting_draft(node, actor, reference)
        kept = False
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return render_page(
        request,
        "draft.html",
        node,
        actor,
        csrf,
        req=req,
        text=text,
        kept=kept,
        languages=UN_LANGUAGES,
        **_report_view(
            drafting.check_document(node, actor, reference) if kept else validate_json(text)
        ),
    )


@router.post("/requests/{reference}/draft/check", response_class=HTMLResponse)
def check(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    text: Annotated[str, Form(max_length=900_000)] = "",
) -> HTMLResponse:
    """Validate what is in the editor now, without keeping it."""
    actor, csrf = session
    request_service.get_request(node, actor, reference)  # need-to-know on the request
    return render_page(
        request, "_draft_report.html", node, actor, csrf, **_report_view(validate_json(text))
    )


@router.post("/requests/{reference}/draft")
def save(
    reference: str,
    node: NodeDep,
    session: UiSession,
    text: Annotated[str, Form(max_length=900_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    actor, expected = session
    check_csrf(expected, csrf)
    document, problems = load_json(text)
    if problems:
        raise InvalidInput(f"nothing was saved: {problems[0].message}", where="document")
    drafting.save_document(node, actor, reference, document)
    return RedirectResponse(f"/requests/{reference}/draft", status_code=303)


@router.get("/requests/{reference}/rendered")
def rendered(
    reference: str, node: NodeDep, session: UiSession, lang: str = "en", format: str = "pdf"
) -> Response:
    data = drafting.render_request(node, session[0], reference, lang=lang, fmt=format)
    return Response(
        data,
        media_type=drafting.FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="{reference}-{lang}.{format}"'},
    )
