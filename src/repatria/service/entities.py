"""Use cases on a case's FollowTheMoney entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import Action
from repatria.domain.case import check_case_reference
from repatria.domain.entities import entity_caption, validate_entity
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, NotFound
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.cases import load_case
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.tables import CaseRow, EntityRow

if TYPE_CHECKING:
    from followthemoney import EntityProxy


@dataclass(frozen=True, slots=True)
class CaseEntity:
    """A FollowTheMoney entity kept in a case, with the FtM JSON exactly as stored.

    The JSON is the wire shape (FtM's entity format: id, schema, properties); the
    fields are what shells and use cases read without indexing into it.
    """

    id: str
    schema: str
    properties: dict[str, list[str]]
    data: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, data: dict[str, Any]) -> CaseEntity:
        return cls(str(data["id"]), str(data["schema"]), dict(data.get("properties", {})), data)

    def to_dict(self) -> dict[str, Any]:
        """The FtM JSON, a fresh copy."""
        return dict(self.data)


def put_entity(node: Node, actor: Actor, case_reference: str, data: Any) -> CaseEntity:
    """Add an entity to a case, or replace it (same id); validated first, FtM JSON stored."""
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.ENTITY_WRITE, ref)
    proxy = validate_entity(data)
    with node.transaction() as session:
        return put_entity_in(session, load_case(session, ref), proxy, actor=actor.username)


def put_entity_in(session: Session, case: CaseRow, proxy: EntityProxy, *, actor: str) -> CaseEntity:
    """``put_entity`` in the caller's transaction, for use cases that add entities as part
    of a larger change (a saved draft naming new persons or accounts); the caller has
    authorized the write and validated the entity."""
    stored = proxy.to_dict()
    row = session.scalar(
        select(EntityRow).where(EntityRow.case_id == case.id, EntityRow.entity_id == proxy.id)
    )
    action = EventKind.ENTITY_UPDATED if row is not None else EventKind.ENTITY_ADDED
    if row is None:
        row = EntityRow(
            case_id=case.id,
            entity_id=str(proxy.id),
            schema=proxy.schema.name,
            caption=entity_caption(proxy)[:500],
            data=stored,
            created_by=actor,
        )
        session.add(row)
    else:
        if row.schema != proxy.schema.name:
            raise InvalidInput(
                f"entity {proxy.id} is a {row.schema}; its schema cannot change to"
                f" {proxy.schema.name}",
                where="schema",
            )
        row.data = stored
        row.caption = entity_caption(proxy)[:500]
        row.updated_at = utcnow()
    record_event(
        session,
        actor=actor,
        action=action,
        why=f"{proxy.schema.name}: {row.caption}",
        case_id=case.id,
        entity_id=str(proxy.id),
        details={"schema": proxy.schema.name},
    )
    return CaseEntity.of(stored)


def list_entities(
    node: Node, actor: Actor, case_reference: str, *, schema: str | None = None
) -> list[CaseEntity]:
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.CASE_READ, ref)
    with node.transaction() as session:
        case = load_case(session, ref)
        query = select(EntityRow).where(EntityRow.case_id == case.id).order_by(EntityRow.id)
        if schema:
            query = query.where(EntityRow.schema == schema)
        return [CaseEntity.of(dict(r.data)) for r in session.scalars(query).all()]


def get_entity(node: Node, actor: Actor, case_reference: str, entity_id: str) -> CaseEntity:
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.CASE_READ, ref)
    with node.transaction() as session:
        case = load_case(session, ref)
        row = session.scalar(
            select(EntityRow).where(EntityRow.case_id == case.id, EntityRow.entity_id == entity_id)
        )
        if row is None:
            raise NotFound(f"no entity {entity_id!r} in case {ref}", where="entity")
        return CaseEntity.of(dict(row.data))
