"""The auditor's view: every authorization decision the node took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from repatria.domain.access import Action
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.store.tables import AccessDecisionRow


@dataclass(frozen=True, slots=True)
class AccessDecisionView:
    """One authorization decision as the auditor reads it (who, what, on which case, why)."""

    at: str
    actor: str
    action: str
    case: str | None
    allowed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "case": self.case,
            "allowed": self.allowed,
            "reason": self.reason,
        }


def access_decisions(
    node: Node, actor: Actor, *, case: str | None = None, limit: int = 500
) -> list[AccessDecisionView]:
    authorize(node, actor, Action.AUDIT_READ)
    query = select(AccessDecisionRow).order_by(AccessDecisionRow.id.desc()).limit(min(limit, 5000))
    if case:
        query = query.where(AccessDecisionRow.case_reference == case)
    with node.transaction() as session:
        return [
            AccessDecisionView(
                r.at.isoformat(), r.actor, r.action, r.case_reference, r.allowed, r.reason
            )
            for r in session.scalars(query).all()
        ]
