"""The pages of who does what next: the intake, each person's work queue, case assignment,
and the node administrator's page.

Need-to-know is decided in the services (``service.intake``, ``service.worklist``,
``service.cases``); these routes render what they are given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from repatria.domain.access import Role
from repatria.service import cases as case_service
from repatria.service.administration import node_overview
from repatria.service.intake import assignees, intake
from repatria.service.worklist import worklist
from repatria.web.deps import NodeDep, UiSession, check_csrf
from repatria.web.ui.pages import render_page

router = APIRouter(include_in_schema=False)


def _back(reference: str, given: str) -> str:
    """Where a form returns to: a page of this node only (never another site), else the case."""
    if given in ("/intake", "/work") or given == f"/cases/{reference}":
        return given
    return f"/cases/{reference}"


@router.get("/work", response_class=HTMLResponse)
def work_page(request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    today = datetime.now(UTC).date()
    waiting = len(intake(node, actor)) if Role.SUPERVISOR in actor.roles else 0
    return render_page(
        request,
        "work.html",
        node,
        actor,
        csrf,
        work=worklist(node, actor, today),
        intake_waiting=waiting,
    )


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    return render_page(
        request,
        "intake.html",
        node,
        actor,
        csrf,
        items=intake(node, actor),
        assignees=assignees(node, actor),
    )


@router.post("/cases/{reference}/members")
def assign(
    reference: str,
    node: NodeDep,
    session: UiSession,
    username: Annotated[str, Form(max_length=64)],
    why: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A supervisor gives a colleague the case (recorded as an event with the reason)."""
    actor, expected = session
    check_csrf(expected, csrf)
    case = case_service.assign_member(node, actor, reference, username, why)
    return RedirectResponse(_back(case.reference, back), status_code=303)


@router.post("/cases/{reference}/members/remove")
def unassign(
    reference: str,
    node: NodeDep,
    session: UiSession,
    username: Annotated[str, Form(max_length=64)],
    why: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A supervisor withdraws a colleague's access to the case (recorded, with the reason)."""
    actor, expected = session
    check_csrf(expected, csrf)
    case = case_service.remove_member(node, actor, reference, username, why)
    return RedirectResponse(_back(case.reference, back), status_code=303)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, node: NodeDep, session: UiSession) -> HTMLResponse:
    actor, csrf = session
    return render_page(
        request,
        "admin.html",
        node,
        actor,
        csrf,
        overview=node_overview(node, actor),
        interval=f"{node.settings.witnessing_seconds:g}",
    )
