"""What waits for one person: the work queue behind the ``/work`` page.

Four groups, each of the person's own cases only (need-to-know):

- **to draft**: outgoing requests still in draft (46(15): complete before sending);
- **to approve**: outgoing requests marked ready, waiting for a supervisor to send them
  (sending commits the state abroad: supervisors only, ``SUPERVISOR_TRANSITIONS``);
- **to answer**: requests whose next move is this side's: an incoming request to
  acknowledge, execute or decide after consultation (46(13), 46(24), 46(26)); an outgoing one
  where the requested state asked for more information (46(16)) or offered conditions
  (46(26)); and any status inquiry of the other state still unanswered (46(24));
- **overdue**: open requests past the deadline the requesting state gave (46(24)); an
  overdue request is listed there only, since the deadline is what matters most.

Each item says how many days remain before its deadline and whether that falls within the
reminder window (``Settings.reminder_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from repatria.domain.access import Action, Role
from repatria.domain.lifecycle import (
    TERMINAL_STATES,
    TRANSITION_LABELS,
    Direction,
    RequestState,
    TransitionName,
)
from repatria.domain.measure import Measure
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.intake import NETWORK_ACTOR
from repatria.service.node import Node
from repatria.store.tables import CaseMemberRow, CaseRow, InquiryRow, RequestRow

S = RequestState
T = TRANSITION_LABELS

NEXT_MOVES: dict[tuple[Direction, RequestState], str] = {
    (Direction.OUTGOING, S.DRAFT): "Complete the draft and mark it ready",
    (Direction.OUTGOING, S.READY): "Approve and send it to the requested state",
    (Direction.OUTGOING, S.ADDITIONAL_INFORMATION_REQUESTED): T[
        TransitionName.PROVIDE_ADDITIONAL_INFORMATION
    ],
    (Direction.OUTGOING, S.CONSULTATION): "Answer the conditions they offer (46(26))",
    (Direction.INCOMING, S.SENT): T[TransitionName.ACKNOWLEDGE],
    (Direction.INCOMING, S.ACKNOWLEDGED): T[TransitionName.START_EXECUTION],
    (Direction.INCOMING, S.ADDITIONAL_INFORMATION_PROVIDED): "Read the answer and go on",
    (Direction.INCOMING, S.CONSULTATION): "Decide after the consultation (46(26))",
    (Direction.INCOMING, S.POSTPONED): T[TransitionName.RESUME_EXECUTION],
    (Direction.INCOMING, S.IN_EXECUTION): "Report partial or full execution",
    (Direction.INCOMING, S.PARTIALLY_EXECUTED): T[TransitionName.COMPLETE_EXECUTION],
}
"""What this side does next, by direction and state; a pair not here waits for the other
state (for instance an outgoing request that was sent and not yet answered)."""

ANSWER_INQUIRY = "Answer their status inquiry (46(24))"
WAITING = "Waiting for the other state; ask for the status (46(24))"


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One request in a person's work queue, with its deadline and the next move in words."""

    reference: str
    case_reference: str
    title: str
    direction: Direction
    state: RequestState
    other_state: str
    measures: tuple[Measure, ...]
    next_move: str
    deadline: date | None
    days_left: int | None
    due_soon: bool
    urgent: bool


@dataclass(frozen=True, slots=True)
class Worklist:
    """A person's work queue, group by group; ``to_approve`` is empty for non-supervisors."""

    to_draft: tuple[WorkItem, ...]
    to_approve: tuple[WorkItem, ...]
    to_answer: tuple[WorkItem, ...]
    overdue: tuple[WorkItem, ...]
    reminder_days: int
    approves: bool

    @property
    def empty(self) -> bool:
        return not (self.to_draft or self.to_approve or self.to_answer or self.overdue)


def worklist(node: Node, actor: Actor, today: date) -> Worklist:
    """The open requests of the actor's cases that wait for this side, grouped."""
    authorize(node, actor, Action.CASE_LIST)
    remind = node.settings.reminder_days
    approves = Role.SUPERVISOR in actor.roles
    with node.transaction() as session:
        mine = select(CaseMemberRow.case_id).where(CaseMemberRow.user_id == actor.user_id)
        rows = session.execute(
            select(RequestRow, CaseRow.reference)
            .join(CaseRow, CaseRow.id == RequestRow.case_id)
            .where(
                RequestRow.case_id.in_(mine),
                RequestRow.state.not_in([s.value for s in TERMINAL_STATES]),
            )
            .order_by(RequestRow.id)
        ).all()
        asked = set(
            session.scalars(
                select(InquiryRow.request_id).where(
                    InquiryRow.answered_at.is_(None),
                    InquiryRow.asked_by.startswith(NETWORK_ACTOR),
                    InquiryRow.request_id.in_([r.id for r, _ in rows]),
                )
            ).all()
        )
    groups: dict[str, list[WorkItem]] = {"draft": [], "approve": [], "answer": [], "overdue": []}
    for row, case_reference in rows:
        direction, state = Direction(row.direction), RequestState(row.state)
        move = ANSWER_INQUIRY if row.id in asked else NEXT_MOVES.get((direction, state))
        days_left = (row.deadline - today).days if row.deadline is not None else None
        item = WorkItem(
            reference=row.reference,
            case_reference=case_reference,
            title=row.title,
            direction=direction,
            state=state,
            other_state=(
                row.requested_state if direction is Direction.OUTGOING else row.requesting_state
            ),
            measures=tuple(Measure(m) for m in row.measures),
            next_move=move or WAITING,
            deadline=row.deadline,
            days_left=days_left,
            due_soon=days_left is not None and 0 <= days_left <= remind,
            urgent=row.urgent,
        )
        if days_left is not None and days_left < 0:
            groups["overdue"].append(item)
        elif move is None:
            continue
        elif state is S.DRAFT and direction is Direction.OUTGOING:
            groups["draft"].append(item)
        elif state is S.READY and direction is Direction.OUTGOING:
            if approves:
                groups["approve"].append(item)
        else:
            groups["answer"].append(item)
    return Worklist(
        to_draft=_soonest_first(groups["draft"]),
        to_approve=_soonest_first(groups["approve"]),
        to_answer=_soonest_first(groups["answer"]),
        overdue=_soonest_first(groups["overdue"]),
        reminder_days=remind,
        approves=approves,
    )


def _soonest_first(items: list[WorkItem]) -> tuple[WorkItem, ...]:
    return tuple(
        sorted(
            items,
            key=lambda i: (
                not i.urgent,
                i.days_left if i.days_left is not None else 1_000_000,
                i.reference,
            ),
        )
    )
