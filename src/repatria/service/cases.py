"""Use cases on cases: open, list, read, assign people, read the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy import bindparam as sa_bind
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from repatria.domain.access import Action
from repatria.domain.case import (
    Case,
    CaseInput,
    CaseStatus,
    check_case_reference,
    make_case_reference,
)
from repatria.domain.event import Event, EventKind
from repatria.errors import Conflict, InvalidInput, NotFound
from repatria.service.access import authorize, not_visible
from repatria.service.actor import Actor
from repatria.service.events import events_of_case, record_event
from repatria.service.ledger.proofs import (
    EventMark,
    InclusionProof,
    event_marks,
    prove_inclusion,
)
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.tables import CaseMemberRow, CaseRow, CounterRow, EventRow, UserRow


def case_view(row: CaseRow) -> Case:
    return Case(
        reference=row.reference,
        title=row.title,
        summary=row.summary,
        offences=tuple(row.offences),
        status=CaseStatus(row.status),
        jurisdiction=row.reference[:2],
        created_at=row.created_at,
        created_by=row.created_by,
        members=tuple(sorted(m.user.username for m in row.members)),
    )


def load_case(session: Session, reference: str) -> CaseRow:
    row = session.scalar(select(CaseRow).where(CaseRow.reference == reference))
    if row is None:
        raise not_visible(reference)
    return row


HELD_COUNTERS = "repatria.counters"
"""The counters this transaction has locked and their values, held so that the next number of
the same counter needs no second ``SELECT ... FOR UPDATE`` (the lock lasts until the
transaction ends). Forgotten on any rollback, a savepoint's too, so a number drawn in work
that was undone is read back from the table and drawn again."""

_COUNTERS: Table = CounterRow.__table__  # type: ignore[assignment]
_READ_COUNTER = (
    select(_COUNTERS.c.value).where(_COUNTERS.c.name == sa_bind("counter")).with_for_update()
)
_CREATE_COUNTER = insert(_COUNTERS).values(name=sa_bind("counter"), value=0)
_WRITE_COUNTER = (
    update(_COUNTERS).where(_COUNTERS.c.name == sa_bind("counter")).values(value=sa_bind("drawn"))
)


def next_sequence(session: Session, name: str) -> int:
    """The next number of counter ``name``, under a row lock held until the transaction ends,
    so two transactions never draw the same number.

    The counter is read and written with single statements on the transaction's connection,
    not as a mapped object: a dirty object would be flushed before every later query of the
    transaction, and a batch of incoming requests draws a number for each."""
    held: dict[str, int] = session.info.setdefault(HELD_COUNTERS, {})
    connection = session.connection()
    value = held.get(name)
    if value is None:
        value = connection.execute(_READ_COUNTER, {"counter": name}).scalar()
        if value is None:  # a concurrent first use fails here, at the counter's unique key
            connection.execute(_CREATE_COUNTER, {"counter": name})
            value = 0
    value += 1
    connection.execute(_WRITE_COUNTER, {"counter": name, "drawn": value})
    held[name] = value
    return value


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_counters(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(HELD_COUNTERS, None)


def open_case(node: Node, actor: Actor, data: dict[str, Any]) -> Case:
    """Open a case; its creator is its first member."""
    authorize(node, actor, Action.CASE_CREATE)
    fields = CaseInput.from_dict(data)
    with node.transaction() as session:
        year = utcnow().year
        seq = next_sequence(session, f"case-{year}")
        row = CaseRow(
            reference=make_case_reference(node.config.jurisdiction, year, seq),
            title=fields.title,
            summary=fields.summary,
            offences=list(fields.offences),
            status=CaseStatus.OPEN.value,
            created_by=actor.username,
        )
        session.add(row)
        session.flush()
        session.add(CaseMemberRow(case_id=row.id, user_id=actor.user_id, added_by=actor.username))
        record_event(
            session,
            actor=actor.username,
            action=EventKind.CASE_OPENED,
            why=fields.title,
            case_id=row.id,
            details={"offences": list(fields.offences)},
        )
        session.flush()
        session.refresh(row)
        return case_view(row)


def list_cases(node: Node, actor: Actor, *, status: str | None = None) -> list[Case]:
    """The cases the actor is assigned to (need-to-know), newest first."""
    authorize(node, actor, Action.CASE_LIST)
    with node.transaction() as session:
        query = (
            select(CaseRow)
            .join(CaseMemberRow, CaseMemberRow.case_id == CaseRow.id)
            .where(CaseMemberRow.user_id == actor.user_id)
            .order_by(CaseRow.id.desc())
        )
        if status is not None:
            try:
                query = query.where(CaseRow.status == CaseStatus(status).value)
            except ValueError:
                raise InvalidInput(
                    f"unknown status {status!r}; accepted: open, closed", where="status"
                ) from None
        return [case_view(r) for r in session.scalars(query).all()]


def get_case(node: Node, actor: Actor, reference: str) -> Case:
    ref = check_case_reference(reference)
    authorize(node, actor, Action.CASE_READ, ref)
    with node.transaction() as session:
        return case_view(load_case(session, ref))


def case_timeline(node: Node, actor: Actor, reference: str) -> list[Event]:
    ref = check_case_reference(reference)
    authorize(node, actor, Action.CASE_READ, ref)
    with node.transaction() as session:
        return events_of_case(session, load_case(session, ref).id)


def assign_member(node: Node, actor: Actor, reference: str, username: str, why: str) -> Case:
    """Give a colleague need-to-know access to a case (a supervisor's decision)."""
    ref = check_case_reference(reference)
    authorize(node, actor, Action.CASE_ASSIGN, ref)
    if not why.strip():
        raise InvalidInput("say why this person needs to know", where="why")
    with node.transaction() as session:
        case = load_case(session, ref)
        user = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        if user is None or not user.active:
            # who has an account is a stored fact (issue 13.8); the name is not repeated (R19)
            raise NotFound("there is no active account of that name", where="username")
        if session.get(CaseMemberRow, (case.id, user.id)) is not None:
            raise Conflict(f"{user.username} is already assigned to {ref}", where="username")
        session.add(CaseMemberRow(case_id=case.id, user_id=user.id, added_by=actor.username))
        record_event(
            session,
            actor=actor.username,
            action=EventKind.CASE_MEMBER_ADDED,
            why=why.strip(),
            case_id=case.id,
            details={"username": user.username},
        )
        session.flush()
        session.refresh(case)
        return case_view(case)


def remove_member(node: Node, actor: Actor, reference: str, username: str, why: str) -> Case:
    """Withdraw access; the person's next call on the case is refused."""
    ref = check_case_reference(reference)
    authorize(node, actor, Action.CASE_ASSIGN, ref)
    if not why.strip():
        raise InvalidInput("say why access is withdrawn", where="why")
    with node.transaction() as session:
        case = load_case(session, ref)
        user = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        member = session.get(CaseMemberRow, (case.id, user.id)) if user is not None else None
        if user is None or member is None:
            # a fact of the stored case, not of the input: not found (issue 13.8)
            raise NotFound(f"that user is not assigned to {ref}", where="username")
        if len(case.members) == 1:
            raise Conflict("the last member of a case cannot be removed", where="username")
        session.delete(member)
        record_event(
            session,
            actor=actor.username,
            action=EventKind.CASE_MEMBER_REMOVED,
            why=why.strip(),
            case_id=case.id,
            details={"username": user.username},
        )
        session.flush()
        session.refresh(case)
        return case_view(case)


# --- the ledger as a case's members see it ----------------------------------------------


def case_event_marks(node: Node, actor: Actor, reference: str) -> dict[int, EventMark]:
    """Leaf index and witnessed flag of each event of a case the actor may read."""
    return event_marks(node, [e.id for e in case_timeline(node, actor, reference)])


def case_event_proof(node: Node, actor: Actor, reference: str, event_id: int) -> InclusionProof:
    """The inclusion proof of one event of a case the actor may read (need-to-know first)."""
    if event_id not in {e.id for e in case_timeline(node, actor, reference)}:
        raise NotFound(f"event {event_id} is not on the timeline of {reference}", where="event")
    return prove_inclusion(node, event_id)


def prove_event(node: Node, actor: Actor, event_id: int) -> InclusionProof:
    """The inclusion proof of any event, under the rule every shell applies (issue 13.5).

    An event of a case is proved to that case's members (need-to-know); an event of no case
    (keys, peers, users) to an auditor or a node administrator, who may export the log.
    """
    with node.transaction() as session:
        reference = session.scalar(
            select(CaseRow.reference)
            .join(EventRow, EventRow.case_id == CaseRow.id)
            .where(EventRow.id == event_id)
        )
    if reference is None:
        authorize(node, actor, Action.LEDGER_EXPORT,
                  refusal="only an auditor or a node administrator may prove events of no case")  # fmt: skip
        return prove_inclusion(node, event_id)
    return case_event_proof(node, actor, reference, event_id)
