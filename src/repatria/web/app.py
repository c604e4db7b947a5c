"""The node's web application: JSON API, UI pages and static files in one process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from repatria import __version__
from repatria.service.delivery_worker import DeliveryWorker
from repatria.service.node import Node, open_node
from repatria.service.witnessing_worker import WitnessingWorker
from repatria.settings import Settings
from repatria.web import errors
from repatria.web.api import auth, cases, directory, drafting, law, ledger, requests, tracing
from repatria.web.api import exchange as exchange_api
from repatria.web.api import received as received_api
from repatria.web.limits import BodyLimit
from repatria.web.ui import (
    draft_pages,
    law_pages,
    live,
    pages,
    queue_pages,
    request_forms,
    thread_pages,
)

STATIC = Path(__file__).parent / "ui" / "static"

PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/api/health"),
        ("GET", "/api/openapi.json"),
        ("POST", "/api/auth/token"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/"),
        # The ledger's public face: signed checkpoints, proofs and keys are meant to be
        # checked by anyone, and witnesses push cosignatures (C2SP tlog-witness).
        ("GET", "/api/ledger/checkpoint"),
        ("GET", "/api/ledger/consistency"),
        ("GET", "/api/ledger/keys"),
        ("GET", "/api/ledger/seen"),
        ("POST", "/api/ledger/add-checkpoint"),
        ("POST", "/api/ledger/cosignatures"),
        # Peers deliver sealed envelopes; the envelope itself authenticates (docs/exchange.md).
        ("POST", "/api/exchange/messages"),
        ("POST", "/api/exchange/batch"),
        # The signed network directory, for other nodes to fetch: its signature is what they
        # trust (docs/exchange.md, "The directory reaches every node").
        ("GET", "/api/exchange/directory/signed"),
    }
)
"""Routes that answer without credentials; every other route demands them.
A test walks the whole route table against this set."""


def create_app(settings: Settings, node: Node | None = None) -> FastAPI:
    """Build the app for the node in ``settings.data_dir`` (or an already opened node)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = node is None
        app.state.node = node if node is not None else open_node(settings)
        # The delivery and witnessing workers run in the serving process only (not for an
        # app built around an already opened node, as tests and the demo's in-process nodes
        # do).
        workers: list[DeliveryWorker | WitnessingWorker] = []
        if opened and settings.exchange_worker:
            workers.append(DeliveryWorker(app.state.node))
        if opened and settings.witnessing_worker:
            workers.append(WitnessingWorker(app.state.node))
        for worker in workers:
            worker.start()
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
            if opened:
                app.state.node.close()

    app = FastAPI(
        title="repatria node API",
        version=__version__,
        summary="Mutual legal assistance for asset recovery: cases, requests, entities, events.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    if node is not None:
        app.state.node = node

    def render_html(request: Request, status: int, message: str) -> Response:
        return pages.render_error(request, request.app.state.node, status, message)

    errors.install(app, render_html)
    for router in (
        directory.health_router,
        auth.router,
        auth.me_router,
        cases.router,
        requests.router,
        directory.router,
        law.router,
        drafting.router,
        tracing.router,
        ledger.router,
        request_forms.router,  # before pages: /requests/new is not a reference
        pages.router,
        law_pages.router,
        draft_pages.router,
        queue_pages.router,
        live.router,
        thread_pages.router,
    ):
        app.include_router(router)
    app.include_router(exchange_api.router)
    app.include_router(received_api.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]  # starlette's middleware signature
        response: Response = await call_next(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            " frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
