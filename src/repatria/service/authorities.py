"""Contact points: the authorities a node knows, its own and abroad (UNCAC 46(13)-(14))."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from repatria.domain.access import Action
from repatria.domain.authority import ContactPoint
from repatria.domain.event import EventKind
from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.errors import Conflict
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.store.tables import AuthorityRow


def add_contact_point(node: Node, actor: Actor, data: dict[str, Any]) -> ContactPoint:
    authorize(node, actor, Action.AUTHORITY_MANAGE)
    point = ContactPoint.from_dict(data)
    with node.transaction() as session:
        if session.scalar(select(AuthorityRow.id).where(AuthorityRow.key == point.key)):
            raise Conflict(f"contact point {point.key!r} exists already", where="key")
        session.add(
            AuthorityRow(key=point.key, jurisdiction=point.jurisdiction, data=point.to_dict())
        )
        record_event(
            session,
            actor=actor.username,
            action=EventKind.AUTHORITY_ADDED,
            why=point.name,
            details={"key": point.key, "jurisdiction": point.jurisdiction},
        )
    return point


def list_contact_points(
    node: Node, actor: Actor, *, jurisdiction: str | None = None
) -> list[ContactPoint]:
    """Contact points are directory data, readable by every signed-in user."""
    del actor  # any authenticated user may read the directory
    query = select(AuthorityRow).order_by(AuthorityRow.jurisdiction, AuthorityRow.key)
    if jurisdiction:
        code = parse_jurisdiction(jurisdiction).code
        query = query.where(AuthorityRow.jurisdiction == code)
    with node.transaction() as session:
        return [ContactPoint.from_dict(r.data) for r in session.scalars(query).all()]
