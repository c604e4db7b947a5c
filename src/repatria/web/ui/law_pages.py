"""UI pages for the legal basis finder and the treaty network map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from repatria.domain.access import Action, role_allows
from repatria.domain.jurisdiction import states
from repatria.domain.measure import MEASURES
from repatria.law import all_offences
from repatria.service import legal_basis
from repatria.web.deps import NodeDep, UiSession
from repatria.web.ui.pages import render_page

router = APIRouter(include_in_schema=False)


@router.get("/basis", response_class=HTMLResponse)
def basis_page(
    request: Request,
    node: NodeDep,
    session: UiSession,
    requesting: str | None = None,
    requested: str | None = None,
    measure: str = "records",
    offence: str | None = None,
    date: str | None = None,
) -> HTMLResponse:
    """The finder: every basis for a request, ranked, and what does not apply."""
    actor, csrf = session
    result = None
    if requested:
        result = legal_basis.legal_bases(
            node,
            actor,
            requesting=requesting or node.config.jurisdiction,
            requested=requested,
            measure=measure,
            offence=offence,
            on=date,
            explain=True,
        )
    context: dict[str, Any] = {
        "result": result,
        "form": {
            "requesting": requesting or node.config.jurisdiction,
            "requested": requested or "",
            "measure": measure,
            "offence": offence or "",
            "date": date or "",
        },
        "jurisdictions": states("en"),
        "measures": list(MEASURES.values()),
        "offences": all_offences(),
        "can_request": role_allows(actor.roles, Action.REQUEST_CREATE)
        and (requesting or node.config.jurisdiction) == node.config.jurisdiction,
    }
    name = "_basis_result.html" if "hx-request" in request.headers else "basis.html"
    return render_page(request, name, node, actor, csrf, **context)


@router.get("/network", response_class=HTMLResponse)
def network_page(
    request: Request, node: NodeDep, session: UiSession, date: str | None = None
) -> HTMLResponse:
    actor, csrf = session
    summary = legal_basis.network_summary(node, actor, on=date)
    return render_page(request, "network.html", node, actor, csrf, summary=summary)


@router.get("/network/coverage.svg")
def coverage_picture(node: NodeDep, session: UiSession, date: str | None = None) -> FileResponse:
    actor, _ = session
    path = legal_basis.network_picture(node, actor, on=date, kind="svg")
    return FileResponse(path, media_type="image/svg+xml")
