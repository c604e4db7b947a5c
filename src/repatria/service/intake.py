"""The intake: incoming requests waiting for a supervisor to give them to an officer.

A request that arrives over the network opens a case whose only members are the central
authority's supervisors (``service.incoming``; UNCAC 46(13): requests go to the central
authority). Until a supervisor assigns someone, the request sits here; once a person is
added to the case, it has left the intake and is in that person's work queue. Officers do
not see the intake at all (need-to-know): they see a request once it is given to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from repatria.domain.access import Action, Role
from repatria.domain.lifecycle import TERMINAL_STATES, Direction, RequestState
from repatria.domain.measure import Measure
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.store.tables import CaseMemberRow, CaseRow, RequestRow, UserRow

NETWORK_ACTOR = "node:"
"""How the members the network put on a case are recorded (``added_by`` of ``node:<id>``)."""


@dataclass(frozen=True, slots=True)
class IntakeItem:
    """One incoming request not yet given to anyone, as a supervisor triages it."""

    reference: str
    case_reference: str
    title: str
    requesting_state: str
    measures: tuple[Measure, ...]
    state: RequestState
    received_at: datetime
    deadline: date | None
    urgent: bool
    confidential: bool


@dataclass(frozen=True, slots=True)
class Assignee:
    """Someone a supervisor may give a case to."""

    username: str
    display_name: str


def _supervisor_only(node: Node, actor: Actor) -> None:
    authorize(
        node,
        actor,
        Action.CASE_LIST,
        also_role=(Role.SUPERVISOR, "read the intake of incoming requests"),
        refusal="only a supervisor may read the intake of incoming requests",
    )


def intake(node: Node, actor: Actor) -> list[IntakeItem]:
    """Open incoming requests of the supervisor's cases that no person has been assigned to
    yet, urgent first, then by deadline and arrival (46(13), 46(24))."""
    _supervisor_only(node, actor)
    with node.transaction() as session:
        mine = select(CaseMemberRow.case_id).where(CaseMemberRow.user_id == actor.user_id)
        given = select(CaseMemberRow.case_id).where(
            ~CaseMemberRow.added_by.startswith(NETWORK_ACTOR)
        )
        rows = session.execute(
            select(RequestRow, CaseRow.reference)
            .join(CaseRow, CaseRow.id == RequestRow.case_id)
            .where(
                RequestRow.direction == Direction.INCOMING.value,
                RequestRow.state.not_in([s.value for s in TERMINAL_STATES]),
                RequestRow.case_id.in_(mine),
                RequestRow.case_id.not_in(given),
            )
        ).all()
        items = [
            IntakeItem(
                reference=row.reference,
                case_reference=case_reference,
                title=row.title,
                requesting_state=row.requesting_state,
                measures=tuple(Measure(m) for m in row.measures),
                state=RequestState(row.state),
                received_at=row.created_at,
                deadline=row.deadline,
                urgent=row.urgent,
                confidential=row.confidential,
            )
            for row, case_reference in rows
        ]
    return sorted(
        items,
        key=lambda i: (not i.urgent, i.deadline or date.max, i.received_at, i.reference),
    )


def assignees(node: Node, actor: Actor) -> list[Assignee]:
    """The node's active case officers, whom a supervisor may assign to a case."""
    _supervisor_only(node, actor)
    with node.transaction() as session:
        users = session.scalars(
            select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.username)
        ).all()
        return [
            Assignee(u.username, u.display_name)
            for u in users
            if Role.CASE_OFFICER.value in u.roles
        ]
