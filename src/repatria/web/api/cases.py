"""Cases, their members, timeline and entities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from repatria.service import cases as case_service
from repatria.service import entities as entity_service
from repatria.web.api.common import ERRORS
from repatria.web.api.params import CaseReference, CaseStatusFilter
from repatria.web.api.schemas import CaseIn, CaseOut, EntityIn, EventOut, MemberIn
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api/cases", tags=["cases"], responses=ERRORS)


@router.get("", response_model=list[CaseOut])
def list_cases(actor: ApiActor, node: NodeDep, status: CaseStatusFilter = None) -> list[CaseOut]:
    """The caller's cases (need-to-know: only those they are assigned to)."""
    return [CaseOut.of(c) for c in case_service.list_cases(node, actor, status=status)]


@router.post("", response_model=CaseOut, status_code=201)
def open_case(body: CaseIn, actor: ApiActor, node: NodeDep) -> CaseOut:
    return CaseOut.of(case_service.open_case(node, actor, body.model_dump()))


@router.get("/{reference}", response_model=CaseOut)
def get_case(reference: CaseReference, actor: ApiActor, node: NodeDep) -> CaseOut:
    return CaseOut.of(case_service.get_case(node, actor, reference))


@router.post("/{reference}/members", response_model=CaseOut, status_code=201)
def add_member(reference: CaseReference, body: MemberIn, actor: ApiActor, node: NodeDep) -> CaseOut:
    return CaseOut.of(case_service.assign_member(node, actor, reference, body.username, body.why))


@router.delete("/{reference}/members/{username}", response_model=CaseOut)
def remove_member(
    reference: CaseReference,
    username: str,
    actor: ApiActor,
    node: NodeDep,
    why: str = Query(min_length=1),
) -> CaseOut:
    return CaseOut.of(case_service.remove_member(node, actor, reference, username, why))


@router.get("/{reference}/events", response_model=list[EventOut])
def case_events(reference: CaseReference, actor: ApiActor, node: NodeDep) -> list[EventOut]:
    """The case's timeline: every change, with who, when, what and why."""
    return [EventOut.of(e) for e in case_service.case_timeline(node, actor, reference)]


@router.get("/{reference}/entities", response_model=list[dict[str, Any]])
def list_entities(
    reference: CaseReference,
    actor: ApiActor,
    node: NodeDep,
    schema: str | None = Query(default=None),
) -> list[dict[str, Any]]:
    """FollowTheMoney entities of the case, as FtM JSON."""
    return [
        e.to_dict() for e in entity_service.list_entities(node, actor, reference, schema=schema)
    ]


@router.post("/{reference}/entities", response_model=dict[str, Any], status_code=201)
def put_entity(
    reference: CaseReference, body: EntityIn, actor: ApiActor, node: NodeDep
) -> dict[str, Any]:
    """Add or replace a FollowTheMoney entity; invalid values are refused, never dropped."""
    return entity_service.put_entity(
        node, actor, reference, body.model_dump(by_alias=True)
    ).to_dict()


@router.get("/{reference}/entities/{entity_id}", response_model=dict[str, Any])
def get_entity(
    reference: CaseReference, entity_id: str, actor: ApiActor, node: NodeDep
) -> dict[str, Any]:
    return entity_service.get_entity(node, actor, reference, entity_id).to_dict()
