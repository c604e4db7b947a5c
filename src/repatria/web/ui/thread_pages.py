"""The conversation's forms on the request page: moves with documents, status inquiries and
their answers (UNCAC 46(24)), the answer to a consultation (46(26)), document downloads.

Each form posts here and gets the refreshed state panel back (htmx swaps it in), thread
included; without script the browser is sent back to the request page. Refusals are shown
in the panel, beside the form, with nothing stored.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from repatria.errors import RepatriaError
from repatria.service import requests as request_service
from repatria.service.actor import Actor
from repatria.service.attachments import Upload, open_document
from repatria.service.thread import move_with_documents
from repatria.web.deps import NodeDep, UiSession, check_csrf
from repatria.web.errors import status_for
from repatria.web.ui.pages import _state_context, render_page

router = APIRouter(include_in_schema=False)


def _panel(
    request: Request, node: NodeDep, actor: Actor, csrf: str, reference: str,
    error: RepatriaError | None,
) -> Response:  # fmt: skip
    """The state panel after a form (htmx), or back to the page (a plain form post)."""
    status = 200
    if error is not None:
        status = status_for(error)
        if status in (401, 404):
            raise error
    if error is None and "hx-request" not in request.headers:
        return RedirectResponse(f"/requests/{reference}#thread", status_code=303)
    template = "_state.html" if "hx-request" in request.headers else "request.html"
    return render_page(
        request, template, node, actor, csrf, status_code=status,
        error=str(error) if error else None, **_state_context(node, actor, reference),
    )  # fmt: skip


async def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    chosen = [f for f in files or [] if f.filename]
    return [
        Upload(f.filename or "", f.content_type or "", await f.read()) for f in chosen
    ]  # fmt: skip


@router.post("/requests/{reference}/move", response_class=HTMLResponse, response_model=None)
async def move(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    transition: Annotated[str, Form(max_length=64)],
    why: Annotated[str, Form(max_length=20_000)] = "",
    grounds: Annotated[list[str] | None, Form()] = None,
    expected_state: Annotated[str | None, Form(max_length=64)] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A move of this side, with the documents uploaded beside it (46(16), 46(24))."""
    actor, expected = session
    check_csrf(expected, csrf)
    error = None
    try:
        move_with_documents(node, actor, reference, transition, why=why, grounds=grounds or [],
                            expected_state=expected_state,
                            uploads=await _uploads(files))  # fmt: skip
    except RepatriaError as exc:
        error = exc
    return _panel(request, node, actor, expected, reference, error)


@router.post("/requests/{reference}/inquiries", response_class=HTMLResponse, response_model=None)
def ask(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    question: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Ask the requested state how the request stands (46(24))."""
    actor, expected = session
    check_csrf(expected, csrf)
    error = None
    try:
        request_service.ask_status(node, actor, reference, question)
    except RepatriaError as exc:
        error = exc
    return _panel(request, node, actor, expected, reference, error)


@router.post(
    "/requests/{reference}/inquiries/{inquiry}/answer",
    response_class=HTMLResponse,
    response_model=None,
)
def answer(
    reference: str,
    inquiry: int,
    request: Request,
    node: NodeDep,
    session: UiSession,
    answer: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Answer an open status inquiry (46(24): reasonable requests get an answer)."""
    actor, expected = session
    check_csrf(expected, csrf)
    error = None
    try:
        request_service.answer_status(node, actor, reference, inquiry, answer)
    except RepatriaError as exc:
        error = exc
    return _panel(request, node, actor, expected, reference, error)


@router.post(
    "/requests/{reference}/consultation-answer",
    response_class=HTMLResponse,
    response_model=None,
)
def consultation_answer(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    verdict: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Accept or decline the conditions offered in a consultation (46(26))."""
    actor, expected = session
    check_csrf(expected, csrf)
    error = None
    try:
        request_service.answer_consultation(
            node, actor, reference, accepted=verdict == "accept", note=note
        )
    except RepatriaError as exc:
        error = exc
    return _panel(request, node, actor, expected, reference, error)


@router.get("/requests/{reference}/documents/{sha256}")
def document(reference: str, sha256: str, node: NodeDep, session: UiSession) -> Response:
    """A document of the conversation, for members of the request's case (recorded)."""
    got = open_document(node, session[0], reference, sha256)
    name = got.document.name
    plain = name.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("?", "_")
    return Response(
        got.content,
        media_type=got.document.media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
