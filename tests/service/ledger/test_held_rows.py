"""What a transaction reads once and holds (issue 14.3): the access chain's newest link and
the counters it has locked. Holding must never hide a change made in the same transaction,
nor lose a number drawn, nor outlive the transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from repatria.domain.event import EventKind
from repatria.errors import NotFound
from repatria.ledger.entry import CHAIN_START
from repatria.service import requests
from repatria.service.cases import next_sequence
from repatria.service.events import record_event
from repatria.service.ledger.decisions import chain_head, locked_head
from repatria.service.node import Node
from repatria.store.tables import AccessChainRow, CounterRow, EventRow
from tests.conftest import CaseFixture, People

NEW_LINK = "ab" * 32


class Undo(Exception):
    """Rolls the test's transaction back."""


def test_an_event_commits_to_a_decision_recorded_before_it_in_the_same_transaction(
    node: Node,
) -> None:
    with pytest.raises(Undo), node.transaction() as session:
        first = record_event(session, actor="test", action=EventKind.CASE_OPENED, why="before")
        head = locked_head(session)  # what a new access decision does (service.access)
        head.head, head.count = NEW_LINK, head.count + 1
        second = record_event(session, actor="test", action=EventKind.CASE_OPENED, why="after")
        assert first.decisions_head != NEW_LINK
        assert second.decisions_head == chain_head(session) == NEW_LINK
        raise Undo


def test_a_new_transaction_reads_the_chain_as_committed(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    with pytest.raises(NotFound):  # an outsider is refused, and the refusal recorded
        requests.get_request(node, people.outsider, ng_case.request)
    with node.transaction() as session:
        committed = session.scalar(select(AccessChainRow.head).where(AccessChainRow.id == 1))
        event = record_event(session, actor="test", action=EventKind.CASE_OPENED, why="now")
    assert committed not in (None, CHAIN_START)
    assert event.decisions_head == committed
    with node.transaction() as session:
        stored = session.get(EventRow, event.id)
        assert stored is not None and stored.decisions_head == committed


def test_numbers_drawn_in_one_transaction_follow_on_and_are_all_kept(node: Node) -> None:
    with node.transaction() as session:
        drawn = [next_sequence(session, "test-counter") for _ in range(5)]
    with node.transaction() as session:
        drawn.append(next_sequence(session, "test-counter"))
        stored = session.get(CounterRow, "test-counter")
        assert stored is not None
    assert drawn == [1, 2, 3, 4, 5, 6]
    with node.transaction() as session:
        assert (
            session.scalar(select(CounterRow.value).where(CounterRow.name == "test-counter")) == 6
        )


def test_a_number_drawn_in_a_transaction_rolled_back_is_drawn_again(node: Node) -> None:
    with node.transaction() as session:
        assert next_sequence(session, "test-counter") == 1
    with pytest.raises(Undo), node.transaction() as session:
        assert next_sequence(session, "test-counter") == 2
        raise Undo
    with node.transaction() as session:
        assert next_sequence(session, "test-counter") == 2


def test_a_number_drawn_in_a_savepoint_rolled_back_is_drawn_again(node: Node) -> None:
    """An incoming message whose effect is refused rolls back only its savepoint: the case
    number it drew goes back, and the next case takes it, so references have no gaps."""
    with node.transaction() as session:
        assert next_sequence(session, "test-counter") == 1
        with pytest.raises(Undo), session.begin_nested():
            assert next_sequence(session, "test-counter") == 2
            raise Undo
        assert next_sequence(session, "test-counter") == 2
    with node.transaction() as session:
        assert (
            session.scalar(select(CounterRow.value).where(CounterRow.name == "test-counter")) == 2
        )
