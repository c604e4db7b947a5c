"""One table from exception class to HTTP status, and one error body.

Every error the API returns has the shape
``{"error": {"type": ..., "message": ..., "where": ..., "correlation_id": ...}}``;
a test walks this table and checks each row (style.md principle 7).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from repatria.errors import (
    AuthenticationRequired,
    Conflict,
    HostIncomplete,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PeerUnavailable,
    PermissionDenied,
    RepatriaError,
    TooManyAttempts,
    VerificationFailed,
)
from repatria.logs import get_logger

log = get_logger(__name__)

STATUS: dict[type[RepatriaError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    InvalidTransition: 409,
    Conflict: 409,
    PermissionDenied: 403,
    AuthenticationRequired: 401,
    TooManyAttempts: 429,
    VerificationFailed: 422,
    PeerUnavailable: 503,
    HostIncomplete: 503,
}


def status_for(exc: RepatriaError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(kind: str, message: str, where: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "type": kind,
            "message": message,
            "where": where,
            "correlation_id": uuid.uuid4().hex,
        }
    }


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


HtmlRenderer = Callable[[Request, int, str], Response]

# What FastAPI says when reading a JSON body raised something other than a decode error.
_UNPARSED = "There was an error parsing the body"


def body_problem(raw: bytes) -> str:
    """Why a JSON body could not be read, in words (RFC 8259): FastAPI reports an encoding
    error, nesting past the parser's recursion limit or a number of more than 4,300 digits
    only as "an error parsing the body" (found by R21)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return (
            f"the body is not UTF-8 (RFC 8259 §8.1): byte {exc.start:,} is "
            f"0x{raw[exc.start : exc.start + 1].hex()}"
        )
    try:
        json.loads(text)
    except RecursionError:
        return "the JSON is nested too deeply to read"
    except ValueError as exc:
        return f"the JSON cannot be read: {str(exc)[:200]}"
    return "the JSON body cannot be read"


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path, for a 405's Allow (RFC 9110 §15.5.6).

    Starlette names only the methods of the first route whose path matched, and FastAPI makes
    one route per method, so that was one of several (issue 13.8). Each method is asked of the
    routes as the router would ask it: the ones some route fully matches are allowed.
    """
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def install(app: FastAPI, render_html: HtmlRenderer | None = None) -> None:
    """Register the handlers; pages get an HTML error page (in plain words, with a way back),
    the API the JSON body. A browser asking for a page that does not exist, or sending a
    form that fails validation, gets the HTML page too, never a JSON dead end."""

    @app.exception_handler(RepatriaError)
    async def repatria_error(request: Request, exc: RepatriaError) -> Response:
        status = status_for(exc)
        if status == 401 and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        if render_html is not None and _wants_html(request):
            # A person reads the message; the field is named only where there is one to fix.
            field = f" (field “{exc.where}”)" if status == 422 and exc.where else ""
            return render_html(request, status, f"{exc.message}{field}")
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, TooManyAttempts):  # RFC 6585 §4: say when to come back
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(
            error_body(exc.kind, exc.message, exc.where), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ())]
        where = ".".join(loc) or None
        if first.get("type") == "json_invalid":
            ctx = first.get("ctx", {}) or {}
            message = f"malformed JSON: {ctx.get('error', 'cannot parse the body')}"
            return JSONResponse(error_body("malformed_json", message, "body"), status_code=400)
        message = str(first.get("msg", "invalid input"))
        if render_html is not None and _wants_html(request):
            field = loc[-1] if loc else "the form"
            return render_html(request, 422, f"{field}: {message[:1].lower()}{message[1:]}")
        return JSONResponse(error_body("invalid_input", message, where), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kinds = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        if exc.status_code == 405:
            exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
        if exc.status_code == 400 and exc.detail == _UNPARSED:
            problem = body_problem(await request.body())
            return JSONResponse(error_body("malformed_json", problem, "body"), status_code=400)
        if render_html is not None and _wants_html(request):
            # The address is not repeated: what was typed there may be a secret (R19).
            words = {404: "there is no page at this address"}
            page = render_html(
                request, exc.status_code, words.get(exc.status_code, str(exc.detail))
            )
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(
            error_body(kinds.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        body = error_body("internal_error", "internal error; quote the correlation id")
        # Only the class name is logged: exception text may carry case content.
        log.error(
            "unhandled", error=type(exc).__name__, correlation_id=body["error"]["correlation_id"]
        )
        return JSONResponse(body, status_code=500)
