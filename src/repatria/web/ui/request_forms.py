"""Opening a request in the browser: from the legal-basis finder or from a case.

An officer who found a basis for asking a state for a measure opens the request there,
in one of their cases, with that basis, state and measure filled in; the request is then
drafted by form (``draft_pages``). The fields are those every request carries (UNCAC
46(13)-(15), 46(20), 46(24)); the rest of 46(15) is drafted afterwards.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from repatria.domain.jurisdiction import states, territories_of
from repatria.domain.measure import MEASURES
from repatria.errors import RepatriaError
from repatria.service import cases as case_service
from repatria.service import requests as request_service
from repatria.service.actor import Actor
from repatria.web.deps import NodeDep, UiSession, check_csrf
from repatria.web.errors import status_for
from repatria.web.ui.pages import render_page

router = APIRouter(include_in_schema=False)


def _choices(node: NodeDep, actor: Actor) -> dict[str, Any]:
    own = node.config.jurisdiction
    return {
        "cases": case_service.list_cases(node, actor),
        "states": [(j, territories_of(j.code)) for j in states("en") if j.code != own],
        "measures": [m for m in MEASURES.values() if m.measure.value != "spontaneous-information"],
    }


@router.get("/requests/new", response_class=HTMLResponse)
def new_request_form(
    request: Request,
    node: NodeDep,
    session: UiSession,
    case: str = "",
    requested: str = "",
    measure: str = "",
    basis: str = "",
) -> HTMLResponse:
    """The form, prefilled from the finder's question (state, measure, basis) or a case."""
    actor, csrf = session
    form = {"case": case, "requested_state": requested, "measures": [measure] if measure else [],
            "legal_basis": basis, "title": "", "summary": "", "deadline": "",
            "deadline_reason": "", "urgent": False, "confidential": True}  # fmt: skip
    return render_page(
        request, "request_new.html", node, actor, csrf, form=form, **_choices(node, actor)
    )


@router.post("/requests/new", response_model=None)
def open_request(
    request: Request,
    node: NodeDep,
    session: UiSession,
    case: Annotated[str, Form(max_length=40)] = "",
    requested_state: Annotated[str, Form(max_length=10)] = "",
    measures: Annotated[list[str] | None, Form()] = None,
    title: Annotated[str, Form(max_length=300)] = "",
    summary: Annotated[str, Form(max_length=20_000)] = "",
    legal_basis: Annotated[str, Form(max_length=300)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    deadline_reason: Annotated[str, Form(max_length=2_000)] = "",
    urgent: Annotated[bool, Form()] = False,
    confidential: Annotated[bool, Form()] = False,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Open the request and go on to its draft; a refusal re-shows the form as typed."""
    actor, expected = session
    check_csrf(expected, csrf)
    data = {"direction": "outgoing", "requesting_state": node.config.jurisdiction,
            "requested_state": requested_state, "measures": measures or [], "title": title,
            "summary": summary, "legal_basis": legal_basis or None, "deadline": deadline or None,
            "deadline_reason": deadline_reason or None, "urgent": urgent,
            "confidential": confidential}  # fmt: skip
    try:
        opened = request_service.open_request(node, actor, case, data)
    except RepatriaError as problem:
        status = status_for(problem)
        if status == 401:
            raise
        form = data | {"case": case, "legal_basis": legal_basis, "deadline": deadline,
                       "deadline_reason": deadline_reason}  # fmt: skip
        return render_page(
            request, "request_new.html", node, actor, expected, status_code=status,
            form=form, error=problem.message, error_where=problem.where, **_choices(node, actor),
        )  # fmt: skip
    return RedirectResponse(f"/requests/{opened.reference}/draft", status_code=303)
