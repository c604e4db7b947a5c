"""UI pages: sign in, case list, case page with its timeline, request page.

Every page goes through the same service calls as the API, so need-to-know
is enforced below the templates; the templates only show what they are given.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from repatria.domain.access import Action, Role, role_allows
from repatria.domain.case import CaseStatus
from repatria.domain.jurisdiction import jurisdiction_name
from repatria.domain.labels import (
    CASE_STATUS_LABELS,
    DIRECTION_LABELS,
    MEASURE_LABELS,
    ROLE_LABELS,
    state_words,
)
from repatria.domain.lifecycle import (
    STATE_LABELS,
    TRANSITION_LABELS,
    Direction,
    RequestState,
    TransitionName,
    allowed_transitions,
)
from repatria.domain.measure import Measure
from repatria.domain.refusal import RefusalGround
from repatria.errors import RepatriaError, TooManyAttempts
from repatria.service import cases as case_service
from repatria.service import deliveries, use_limitation
from repatria.service import entities as entity_service
from repatria.service import requests as request_service
from repatria.service import thread as thread_service
from repatria.service import tracing as tracing_service
from repatria.service.actor import Actor
from repatria.service.changes import last_event_id
from repatria.service.dialogue import DOCUMENT_MOVES
from repatria.service.intake import assignees
from repatria.service.sign_in_guard import record_forged_form
from repatria.service.users import (
    authenticate_password,
    issue_credential,
    resolve_credential,
    revoke_credential,
)
from repatria.web.deps import SESSION_COOKIE, SIGN_IN_COOKIE, NodeDep, UiSession, check_csrf
from repatria.web.errors import status_for
from repatria.web.ui.landing import SIGN_IN, landing, navigation
from repatria.web.ui.plain_words import heading, in_plain_words

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["state_label"] = lambda value: STATE_LABELS[RequestState(value)]
TEMPLATES.env.filters["transition_label"] = lambda value: TRANSITION_LABELS[TransitionName(value)]
TEMPLATES.env.filters["direction_label"] = lambda value: DIRECTION_LABELS[Direction(value)]
TEMPLATES.env.filters["measure_label"] = lambda value: MEASURE_LABELS[Measure(value)]
TEMPLATES.env.filters["case_status_label"] = lambda value: CASE_STATUS_LABELS[CaseStatus(value)]
TEMPLATES.env.filters["role_label"] = lambda value: ROLE_LABELS[Role(value)]
TEMPLATES.env.filters["state_words"] = lambda value, direction: state_words(
    RequestState(value), Direction(direction)
)
TEMPLATES.env.filters["country"] = lambda code: f"{code} · {jurisdiction_name(code)}"
router = APIRouter(include_in_schema=False)


def render_page(
    request: Request,
    name: str,
    node: NodeDep,
    actor: Actor | None,
    csrf: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    view = {
        "node": node.config,
        "actor": (
            {
                "display_name": actor.display_name,
                "username": actor.username,
                "roles": sorted(r.value for r in actor.roles),
                "nav": navigation(actor.roles),
                "landing": landing(actor.roles),
            }
            if actor
            else None
        ),
        "csrf": csrf,
        "live_after": last_event_id(node) if actor else 0,
        "today": datetime.now(UTC).date(),
        **context,
    }
    return TEMPLATES.TemplateResponse(request, name, view, status_code=status_code)


def _signed_in(request: Request, node: NodeDep) -> tuple[Actor | None, str]:
    """Who is signed in, if anyone, for a page that does not demand it (errors, home)."""
    try:
        actor, csrf = resolve_credential(
            node, request.cookies.get(SESSION_COOKIE, ""), kind="session"
        )
    except RepatriaError:
        return None, ""
    return actor, csrf or ""


def render_error(request: Request, node: NodeDep, status: int, message: str) -> HTMLResponse:
    """An error page in plain words with a way back that works for the person's role: their
    landing page (never the page that refused) and the previous page."""
    actor, csrf = _signed_in(request, node)
    title, explanation = heading(status)
    return render_page(
        request,
        "error.html",
        node,
        actor,
        csrf,
        status_code=status,
        status=status,
        title=title,
        explanation=explanation,
        message=in_plain_words(message),
        home=landing(actor.roles) if actor else SIGN_IN,
    )


FORGED_SIGN_IN = (
    "This sign-in form had expired or did not come from this node's own page, so nothing was"
    " checked. The form has been reloaded: sign in again."
)


def _sign_in_page(
    request: Request, node: NodeDep, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    """The sign-in form with a fresh token, also set as a cookie only /login reads back."""
    token = secrets.token_urlsafe(32)
    page = render_page(request, "login.html", node, None, token, status_code=status_code,
                       error=error)  # fmt: skip
    page.set_cookie(SIGN_IN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                    secure=node.settings.cookie_secure, path="/login")  # fmt: skip
    return page


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, node: NodeDep) -> HTMLResponse:
    return _sign_in_page(request, node)


@router.post("/login", response_model=None)
def login(
    request: Request,
    node: NodeDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    source = request.client.host if request.client else "unknown"
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf):
        record_forged_form(node, username, source)
        return _sign_in_page(request, node, 403, FORGED_SIGN_IN)
    try:
        actor = authenticate_password(node, username, password, source=source)
    except RepatriaError as exc:
        page = _sign_in_page(request, node, status_for(exc), exc.message)
        if isinstance(exc, TooManyAttempts):
            page.headers["Retry-After"] = str(exc.retry_after)  # RFC 9110 §10.2.3
        return page
    credential = issue_credential(
        node, actor, kind="session", lifetime=timedelta(hours=node.settings.session_hours)
    )
    response = RedirectResponse(landing(actor.roles).href, status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE, path="/login")
    response.set_cookie(
        SESSION_COOKIE,
        credential.secret,
        max_age=node.settings.session_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=node.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, node: NodeDep, session: UiSession, csrf: Annotated[str, Form()] = ""
) -> RedirectResponse:
    check_csrf(session[1], csrf)
    revoke_credential(node, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request, node: NodeDep) -> RedirectResponse:
    """Signed in: the person's landing page; otherwise the sign-in page."""
    actor, _ = _signed_in(request, node)
    return RedirectResponse(landing(actor.roles).href if actor else "/login", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    return render_page(
        request,
        "cases.html",
        node,
        actor,
        csrf,
        cases=case_service.list_cases(node, actor),
        can_open=role_allows(actor.roles, Action.CASE_CREATE),
    )


@router.post("/cases")
def open_case(
    node: NodeDep,
    session: UiSession,
    title: Annotated[str, Form(max_length=300)],
    summary: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    actor, expected = session
    check_csrf(expected, csrf)
    case = case_service.open_case(node, actor, {"title": title, "summary": summary})
    return RedirectResponse(f"/cases/{case.reference}", status_code=303)


@router.get("/cases/{reference}", response_class=HTMLResponse)
def case_page(reference: str, request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    case = case_service.get_case(node, actor, reference)
    can_assign = role_allows(actor.roles, Action.CASE_ASSIGN)
    return render_page(
        request,
        "case.html",
        node,
        actor,
        csrf,
        case=case,
        can_assign=can_assign,
        can_request=role_allows(actor.roles, Action.REQUEST_CREATE),
        assignees=assignees(node, actor) if can_assign else [],
        requests=request_service.list_requests(
            node, actor, request_service.RequestFilter(case=case.reference)
        ),
        entities=entity_service.list_entities(node, actor, case.reference),
        events=case_service.case_timeline(node, actor, case.reference),
        marks=case_service.case_event_marks(node, actor, case.reference),
        traces=[
            tracing_service.get_trace(node, actor, case.reference, t.trace)
            for t in tracing_service.list_traces(node, actor, case.reference)
        ],
    )


@router.get("/cases/{reference}/events/{event_id}/proof.json")
def event_proof(reference: str, event_id: int, node: NodeDep, session: UiSession) -> Response:
    """Download the inclusion proof of a timeline event (check it with `repatria ledger
    check-proof`)."""
    proof = case_service.case_event_proof(node, session[0], reference, event_id)
    return Response(
        json.dumps(proof.to_dict(), indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{reference}-event-{event_id}-proof.json"'
        },
    )


@router.get("/cases/{reference}/traces/{trace_id}/flow.svg")
def trace_flow(reference: str, trace_id: str, node: NodeDep, session: UiSession) -> FileResponse:
    """The money-flow graph of a trace: accounts grouped by country, width = tainted amount."""
    path = tracing_service.trace_picture(node, session[0], reference, trace_id)
    return FileResponse(path, media_type="image/svg+xml")


@router.post("/cases/{reference}/traces/{trace_id}/draft")
def draft_from_trace(
    reference: str,
    trace_id: str,
    node: NodeDep,
    session: UiSession,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    actor, expected = session
    check_csrf(expected, csrf)
    tracing_service.draft_freezing_requests(node, actor, reference, trace_id)
    return RedirectResponse(f"/cases/{reference}#requests", status_code=303)


def _state_context(node: NodeDep, actor: Actor, reference: str) -> dict[str, Any]:
    req = request_service.get_request(node, actor, reference)
    transitions = allowed_transitions(req.state, req.direction)
    if req.peer_node:  # the other side's moves arrive from its node, not by hand
        transitions = [t for t in transitions if t.side is req.direction.own_side]
    return {
        "req": req,
        "messages": deliveries.request_messages(node, actor, reference),
        "handling": {
            m.message_id: m.handling
            for m in use_limitation.received_messages(node, actor, reference)
        },
        "transitions": transitions,
        "own_side": req.direction.own_side.value,
        "refusal_grounds": list(RefusalGround),
        "direction": Direction,
        "thread": thread_service.request_thread(node, actor, reference),
        "inquiries": request_service.list_inquiries(node, actor, reference),
        "other_state": thread_service.other_state(req),
        "prompts": {t.value: p for t, p in thread_service.MOVE_PROMPTS.items()},
        "ground_labels": thread_service.GROUND_LABELS,
        "document_moves": {t.value for t in DOCUMENT_MOVES},
        "attached_limit_kib": thread_service.ATTACHED_KIB,
        "message_labels": {t.value: label for t, label in thread_service.MESSAGE_LABELS.items()},
    }


@router.get("/requests/{reference}", response_class=HTMLResponse)
def request_page(
    reference: str, request: Request, node: NodeDep, session: UiSession
) -> HTMLResponse:
    actor, csrf = session
    return render_page(
        request, "request.html", node, actor, csrf, **_state_context(node, actor, reference)
    )


@router.post("/requests/{reference}/transition", response_class=HTMLResponse)
def transition(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    transition: Annotated[str, Form(max_length=64)],
    why: Annotated[str, Form(max_length=20_000)] = "",
    grounds: Annotated[list[str] | None, Form()] = None,
    expected_state: Annotated[str | None, Form(max_length=64)] = None,
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Apply a transition and return the refreshed state panel (htmx swaps it in)."""
    actor, expected = session
    check_csrf(expected, csrf)
    error = None
    status = 200
    try:
        request_service.apply_transition(
            node,
            actor,
            reference,
            transition,
            why=why,
            grounds=grounds or [],
            expected_state=expected_state,
        )
    except RepatriaError as exc:
        error, status = str(exc), status_for(exc)
        if status in (401, 404):
            raise
    return render_page(
        request,
        "_state.html",
        node,
        actor,
        expected,
        status_code=status,
        error=error,
        **_state_context(node, actor, reference),
    )
