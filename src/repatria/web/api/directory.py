"""Contact points, accounts, the audit record and the node's health."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from repatria import __version__
from repatria.service import audit as audit_service
from repatria.service import authorities as authority_service
from repatria.service import users as user_service
from repatria.web.api.common import ERRORS
from repatria.web.api.params import CaseFilter, JurisdictionFilter
from repatria.web.api.schemas import (
    AccessDecisionOut,
    ContactPointIn,
    ContactPointOut,
    HealthOut,
    UserIn,
    UserOut,
)
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api", tags=["directory"], responses=ERRORS)
health_router = APIRouter(prefix="/api", tags=["health"])


@health_router.get("/health", response_model=HealthOut)
def health(node: NodeDep) -> HealthOut:
    """Liveness and database reachability; public, and it reveals no case data."""
    with node.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return HealthOut(
        status="ok",
        version=__version__,
        node_id=node.config.node_id,
        jurisdiction=node.config.jurisdiction,
        database=node.engine.dialect.name,
    )


@router.get("/authorities", response_model=list[ContactPointOut])
def list_authorities(
    actor: ApiActor, node: NodeDep, jurisdiction: JurisdictionFilter = None
) -> list[ContactPointOut]:
    """Contact points (UNCAC 46(13)-(14)): central authorities and others."""
    points = authority_service.list_contact_points(node, actor, jurisdiction=jurisdiction)
    return [ContactPointOut.of(p) for p in points]


@router.post("/authorities", response_model=ContactPointOut, status_code=201)
def add_authority(body: ContactPointIn, actor: ApiActor, node: NodeDep) -> ContactPointOut:
    return ContactPointOut.of(authority_service.add_contact_point(node, actor, body.model_dump()))


@router.get("/users", response_model=list[UserOut])
def list_users(actor: ApiActor, node: NodeDep) -> list[UserOut]:
    return [UserOut.model_validate(u.to_dict()) for u in user_service.list_users(node, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, actor: ApiActor, node: NodeDep) -> UserOut:
    created = user_service.create_user(
        node,
        actor,
        username=body.username,
        password=body.password,
        roles=body.roles,
        display_name=body.display_name,
    )
    return UserOut(
        username=created.username,
        display_name=created.display_name,
        roles=sorted(r.value for r in created.roles),
        active=True,
    )


@router.get("/audit/access", response_model=list[AccessDecisionOut])
def access_log(
    actor: ApiActor, node: NodeDep, case: CaseFilter = None, limit: int = 500
) -> list[AccessDecisionOut]:
    """Every authorization decision, newest first (auditors only)."""
    return [
        AccessDecisionOut.model_validate(d.to_dict())
        for d in audit_service.access_decisions(node, actor, case=case, limit=limit)
    ]
