"""R16: the need-to-know matrix over every route and every role.

Each row says, for one route, what each kind of caller must get. The table is
code and is reviewed like code; a route the app serves that is missing here
fails the test, and so does any unexpected 2xx.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount

from repatria.service import cases, drafting, requests
from repatria.service.node import Node
from repatria.store.tables import AccessDecisionRow
from repatria.web.app import PUBLIC_ROUTES, create_app
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import (
    PASSWORD,
    REQUEST_BODY,
    CaseFixture,
    People,
    complete_document,
    sign_in_form,
)
from tests.web.conftest import Credentials

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "delta_transactions.csv"
ROLES = ("supervisor", "officer", "reviewer", "auditor", "outsider", "admin", "anonymous")
_counter = itertools.count()


def row(sup: int, off: int, rev: int, aud: int, out: int, adm: int, anon: int) -> dict[str, int]:
    return dict(zip(ROLES, (sup, off, rev, aud, out, adm, anon), strict=True))


MEMBER_READ = row(200, 200, 200, 200, 404, 403, 401)
WORKER_WRITE = row(201, 201, 403, 403, 404, 403, 401)
LISTING = row(200, 200, 200, 200, 200, 403, 401)
ANYONE_SIGNED_IN = row(200, 200, 200, 200, 200, 200, 401)
PUBLIC = row(200, 200, 200, 200, 200, 200, 200)
ADMIN_ONLY = row(403, 403, 403, 403, 403, 200, 401)
# UI pages: anonymous callers are sent to the sign-in page (303).
PAGE_READ = row(200, 200, 200, 200, 404, 403, 303)
PAGE_ACT = row(200, 200, 403, 403, 404, 403, 303)
PAGE_ANYONE = row(200, 200, 200, 200, 200, 200, 303)
NO_MESSAGE = "ab" * 32
UNKNOWN_MESSAGE = row(404, 404, 404, 404, 404, 404, 401)


@dataclass
class Ctx:
    node: Node
    people: People
    case: CaseFixture
    role: str
    creds: Credentials | None

    def fresh_request(self) -> str:
        """A draft request with complete content, so every allowed move can succeed."""
        reference = requests.open_request(
            self.node, self.people.officer, self.case.case, REQUEST_BODY
        ).reference
        drafting.save_document(
            self.node, self.people.officer, reference, complete_document(reference)
        )
        return reference

    def trace(self) -> str:
        from repatria.service import tracing

        summary = tracing.trace_case(
            self.node, self.people.officer, self.case.case, RECORDS, ["t1"], "fifo"
        )
        return summary.trace

    def event(self) -> int:
        return cases.case_timeline(self.node, self.people.supervisor, self.case.case)[0].id

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(_counter)}"


Call = tuple[str, str, dict[str, Any]]
Maker = Callable[[Ctx], Call]


def _r(ctx: Ctx) -> str:
    return ctx.case.request


ROUTES: dict[tuple[str, str], tuple[Maker, dict[str, int]]] = {
    ("GET", "/api/health"): (lambda c: ("GET", "/api/health", {}), PUBLIC),
    ("GET", "/api/openapi.json"): (lambda c: ("GET", "/api/openapi.json", {}), PUBLIC),
    ("POST", "/api/auth/token"): (
        lambda c: (
            "POST",
            "/api/auth/token",
            {
                "json": {
                    "username": c.role if c.role != "anonymous" else "nobody",
                    "password": PASSWORD,
                }
            },
        ),
        row(201, 201, 201, 201, 201, 201, 401),
    ),
    ("DELETE", "/api/auth/token"): (
        lambda c: ("DELETE", "/api/auth/token", {}),
        row(204, 204, 204, 204, 204, 204, 401),
    ),
    ("GET", "/api/me"): (lambda c: ("GET", "/api/me", {}), ANYONE_SIGNED_IN),
    ("GET", "/api/cases"): (lambda c: ("GET", "/api/cases", {}), LISTING),
    ("POST", "/api/cases"): (
        lambda c: ("POST", "/api/cases", {"json": {"title": "new"}}),
        row(201, 201, 403, 403, 201, 403, 401),
    ),
    ("GET", "/api/cases/{reference}"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/cases/{reference}/members"): (
        lambda c: (
            "POST",
            f"/api/cases/{c.case.case}/members",
            {"json": {"username": "outsider", "why": "joins"}},
        ),
        row(201, 403, 403, 403, 403, 403, 401),
    ),
    ("DELETE", "/api/cases/{reference}/members/{username}"): (
        lambda c: (
            "DELETE",
            f"/api/cases/{c.case.case}/members/reviewer",
            {"params": {"why": "done"}},
        ),
        row(200, 403, 403, 403, 403, 403, 401),
    ),
    ("GET", "/api/cases/{reference}/events"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/events", {}),
        MEMBER_READ,
    ),
    ("GET", "/api/cases/{reference}/entities"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/entities", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/cases/{reference}/entities"): (
        lambda c: (
            "POST",
            f"/api/cases/{c.case.case}/entities",
            {"json": {"id": c.unique("p"), "schema": "Person", "properties": {"name": ["X"]}}},
        ),
        WORKER_WRITE,
    ),
    ("GET", "/api/cases/{reference}/entities/{entity_id}"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/entities/{c.case.entity}", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/cases/{reference}/requests"): (
        lambda c: ("POST", f"/api/cases/{c.case.case}/requests", {"json": REQUEST_BODY}),
        WORKER_WRITE,
    ),
    ("GET", "/api/requests"): (lambda c: ("GET", "/api/requests", {}), LISTING),
    ("GET", "/api/deadlines"): (lambda c: ("GET", "/api/deadlines", {}), LISTING),
    ("GET", "/api/requests/{reference}"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}", {}),
        MEMBER_READ,
    ),
    ("GET", "/api/requests/{reference}/transitions"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}/transitions", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/requests/{reference}/transitions"): (
        lambda c: (
            "POST",
            f"/api/requests/{c.fresh_request()}/transitions",
            {"json": {"transition": "mark-ready"}},
        ),
        row(200, 200, 403, 403, 404, 403, 401),
    ),
    ("GET", "/api/requests/{reference}/inquiries"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}/inquiries", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/requests/{reference}/inquiries"): (
        lambda c: ("POST", f"/api/requests/{_r(c)}/inquiries", {"json": {"question": "news?"}}),
        WORKER_WRITE,
    ),
    ("POST", "/api/requests/{reference}/inquiries/{inquiry_id}/answer"): (
        lambda c: (
            "POST",
            (
                f"/api/requests/{_r(c)}/inquiries/"
                f"{requests.ask_status(c.node, c.people.officer, _r(c), 'q').id}/answer"
            ),
            {"json": {"answer": "soon"}},
        ),
        row(200, 200, 403, 403, 404, 403, 401),
    ),
    ("GET", "/api/authorities"): (lambda c: ("GET", "/api/authorities", {}), ANYONE_SIGNED_IN),
    ("POST", "/api/authorities"): (
        lambda c: (
            "POST",
            "/api/authorities",
            {
                "json": {
                    "key": c.unique("ca-"),
                    "name": "Central Authority",
                    "role": "central-authority",
                    "jurisdiction": "GB",
                    "languages": ["en"],
                }
            },
        ),
        row(403, 403, 403, 403, 403, 201, 401),
    ),
    ("GET", "/api/users"): (lambda c: ("GET", "/api/users", {}), ADMIN_ONLY),
    ("POST", "/api/users"): (
        lambda c: (
            "POST",
            "/api/users",
            {"json": {"username": c.unique("u"), "password": PASSWORD, "roles": ["auditor"]}},
        ),
        row(403, 403, 403, 403, 403, 201, 401),
    ),
    ("GET", "/api/audit/access"): (
        lambda c: ("GET", "/api/audit/access", {}),
        row(403, 403, 403, 200, 403, 403, 401),
    ),
    ("GET", "/api/basis"): (
        lambda c: (
            "GET",
            "/api/basis",
            {"params": {"requesting": "NG", "requested": "GB", "measure": "freezing"}},
        ),
        ANYONE_SIGNED_IN,
    ),
    ("GET", "/api/network"): (lambda c: ("GET", "/api/network", {}), ANYONE_SIGNED_IN),
    ("GET", "/basis"): (
        lambda c: ("GET", "/basis", {"params": {"requested": "GB", "measure": "records"}}),
        PAGE_ANYONE,
    ),
    ("GET", "/network"): (lambda c: ("GET", "/network", {}), PAGE_ANYONE),
    ("GET", "/network/coverage.svg"): (
        lambda c: ("GET", "/network/coverage.svg", {}),
        PAGE_ANYONE,
    ),
    ("GET", "/api/cases/{reference}/traces"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/traces", {}),
        MEMBER_READ,
    ),
    ("GET", "/api/cases/{reference}/traces/{trace_id}"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/traces/{c.trace()}", {}),
        MEMBER_READ,
    ),
    ("POST", "/api/cases/{reference}/traces/{trace_id}/draft-requests"): (
        lambda c: ("POST", f"/api/cases/{c.case.case}/traces/{c.trace()}/draft-requests", {}),
        WORKER_WRITE,
    ),
    ("GET", "/cases/{reference}/traces/{trace_id}/flow.svg"): (
        lambda c: ("GET", f"/cases/{c.case.case}/traces/{c.trace()}/flow.svg", {}),
        PAGE_READ,
    ),
    ("POST", "/cases/{reference}/traces/{trace_id}/draft"): (
        lambda c: ("POST", f"/cases/{c.case.case}/traces/{c.trace()}/draft", {"data": {}}),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("GET", "/api/ledger/checkpoint"): (lambda c: ("GET", "/api/ledger/checkpoint", {}), PUBLIC),
    ("GET", "/api/ledger/consistency"): (
        lambda c: ("GET", "/api/ledger/consistency", {"params": {"old": 1, "new": 2}}),
        PUBLIC,
    ),
    ("GET", "/api/ledger/keys"): (lambda c: ("GET", "/api/ledger/keys", {}), PUBLIC),
    ("GET", "/api/ledger/seen"): (
        lambda c: ("GET", "/api/ledger/seen", {"params": {"origin": "repatria/gb-a"}}),
        PUBLIC,
    ),
    # Peers push signed payloads without credentials; garbage is refused the same for all.
    ("POST", "/api/ledger/add-checkpoint"): (
        lambda c: ("POST", "/api/ledger/add-checkpoint", {"content": "old 0\n\nnot a note"}),
        row(400, 400, 400, 400, 400, 400, 400),
    ),
    # Peers deliver sealed envelopes without credentials; garbage is refused the same for all.
    ("POST", "/api/exchange/messages"): (
        lambda c: ("POST", "/api/exchange/messages", {"content": b"not an envelope"}),
        row(400, 400, 400, 400, 400, 400, 400),
    ),
    # A batch is answered item by item: the garbage envelope is refused inside a 200.
    ("POST", "/api/exchange/batch"): (
        lambda c: (
            "POST",
            "/api/exchange/batch",
            {"json": {"envelopes": ["bm90IGFuIGVudmVsb3Bl"]}},
        ),
        row(200, 200, 200, 200, 200, 200, 200),
    ),
    ("GET", "/api/requests/{reference}/messages"): (
        lambda c: ("GET", f"/api/requests/{c.case.request}/messages", {}),
        MEMBER_READ,
    ),
    ("GET", "/api/exchange/outbox"): (lambda c: ("GET", "/api/exchange/outbox", {}), ADMIN_ONLY),
    ("GET", "/api/exchange/inbox"): (lambda c: ("GET", "/api/exchange/inbox", {}), ADMIN_ONLY),
    # No directory accepted in this node: the operator's round finds nothing to send with.
    ("POST", "/api/exchange/deliver"): (
        lambda c: ("POST", "/api/exchange/deliver", {}),
        row(403, 403, 403, 403, 403, 404, 401),
    ),
    ("GET", "/api/exchange/directory"): (
        lambda c: ("GET", "/api/exchange/directory", {}),
        row(404, 404, 404, 404, 404, 404, 401),
    ),
    # The signed directory is public for other nodes to fetch; this node has accepted none.
    ("GET", "/api/exchange/directory/signed"): (
        lambda c: ("GET", "/api/exchange/directory/signed", {}),
        row(404, 404, 404, 404, 404, 404, 404),
    ),
    # An unsigned directory is refused even for the operator; nobody else may offer one.
    ("POST", "/api/exchange/directory"): (
        lambda c: ("POST", "/api/exchange/directory", {"content": b"{}"}),
        row(403, 403, 403, 403, 403, 422, 401),
    ),
    ("GET", "/api/requests/{reference}/received"): (
        lambda c: ("GET", f"/api/requests/{c.case.request}/received", {}),
        MEMBER_READ,
    ),
    # No message was received in this node: every caller who may act learns only that.
    ("POST", "/api/received/{message_id}/export"): (
        lambda c: ("POST", f"/api/received/{NO_MESSAGE}/export", {}),
        UNKNOWN_MESSAGE,
    ),
    ("POST", "/api/received/{message_id}/use"): (
        lambda c: (
            "POST",
            f"/api/received/{NO_MESSAGE}/use",
            {"json": {"case": c.case.case, "purpose": "investigation"}},
        ),
        UNKNOWN_MESSAGE,
    ),
    ("POST", "/api/received/{message_id}/forward"): (
        lambda c: ("POST", f"/api/received/{NO_MESSAGE}/forward", {"json": {"recipient": "x"}}),
        UNKNOWN_MESSAGE,
    ),
    ("POST", "/api/received/{message_id}/consent-requests"): (
        lambda c: (
            "POST",
            f"/api/received/{NO_MESSAGE}/consent-requests",
            {
                "json": {
                    "kind": "use",
                    "reason": "r",
                    "purpose": "investigation",
                    "case": c.case.case,
                }
            },
        ),
        UNKNOWN_MESSAGE,
    ),
    ("POST", "/api/received/{message_id}/consent-answer"): (
        lambda c: (
            "POST",
            f"/api/received/{NO_MESSAGE}/consent-answer",
            {"json": {"granted": True, "conditions": []}},
        ),
        UNKNOWN_MESSAGE,
    ),
    # Not travelling by exchange: the supervisor learns there is no consultation to answer.
    ("POST", "/api/requests/{reference}/consultation-answer"): (
        lambda c: (
            "POST",
            f"/api/requests/{c.case.request}/consultation-answer",
            {"json": {"accepted": True}},
        ),
        row(409, 403, 403, 403, 404, 403, 401),
    ),
    # No directory accepted: the supervisor learns the node is not on a network.
    ("POST", "/api/cases/{reference}/spontaneous-information"): (
        lambda c: (
            "POST",
            f"/api/cases/{c.case.case}/spontaneous-information",
            {"json": {"to": "gb-uka", "basis": "56", "summary": "a flat"}},
        ),
        row(404, 403, 403, 403, 404, 403, 401),
    ),
    ("POST", "/api/ledger/cosignatures"): (
        lambda c: ("POST", "/api/ledger/cosignatures", {"content": "not a note"}),
        row(404, 404, 404, 404, 404, 404, 404),
    ),
    ("GET", "/api/ledger/alarms"): (
        lambda c: ("GET", "/api/ledger/alarms", {}),
        row(403, 403, 403, 200, 403, 200, 401),
    ),
    ("GET", "/api/cases/{reference}/events/{event_id}/proof"): (
        lambda c: ("GET", f"/api/cases/{c.case.case}/events/{c.event()}/proof", {}),
        MEMBER_READ,
    ),
    ("GET", "/cases/{reference}/events/{event_id}/proof.json"): (
        lambda c: ("GET", f"/cases/{c.case.case}/events/{c.event()}/proof.json", {}),
        PAGE_READ,
    ),
    ("POST", "/api/drafting/validate"): (
        lambda c: ("POST", "/api/drafting/validate", {"json": {}}),
        ANYONE_SIGNED_IN,
    ),
    ("GET", "/api/requests/{reference}/document"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}/document", {}),
        MEMBER_READ,
    ),
    ("PUT", "/api/requests/{reference}/document"): (
        lambda c: (
            "PUT",
            f"/api/requests/{(ref := c.fresh_request())}/document",
            {"json": complete_document(ref)},
        ),
        row(200, 200, 403, 403, 404, 403, 401),
    ),
    ("GET", "/api/requests/{reference}/validation"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}/validation", {}),
        MEMBER_READ,
    ),
    ("GET", "/api/requests/{reference}/rendered"): (
        lambda c: ("GET", f"/api/requests/{_r(c)}/rendered", {"params": {"format": "docx"}}),
        MEMBER_READ,
    ),
    ("GET", "/requests/{reference}/draft"): (
        lambda c: ("GET", f"/requests/{_r(c)}/draft", {}),
        PAGE_READ,
    ),
    ("POST", "/requests/{reference}/draft/check"): (
        lambda c: ("POST", f"/requests/{_r(c)}/draft/check", {"data": {"text": "{}"}}),
        PAGE_READ,
    ),
    ("GET", "/requests/{reference}/draft.json"): (
        lambda c: ("GET", f"/requests/{_r(c)}/draft.json", {}),
        PAGE_READ,
    ),
    ("POST", "/requests/{reference}/draft/template"): (
        lambda c: ("POST", f"/requests/{_r(c)}/draft/template", {"data": {"template": "freezing"}}),
        PAGE_READ,
    ),
    ("POST", "/requests/{reference}/draft/rows"): (
        lambda c: ("POST", f"/requests/{_r(c)}/draft/rows", {"data": {"add": "offences"}}),
        PAGE_READ,
    ),
    ("POST", "/requests/{reference}/draft/import"): (
        lambda c: ("POST", f"/requests/{_r(c)}/draft/import", {"data": {"text": "{}"}}),
        PAGE_READ,
    ),
    ("POST", "/requests/{reference}/draft"): (
        lambda c: (
            "POST",
            f"/requests/{(ref := c.fresh_request())}/draft",
            {"data": {"text": json.dumps(complete_document(ref))}},
        ),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("GET", "/requests/{reference}/rendered"): (
        lambda c: ("GET", f"/requests/{_r(c)}/rendered", {"params": {"format": "docx"}}),
        PAGE_READ,
    ),
    ("GET", "/login"): (lambda c: ("GET", "/login", {}), PUBLIC),
    ("POST", "/login"): (
        lambda c: (
            "POST",
            "/login",
            {
                "data": {
                    "username": c.role if c.role != "anonymous" else "nobody",
                    "password": PASSWORD,
                }
            },
        ),
        row(303, 303, 303, 303, 303, 303, 401),
    ),
    ("POST", "/logout"): (
        lambda c: ("POST", "/logout", {"data": {}}),
        row(303, 303, 303, 303, 303, 303, 303),
    ),
    ("GET", "/"): (lambda c: ("GET", "/", {}), row(303, 303, 303, 303, 303, 303, 303)),
    ("GET", "/cases"): (lambda c: ("GET", "/cases", {}), row(200, 200, 200, 200, 200, 403, 303)),
    ("POST", "/cases"): (
        lambda c: ("POST", "/cases", {"data": {"title": "from the UI"}}),
        row(303, 303, 403, 403, 303, 403, 303),
    ),
    ("GET", "/cases/{reference}"): (lambda c: ("GET", f"/cases/{c.case.case}", {}), PAGE_READ),
    ("GET", "/work"): (lambda c: ("GET", "/work", {}), row(200, 200, 200, 200, 200, 403, 303)),
    ("GET", "/intake"): (lambda c: ("GET", "/intake", {}), row(200, 403, 403, 403, 403, 403, 303)),
    ("GET", "/admin"): (lambda c: ("GET", "/admin", {}), row(403, 403, 403, 403, 403, 200, 303)),
    ("GET", "/live"): (
        lambda c: ("GET", "/live", {"params": {"wait": 0}}),
        row(200, 200, 200, 200, 200, 403, 303),
    ),
    ("POST", "/cases/{reference}/members"): (
        lambda c: (
            "POST",
            f"/cases/{c.case.case}/members",
            {"data": {"username": "outsider", "why": "needs to know"}},
        ),
        row(303, 403, 403, 403, 403, 403, 303),
    ),
    ("POST", "/cases/{reference}/members/remove"): (
        lambda c: (
            "POST",
            f"/cases/{c.case.case}/members/remove",
            {"data": {"username": "reviewer", "why": "no longer needed"}},
        ),
        row(303, 403, 403, 403, 403, 403, 303),
    ),
    ("GET", "/requests/{reference}"): (lambda c: ("GET", f"/requests/{_r(c)}", {}), PAGE_READ),
    ("GET", "/requests/new"): (
        lambda c: ("GET", "/requests/new", {"params": {"requested": "GB", "measure": "freezing"}}),
        row(200, 200, 200, 200, 200, 403, 303),
    ),
    ("POST", "/requests/new"): (
        lambda c: (
            "POST",
            "/requests/new",
            {
                "data": {
                    "case": c.case.case,
                    "requested_state": "GB",
                    "measures": ["records"],
                    "title": "from the form",
                }
            },
        ),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("POST", "/requests/{reference}/transition"): (
        lambda c: (
            "POST",
            f"/requests/{c.fresh_request()}/transition",
            {"data": {"transition": "mark-ready"}},
        ),
        PAGE_ACT,
    ),
    # the conversation's forms (web/ui/thread_pages.py): a plain form post is sent back to
    # the request page (303); a refusal is shown on the page with its status
    ("POST", "/requests/{reference}/move"): (
        lambda c: (
            "POST",
            f"/requests/{c.fresh_request()}/move",
            {"data": {"transition": "mark-ready", "why": "complete"}},
        ),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("POST", "/requests/{reference}/inquiries"): (
        lambda c: ("POST", f"/requests/{_r(c)}/inquiries", {"data": {"question": "progress?"}}),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("POST", "/requests/{reference}/inquiries/{inquiry}/answer"): (
        lambda c: (
            "POST",
            (
                f"/requests/{(ref := c.fresh_request())}/inquiries/"
                f"{requests.ask_status(c.node, c.people.officer, ref, 'progress?').id}/answer"
            ),
            {"data": {"answer": "the bank is producing the records"}},
        ),
        row(303, 303, 403, 403, 404, 403, 303),
    ),
    ("POST", "/requests/{reference}/consultation-answer"): (
        lambda c: (
            "POST",
            f"/requests/{_r(c)}/consultation-answer",
            {"data": {"verdict": "accept"}},
        ),
        row(409, 403, 403, 403, 404, 403, 303),
    ),
    ("GET", "/requests/{reference}/documents/{sha256}"): (
        lambda c: ("GET", f"/requests/{_r(c)}/documents/{NO_MESSAGE}", {}),
        row(404, 404, 404, 404, 404, 403, 303),
    ),
}

PUBLIC_MOUNTS = {"/static"}


def _flatten(routes: list[Any]) -> list[Any]:
    """Every route, looking inside included routers (FastAPI keeps them nested)."""
    flat: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            flat.extend(_flatten(list(inner.routes)))
        else:
            flat.append(route)
    return flat


def served_routes(node: Node) -> set[tuple[str, str]]:
    app = create_app(node.settings, node)
    found = set()
    for route in _flatten(list(app.routes)):
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"mount {route.path} is not in the matrix"
            continue
        methods = getattr(route, "methods", None) or set()
        for method in methods - {"HEAD", "OPTIONS"}:
            found.add((method, route.path))  # type: ignore[attr-defined]
    return found


def test_every_served_route_is_in_the_matrix(node: Node) -> None:
    served = served_routes(node)
    assert served - set(ROUTES) == set(), "routes missing from the access matrix"
    assert set(ROUTES) - served == set(), "matrix rows for routes that no longer exist"


def test_the_matrix_covers_every_api_route_of_the_openapi_schema(node: Node) -> None:
    app = create_app(node.settings, node)
    schema = app.openapi()
    api = {(m.upper(), path) for path, item in schema["paths"].items() for m in item}
    assert api, "the OpenAPI document lists no operation"
    assert api <= set(ROUTES)
    routes = [r for r in _flatten(list(app.routes)) if isinstance(r, APIRoute)]
    assert {(m, r.path) for r in routes for m in r.methods} <= set(ROUTES)


def test_the_routes_open_to_anyone_are_the_declared_public_ones() -> None:
    """PUBLIC_ROUTES (web/app.py) and docs/security.md name exactly the routes this matrix lets
    an anonymous caller through (anything but 401, or 303 to the sign-in page)."""
    open_to_anyone = {
        key for key, (_, expected) in ROUTES.items() if expected["anonymous"] not in (401, 303)
    }
    assert open_to_anyone <= PUBLIC_ROUTES, "routes open to anyone that are not declared"
    # the routes that take credentials themselves refuse a wrong one, and / redirects
    takes_credentials = {("POST", "/api/auth/token"), ("POST", "/login"), ("GET", "/")}
    assert PUBLIC_ROUTES - takes_credentials <= open_to_anyone
    documented = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    for method, path in PUBLIC_ROUTES:
        assert f"| `{method} {path}` |" in documented, f"{method} {path} is not in docs/security.md"


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_decisions(
    route: tuple[str, str],
    node: Node,
    people: People,
    ng_case: CaseFixture,
    creds: dict[str, Credentials],
    client: TestClient,
) -> None:
    maker, expected = ROUTES[route]
    unexpected = []
    unrecorded: list[str] = []
    for role in ROLES:
        cred = creds.get(role)
        if route == ("DELETE", "/api/auth/token") and cred is not None:
            from tests.web.conftest import credentials_for

            cred = credentials_for(node, people, role)  # a token of its own to revoke
        ctx = Ctx(node, people, ng_case, role, cred)
        method, path, kwargs = maker(ctx)
        headers: dict[str, str] = {}
        client.cookies.clear()
        if path.startswith("/api"):
            if cred is not None:
                headers.update(cred.bearer)
        else:
            headers["accept"] = "text/html"
            if cred is not None:
                if route[1] == "/logout":
                    from tests.web.conftest import credentials_for

                    cred = credentials_for(node, people, role)
                client.cookies.set(SESSION_COOKIE, cred.session)
                if method == "POST" and "data" in kwargs:
                    kwargs["data"] = kwargs["data"] | {"csrf": cred.csrf}
        refused_before = _refusals(node)
        if route == ("POST", "/login"):
            kwargs["data"] = sign_in_form(client, kwargs["data"]["username"], PASSWORD)
        response = client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
        if response.status_code == 403 and _refusals(node) == refused_before:
            unrecorded.append(role)  # issue 13.4: every decision is recorded, refusals too
        if response.status_code != expected[role]:
            unexpected.append((role, expected[role], response.status_code, response.text[:200]))
        if expected[role] == 303 and role == "anonymous" and path not in ("/", "/logout"):
            assert response.headers["location"] == "/login"
    assert unexpected == [], f"{route}: (role, expected, got, body) {unexpected}"
    assert unrecorded == [], f"{route}: refused with no access decision recorded for {unrecorded}"


def _refusals(node: Node) -> int:
    with node.transaction() as session:
        return len(session.scalars(
            select(AccessDecisionRow.id).where(AccessDecisionRow.allowed.is_(False))
        ).all())  # fmt: skip


def test_denials_on_a_case_are_recorded_with_who_and_why(
    node: Node,
    people: People,
    ng_case: CaseFixture,
    creds: dict[str, Credentials],
    client: TestClient,
) -> None:
    client.get(f"/api/cases/{ng_case.case}", headers=creds["outsider"].bearer)
    client.get(f"/api/cases/{ng_case.case}", headers=creds["admin"].bearer)
    with node.transaction() as session:
        rows = session.scalars(
            select(AccessDecisionRow).where(AccessDecisionRow.allowed.is_(False))
        ).all()
    reasons = {(r.actor, r.case_reference if r.case_reference else None, r.reason) for r in rows}
    assert ("outsider", ng_case.case, "not assigned to the case") in reasons
    assert any(a == "admin" and "does not grant case.read" in why for a, _c, why in reasons)


def test_removed_member_is_denied_at_once(
    node: Node,
    people: People,
    ng_case: CaseFixture,
    creds: dict[str, Credentials],
    client: TestClient,
) -> None:
    url = f"/api/requests/{ng_case.request}"
    assert client.get(url, headers=creds["reviewer"].bearer).status_code == 200
    cases.remove_member(node, people.supervisor, ng_case.case, "reviewer", "no longer needed")
    assert client.get(url, headers=creds["reviewer"].bearer).status_code == 404


def test_csrf_is_required_on_ui_posts(
    node: Node, ng_case: CaseFixture, creds: dict[str, Credentials], client: TestClient
) -> None:
    client.cookies.set(SESSION_COOKIE, creds["officer"].session)
    response = client.post(
        "/cases", data={"title": "forged"}, headers={"accept": "text/html"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "CSRF" in response.text
