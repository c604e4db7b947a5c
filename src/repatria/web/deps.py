"""Dependencies shared by routes: the node, and who is calling.

The API takes bearer tokens only; the UI takes its session cookie only, and
every state-changing UI call must echo the session's CSRF token. Keeping the
two apart means a cookie can never drive the API from another site.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from repatria.errors import AuthenticationRequired, PermissionDenied
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.service.users import resolve_credential

SESSION_COOKIE = "repatria_session"
SIGN_IN_COOKIE = "repatria_sign_in"
"""The sign-in form's own token (double-submit), so a page elsewhere cannot sign a person
in to an account of its choosing (login CSRF); scoped to /login, gone after sign-in."""


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


def api_actor(request: Request, node: NodeDep) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationRequired(
            "send 'Authorization: Bearer <token>' (see POST /api/auth/token)"
        )
    actor, _ = resolve_credential(node, token.strip(), kind="api")
    return actor


ApiActor = Annotated[Actor, Depends(api_actor)]


def ui_session(request: Request, node: NodeDep) -> tuple[Actor, str]:
    secret = request.cookies.get(SESSION_COOKIE, "")
    actor, csrf = resolve_credential(node, secret, kind="session")
    return actor, csrf or ""


UiSession = Annotated[tuple[Actor, str], Depends(ui_session)]


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected, given):
        raise PermissionDenied("the form is stale or forged (CSRF token mismatch); reload the page")
