"""Events: the record of who did what, when and why.

Every state change in a node writes exactly one event in the same transaction
as the change (NIST SP 800-53 AU-3: what, when, where, source, outcome, who).
Events are the record, never a log line; the ledger (RFC 9162) later commits
to their canonical form so that history cannot be rewritten unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    actor: str
    action: str
    why: str
    case_reference: str | None
    request_reference: str | None = None
    entity_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "why": self.why,
            "case": self.case_reference,
            "request": self.request_reference,
            "entity": self.entity_id,
            "details": self.details,
        }
