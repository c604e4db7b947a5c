"""The facts a node decides from, checked against its log (``repatria ledger verify``).

The log commits to every event, and every event row must be a leaf (``verification``); but a
node decides from other tables too: who is a member of a case (need-to-know), which roles an
account holds, where a request stands in its lifecycle, what a received message said. An
insider with database access could change those rows without touching an event. Here each of
them is replayed from the logged events and compared with the row, and the first rows that
disagree are named, so such an edit fails verify like an edited event does (issue 13.2).

Covered: case titles, case membership, accounts' roles and whether they are active, request
states, the stored content of every received message (its id is the SHA-256 of what was
signed, and the logged ``message.received`` event names that id and the envelope digest), and
the access decisions: they form a hash chain, and every event commits to the chain's newest
link (``service.ledger.decisions``), so a decision changed, deleted or slipped in before the
newest event is named. The decisions recorded after the newest event are vouched for by the
chain alone until the next event is recorded: removing the newest ones and rewriting the
chain's head row is not seen until then. Not covered yet: entity content, and request fields
other than the state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.event import EventKind
from repatria.errors import InvalidInput
from repatria.exchange.envelope import message_id_of
from repatria.exchange.receipt import RECEIVED_KIND
from repatria.ledger.entry import CHAIN_START, chain_link
from repatria.service.ledger.decisions import decision_record
from repatria.store.exchange_tables import InboxRow
from repatria.store.tables import (
    AccessChainRow,
    AccessDecisionRow,
    CaseMemberRow,
    CaseRow,
    EventRow,
    RequestRow,
    UserRow,
)

SHOWN = 10
"""How many disagreeing rows each check names before it only counts them."""

_MEMBERSHIP = (EventKind.CASE_OPENED, EventKind.CASE_MEMBER_ADDED, EventKind.CASE_MEMBER_REMOVED)


def check_facts(session: Session) -> list[str]:
    """Every disagreement between the decision tables and the replayed log, as sentences."""
    problems: list[str] = []
    checks = (
        _case_titles,
        _memberships,
        _accounts,
        _request_states,
        _received_content,
        _access_decisions,
    )
    for check in checks:
        found = list(check(session))
        problems.extend(found[:SHOWN])
        if len(found) > SHOWN:
            problems.append(f"… and {len(found) - SHOWN} more of the same kind")
    return problems


def _events(session: Session, *kinds: str) -> Iterator[EventRow]:
    yield from session.scalars(
        select(EventRow).where(EventRow.action.in_(kinds)).order_by(EventRow.id)
    )


def _case_titles(session: Session) -> Iterator[str]:
    opened = {e.case_id: e for e in _events(session, EventKind.CASE_OPENED)}
    for case in session.scalars(select(CaseRow).order_by(CaseRow.id)):
        event = opened.get(case.id)
        if event is None:
            yield f"case {case.reference}: no logged event opened it"
        elif event.why != case.title:
            yield (
                f"case {case.reference}: its title {case.title!r} is not the one logged when it"
                f" was opened (event {event.id})"
            )


def _memberships(session: Session) -> Iterator[str]:
    """Members as the log made them: the opener (or the intake named), then each assignment."""
    expected: dict[int, set[str]] = defaultdict(set)
    for event in _events(session, *_MEMBERSHIP):
        if event.case_id is None:
            continue
        details: dict[str, Any] = event.details or {}
        if event.action == EventKind.CASE_OPENED:
            intake = details.get("intake")
            expected[event.case_id].update(intake if isinstance(intake, list) else [event.actor])
        elif event.action == EventKind.CASE_MEMBER_ADDED:
            expected[event.case_id].add(str(details.get("username")))
        else:
            expected[event.case_id].discard(str(details.get("username")))
    stored: dict[int, set[str]] = defaultdict(set)
    for case_id, username in session.execute(
        select(CaseMemberRow.case_id, UserRow.username).join(
            UserRow, UserRow.id == CaseMemberRow.user_id
        )
    ):
        stored[case_id].add(username)
    references: dict[int, str] = {
        i: r for i, r in session.execute(select(CaseRow.id, CaseRow.reference))
    }
    for case_id in sorted(set(expected) | set(stored)):
        reference = references.get(case_id, f"#{case_id}")
        for username in sorted(stored[case_id] - expected[case_id]):
            yield f"case {reference}: {username} is a member but no logged event made them one"
        for username in sorted(expected[case_id] - stored[case_id]):
            yield f"case {reference}: {username} was made a member in the log but is not one"


def _accounts(session: Session) -> Iterator[str]:
    created: dict[str, list[str]] = {}
    active: dict[str, bool] = {}
    for event in _events(
        session, EventKind.USER_CREATED, EventKind.USER_ENABLED, EventKind.USER_DISABLED
    ):
        username = str((event.details or {}).get("username"))
        if event.action == EventKind.USER_CREATED:
            created[username] = sorted((event.details or {}).get("roles") or [])
            active[username] = True
        else:
            active[username] = event.action == EventKind.USER_ENABLED
    for user in session.scalars(select(UserRow).order_by(UserRow.id)):
        if user.username not in created:
            yield f"account {user.username}: no logged event created it"
        elif sorted(user.roles) != created[user.username]:
            yield (
                f"account {user.username}: roles {sorted(user.roles)} differ from the logged"
                f" {created[user.username]}"
            )
        elif user.active != active[user.username]:
            state = "active" if user.active else "disabled"
            yield f"account {user.username}: is {state}, which no logged event made it"


def _request_states(session: Session) -> Iterator[str]:
    """A request's state is where its last logged move took it (``domain.lifecycle``)."""
    state: dict[int, str] = {}
    for event in session.scalars(
        select(EventRow).where(EventRow.request_id.is_not(None)).order_by(EventRow.id)
    ):
        if event.request_id is None:  # the query selects none; this tells mypy
            continue
        details: dict[str, Any] = event.details or {}
        if event.action in (EventKind.REQUEST_DRAFTED, EventKind.REQUEST_RECEIVED):
            state[event.request_id] = str(details.get("state"))
        elif "from" in details and "to" in details:
            state[event.request_id] = str(details["to"])
    for request in session.scalars(select(RequestRow).order_by(RequestRow.id)):
        logged = state.get(request.id)
        if logged is None:
            yield f"request {request.reference}: no logged event opened it"
        elif logged != request.state:
            yield (
                f"request {request.reference}: is '{request.state}' but its logged moves leave"
                f" it '{logged}'"
            )


def _received_content(session: Session) -> Iterator[str]:
    logged = {e.id: e for e in _events(session, RECEIVED_KIND)}
    for row in session.scalars(select(InboxRow).order_by(InboxRow.id)):
        event = logged.get(row.event_id) if row.event_id is not None else None
        details: dict[str, Any] = (event.details or {}) if event is not None else {}
        if details.get("message_id") != row.message_id:
            yield f"received message {row.message_id[:16]}: no logged event received it"
            continue
        if details.get("envelope") != row.envelope_digest:
            yield f"received message {row.message_id[:16]}: its envelope digest was changed"
            continue
        try:
            same = message_id_of(row.content) == row.message_id
        except InvalidInput:
            same = False
        if not same:
            yield (
                f"received message {row.message_id[:16]}: the stored content is not what was"
                " signed and logged"
            )


def _access_decisions(session: Session) -> Iterator[str]:
    """The chain rebuilt row by row, its head row, then each event's committed link in it."""
    position = {CHAIN_START}
    previous, count = CHAIN_START, 0
    for row in session.scalars(select(AccessDecisionRow).order_by(AccessDecisionRow.id)):
        if row.chain != chain_link(previous, decision_record(row)):
            yield (
                f"access decision {row.id}: it does not follow from the decision before it"
                " (it was changed, or a decision before it removed or slipped in)"
            )
        count += 1
        position.add(row.chain)
        previous = row.chain
    head = session.get(AccessChainRow, 1)
    if head is not None and (head.count, head.head) != (count, previous):
        yield (
            f"access decisions: the chain's head names decision {head.count:,} but the table"
            f" ends at decision {count:,} with another link (the newest were removed or added)"
        )
    for event in session.scalars(
        select(EventRow).where(EventRow.decisions_head.is_not(None)).order_by(EventRow.id)
    ):
        # Not compared between events: two transactions may read the head in one order
        # and take their event ids in the other.
        if str(event.decisions_head) not in position:
            yield (
                f"event {event.id}: it was logged after an access decision that the table no"
                " longer holds (decisions were removed or changed)"
            )
