"""What changed on the cases a person may see, for pages that update themselves.

Every change of a case or request is an event (``record_event``), so the events table is
the one place to look: a page asks for events after the last one it knew of. Only events of
cases the person is a member of count (need-to-know), and a change names only the case and
request references, never what changed: the page fetches that through the usual, authorised
routes. Membership is checked on every look, so a person removed from a case stops hearing
of it at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from repatria.domain.access import Action
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.store.tables import CaseMemberRow, CaseRow, EventRow, RequestRow


@dataclass(frozen=True, slots=True)
class Change:
    """Something the person can see changed: which case, and which request if any."""

    event_id: int
    case_reference: str
    request_reference: str | None
    by_you: bool = False
    """Whether the person's own act made the change (a page need not tell them of it)."""


def may_follow_changes(node: Node, actor: Actor) -> None:
    """Decide once, and record, that the actor may follow changes of their cases."""
    authorize(node, actor, Action.CASE_LIST)


def last_event_id(node: Node) -> int:
    """The newest event id now: a page starts following from here."""
    with node.transaction() as session:
        return int(session.scalar(select(func.max(EventRow.id))) or 0)


def changes_after(node: Node, actor: Actor, after: int, limit: int = 200) -> list[Change]:
    """Changes after event ``after`` on the actor's cases, oldest first; one per request (or
    per case, for an event of no request), at the id of its latest event."""
    with node.transaction() as session:
        rows = session.execute(
            select(EventRow.id, CaseRow.reference, RequestRow.reference, EventRow.actor)
            .join(CaseRow, CaseRow.id == EventRow.case_id)
            .join(CaseMemberRow, CaseMemberRow.case_id == CaseRow.id)
            .outerjoin(RequestRow, RequestRow.id == EventRow.request_id)
            .where(EventRow.id > after, CaseMemberRow.user_id == actor.user_id)
            .order_by(EventRow.id)
            .limit(limit)
        ).all()
    latest: dict[tuple[str, str | None], Change] = {}
    for event_id, case_reference, request_reference, by in rows:
        key = (case_reference, request_reference)
        earlier = latest.pop(key, None)
        yours = by == actor.username and (earlier is None or earlier.by_you)
        latest[key] = Change(event_id, case_reference, request_reference, yours)
    return list(latest.values())
