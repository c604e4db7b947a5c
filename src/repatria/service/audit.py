"""The auditor's view: every authorization decision the node took."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from repatria.domain.access import Action
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.store.tables import AccessDecisionRow


def access_decisions(
    node: Node, actor: Actor, *, case: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    authorize(node, actor, Action.AUDIT_READ)
    query = select(AccessDecisionRow).order_by(AccessDecisionRow.id.desc()).limit(min(limit, 5000))
    if case:
        query = query.where(AccessDecisionRow.case_reference == case)
    with node.transaction() as session:
        return [
            {
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "case": r.case_reference,
                "allowed": r.allowed,
                "reason": r.reason,
            }
            for r in session.scalars(query).all()
        ]
