from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.lifecycle import (
    STATE_LABELS,
    TERMINAL_STATES,
    TRANSITION_LABELS,
    TRANSITIONS,
    Direction,
    RequestState,
    Side,
    TransitionName,
    allowed_transitions,
    next_state,
    parse_transition,
)
from repatria.errors import InvalidInput, InvalidTransition


def reachable(direction: Direction) -> set[RequestState]:
    seen = {direction.initial_state}
    frontier = [direction.initial_state]
    while frontier:
        state = frontier.pop()
        for t in allowed_transitions(state, direction):
            if t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


@pytest.mark.parametrize("direction", list(Direction))
def test_every_state_but_drafting_is_reachable(direction: Direction) -> None:
    found = reachable(direction)
    expected = set(RequestState)
    if direction is Direction.INCOMING:
        expected -= {RequestState.DRAFT, RequestState.READY}
    assert found == expected


def test_terminal_states_allow_nothing() -> None:
    for state in TERMINAL_STATES:
        for direction in Direction:
            assert allowed_transitions(state, direction) == []


def test_refusal_and_postponement_only_after_consultation() -> None:
    """UNCAC 46(26): consult before refusing under 46(21) or postponing under 46(25)."""
    for t in TRANSITIONS:
        if t.name in (TransitionName.REFUSE, TransitionName.POSTPONE):
            assert t.sources == frozenset({RequestState.CONSULTATION})
            assert t.needs_reason


def test_incoming_requests_never_use_drafting_moves() -> None:
    for state in RequestState:
        names = {t.name for t in allowed_transitions(state, Direction.INCOMING)}
        assert not names & {TransitionName.MARK_READY, TransitionName.SEND, TransitionName.REVISE}


def test_each_transition_cites_an_article_and_has_one_side() -> None:
    for t in TRANSITIONS:
        assert t.article.startswith("UNCAC 46(")
        assert t.side in (Side.REQUESTING, Side.REQUESTED)


def test_refused_move_names_state_and_allowed_moves() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_state("NG-2026-0001-R01", RequestState.SENT, Direction.OUTGOING, TransitionName.REFUSE)
    message = str(info.value)
    assert "cannot refuse from 'sent'" in message
    assert "allowed next: acknowledge, request-additional-information, withdraw" in message


def test_closed_request_says_so() -> None:
    with pytest.raises(InvalidTransition, match=r"none \(the request is closed\)"):
        next_state("X", RequestState.EXECUTED, Direction.INCOMING, TransitionName.WITHDRAW)


def test_unknown_transition_lists_accepted() -> None:
    with pytest.raises(InvalidInput, match="unknown transition 'approve'; accepted: mark-ready"):
        parse_transition("approve")


@given(
    direction=st.sampled_from(list(Direction)),
    moves=st.lists(st.sampled_from(list(TransitionName)), max_size=40),
)
def test_random_walks_stay_in_the_machine(
    direction: Direction, moves: list[TransitionName]
) -> None:
    """Any sequence of attempted moves either follows an edge or is refused, never both."""
    state = direction.initial_state
    history = [state]
    for name in moves:
        allowed = {t.name: t for t in allowed_transitions(state, direction)}
        if name in allowed:
            move = next_state("R", state, direction, name)
            assert move.target is allowed[name].target
            state = move.target
            history.append(state)
        else:
            with pytest.raises(InvalidTransition):
                next_state("R", state, direction, name)
    if RequestState.REFUSED in history:
        i = history.index(RequestState.REFUSED)
        assert history[i - 1] is RequestState.CONSULTATION
    assert all(s not in TERMINAL_STATES for s in history[:-1])


def test_every_state_and_move_has_words_for_the_officer() -> None:
    assert set(STATE_LABELS) == set(RequestState)
    assert set(TRANSITION_LABELS) == set(TransitionName)
    for label in [*STATE_LABELS.values(), *TRANSITION_LABELS.values()]:
        assert label[0].isupper() and "-" not in label.split()[0]
