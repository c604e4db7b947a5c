"""Bearer tokens for scripts and integrations."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from repatria.service.users import authenticate_password, issue_credential, revoke_credential
from repatria.web.api.common import ERRORS, SIGN_IN_ERRORS
from repatria.web.api.schemas import MeOut, TokenOut, TokenRequest
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=SIGN_IN_ERRORS)
me_router = APIRouter(prefix="/api", tags=["auth"], responses=ERRORS)


@router.post("/token", response_model=TokenOut, status_code=201)
def create_token(body: TokenRequest, request: Request, node: NodeDep) -> TokenOut:
    """Exchange a username and password for a bearer token (throttled: 429 when paused)."""
    source = request.client.host if request.client else "unknown"
    actor = authenticate_password(node, body.username, body.password, source=source)
    credential = issue_credential(
        node,
        actor,
        kind="api",
        lifetime=timedelta(days=node.settings.token_days),
        name=body.name or "api",
    )
    return TokenOut(token=credential.secret, expires_at=credential.expires_at)


@router.delete("/token", status_code=204)
def revoke_token(request: Request, actor: ApiActor, node: NodeDep) -> None:
    """Revoke the token this call was made with."""
    del actor
    token = request.headers["authorization"].partition(" ")[2].strip()
    revoke_credential(node, token)


@me_router.get("/me", response_model=MeOut)
def me(actor: ApiActor, node: NodeDep) -> MeOut:
    return MeOut(
        username=actor.username,
        display_name=actor.display_name,
        roles=sorted(r.value for r in actor.roles),
        node_id=node.config.node_id,
        jurisdiction=node.config.jurisdiction,
        authority=node.config.authority,
    )
