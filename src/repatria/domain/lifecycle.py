"""The lifecycle of a request for mutual legal assistance, as a state machine.

Both sides of a request share one vocabulary of states. Each transition says
which side performs it: the *requesting* state drafts, sends, answers requests
for more information and withdraws; the *requested* state acknowledges, asks
for more information, consults, postpones, executes and refuses. A node holds
outgoing requests (it is the requesting side) and incoming ones (it is the
requested side); when a transition belongs to the other side, the node records
what the other state reported, and says so in the event.

The shape follows UNCAC Art. 46:
- refusal and postponement are reachable only through *consultation*, because
  46(26) requires the requested state to consult before refusing under 46(21)
  or postponing under 46(25);
- a refusal must name one of the grounds of 46(21)(a)-(d) and give reasons
  (46(23)); bank secrecy (46(8)) and the involvement of fiscal matters (46(22))
  are never grounds (see ``refusal.py``);
- a request for additional information follows 46(16);
- withdrawal is the requesting state telling that the assistance is no longer
  required (46(24), last sentence).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from repatria.errors import InvalidInput, InvalidTransition


class RequestState(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ADDITIONAL_INFORMATION_REQUESTED = "additional-information-requested"
    ADDITIONAL_INFORMATION_PROVIDED = "additional-information-provided"
    CONSULTATION = "consultation"
    POSTPONED = "postponed"
    IN_EXECUTION = "in-execution"
    PARTIALLY_EXECUTED = "partially-executed"
    EXECUTED = "executed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[RequestState, str] = {
    RequestState.DRAFT: "Draft",
    RequestState.READY: "Ready to send",
    RequestState.SENT: "Sent",
    RequestState.ACKNOWLEDGED: "Acknowledged",
    RequestState.ADDITIONAL_INFORMATION_REQUESTED: "Additional information asked",
    RequestState.ADDITIONAL_INFORMATION_PROVIDED: "Additional information given",
    RequestState.CONSULTATION: "In consultation",
    RequestState.POSTPONED: "Postponed",
    RequestState.IN_EXECUTION: "Being executed",
    RequestState.PARTIALLY_EXECUTED: "Partly executed",
    RequestState.EXECUTED: "Executed",
    RequestState.REFUSED: "Refused",
    RequestState.WITHDRAWN: "Withdrawn",
}
"""The words an officer reads for each state; the machine names stay on the wire."""

TERMINAL_STATES = frozenset({RequestState.EXECUTED, RequestState.REFUSED, RequestState.WITHDRAWN})


class Side(StrEnum):
    """Which state performs a transition."""

    REQUESTING = "requesting"
    REQUESTED = "requested"


class Direction(StrEnum):
    """Whether this node sent the request (outgoing) or received it (incoming)."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"

    @property
    def own_side(self) -> Side:
        return Side.REQUESTING if self is Direction.OUTGOING else Side.REQUESTED

    @property
    def initial_state(self) -> RequestState:
        """Outgoing requests start as drafts; incoming ones arrive sent."""
        return RequestState.DRAFT if self is Direction.OUTGOING else RequestState.SENT


class TransitionName(StrEnum):
    MARK_READY = "mark-ready"
    REVISE = "revise"
    SEND = "send"
    ACKNOWLEDGE = "acknowledge"
    REQUEST_ADDITIONAL_INFORMATION = "request-additional-information"
    PROVIDE_ADDITIONAL_INFORMATION = "provide-additional-information"
    START_EXECUTION = "start-execution"
    OPEN_CONSULTATION = "open-consultation"
    AGREE_CONDITIONS = "agree-conditions"
    POSTPONE = "postpone"
    RESUME_EXECUTION = "resume-execution"
    EXECUTE_PARTIALLY = "execute-partially"
    COMPLETE_EXECUTION = "complete-execution"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


TRANSITION_LABELS: dict[TransitionName, str] = {
    TransitionName.MARK_READY: "Mark ready for sending",
    TransitionName.REVISE: "Revise (back to draft)",
    TransitionName.SEND: "Send to the requested state",
    TransitionName.ACKNOWLEDGE: "Acknowledge receipt",
    TransitionName.REQUEST_ADDITIONAL_INFORMATION: "Ask for additional information",
    TransitionName.PROVIDE_ADDITIONAL_INFORMATION: "Give the additional information",
    TransitionName.START_EXECUTION: "Start execution",
    TransitionName.OPEN_CONSULTATION: "Consult before refusing or postponing",
    TransitionName.AGREE_CONDITIONS: "Agree the conditions",
    TransitionName.POSTPONE: "Postpone execution",
    TransitionName.RESUME_EXECUTION: "Resume execution",
    TransitionName.EXECUTE_PARTIALLY: "Report partial execution",
    TransitionName.COMPLETE_EXECUTION: "Report full execution",
    TransitionName.REFUSE: "Refuse, with reasons",
    TransitionName.WITHDRAW: "Withdraw the request",
}
"""The words of each move as a button says it (UNCAC 46(13)-(26) in practice's terms)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One allowed move of the state machine, with the article behind it."""

    name: TransitionName
    sources: frozenset[RequestState]
    target: RequestState
    side: Side
    article: str
    summary: str
    needs_reason: bool = False


S = RequestState
_OPEN_AT_REQUESTED = frozenset(
    {S.SENT, S.ACKNOWLEDGED, S.ADDITIONAL_INFORMATION_REQUESTED, S.ADDITIONAL_INFORMATION_PROVIDED,
     S.CONSULTATION, S.POSTPONED, S.IN_EXECUTION, S.PARTIALLY_EXECUTED}
)  # fmt: skip

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        TransitionName.MARK_READY, frozenset({S.DRAFT}), S.READY, Side.REQUESTING,
        "UNCAC 46(15)", "the draft is complete and approved for sending",
    ),
    Transition(
        TransitionName.REVISE, frozenset({S.READY}), S.DRAFT, Side.REQUESTING,
        "UNCAC 46(15)", "back to draft for changes",
    ),
    Transition(
        TransitionName.SEND, frozenset({S.READY}), S.SENT, Side.REQUESTING,
        "UNCAC 46(13)-(14)", "transmitted to the requested state's central authority in writing",
    ),
    Transition(
        TransitionName.ACKNOWLEDGE, frozenset({S.SENT}), S.ACKNOWLEDGED, Side.REQUESTED,
        "UNCAC 46(13)", "the central authority confirms receipt",
    ),
    Transition(
        TransitionName.REQUEST_ADDITIONAL_INFORMATION,
        frozenset({S.SENT, S.ACKNOWLEDGED, S.IN_EXECUTION, S.ADDITIONAL_INFORMATION_PROVIDED}),
        S.ADDITIONAL_INFORMATION_REQUESTED, Side.REQUESTED,
        "UNCAC 46(16)", "the requested state needs more information to execute",
        needs_reason=True,
    ),
    Transition(
        TransitionName.PROVIDE_ADDITIONAL_INFORMATION,
        frozenset({S.ADDITIONAL_INFORMATION_REQUESTED}), S.ADDITIONAL_INFORMATION_PROVIDED,
        Side.REQUESTING, "UNCAC 46(16)", "the requesting state supplies what was asked",
        needs_reason=True,
    ),
    Transition(
        TransitionName.START_EXECUTION,
        frozenset({S.ACKNOWLEDGED, S.ADDITIONAL_INFORMATION_PROVIDED}), S.IN_EXECUTION,
        Side.REQUESTED, "UNCAC 46(17), 46(24)",
        "execution under the requested state's law, as soon as possible",
    ),
    Transition(
        TransitionName.OPEN_CONSULTATION,
        frozenset({S.ACKNOWLEDGED, S.ADDITIONAL_INFORMATION_PROVIDED, S.IN_EXECUTION,
                   S.PARTIALLY_EXECUTED}),
        S.CONSULTATION, Side.REQUESTED, "UNCAC 46(26)",
        "consultation before refusing or postponing, on whether assistance can be given on"
        " conditions",
        needs_reason=True,
    ),
    Transition(
        TransitionName.AGREE_CONDITIONS, frozenset({S.CONSULTATION}), S.IN_EXECUTION,
        Side.REQUESTED, "UNCAC 46(26)",
        "the requesting state accepted conditions; they bind it from now on",
        needs_reason=True,
    ),
    Transition(
        TransitionName.POSTPONE, frozenset({S.CONSULTATION}), S.POSTPONED, Side.REQUESTED,
        "UNCAC 46(25)", "execution would interfere with an ongoing investigation or proceeding",
        needs_reason=True,
    ),
    Transition(
        TransitionName.RESUME_EXECUTION, frozenset({S.POSTPONED}), S.IN_EXECUTION,
        Side.REQUESTED, "UNCAC 46(25)", "the reason for postponement has passed",
    ),
    Transition(
        TransitionName.EXECUTE_PARTIALLY, frozenset({S.IN_EXECUTION}), S.PARTIALLY_EXECUTED,
        Side.REQUESTED, "UNCAC 46(24)", "part of the assistance has been provided",
    ),
    Transition(
        TransitionName.COMPLETE_EXECUTION, frozenset({S.IN_EXECUTION, S.PARTIALLY_EXECUTED}),
        S.EXECUTED, Side.REQUESTED, "UNCAC 46(24)", "all the assistance sought has been provided",
    ),
    Transition(
        TransitionName.REFUSE, frozenset({S.CONSULTATION}), S.REFUSED, Side.REQUESTED,
        "UNCAC 46(21), 46(23), 46(26)",
        "refusal on a ground of 46(21), with reasons, after consultation",
        needs_reason=True,
    ),
    Transition(
        TransitionName.WITHDRAW, frozenset({S.DRAFT, S.READY}) | _OPEN_AT_REQUESTED,
        S.WITHDRAWN, Side.REQUESTING, "UNCAC 46(24)",
        "the requesting state no longer requires the assistance",
        needs_reason=True,
    ),
)  # fmt: skip

_BY_NAME = {t.name: t for t in TRANSITIONS}


def parse_transition(value: str, *, where: str = "transition") -> TransitionName:
    try:
        return TransitionName(value.strip().lower())
    except ValueError:
        accepted = ", ".join(t.value for t in TransitionName)
        raise InvalidInput(
            f"unknown transition {value!r}; accepted: {accepted}", where=where
        ) from None


def parse_state(value: str, *, where: str = "state") -> RequestState:
    try:
        return RequestState(value.strip().lower())
    except ValueError:
        accepted = ", ".join(s.value for s in RequestState)
        raise InvalidInput(f"unknown state {value!r}; accepted: {accepted}", where=where) from None


def transition(name: TransitionName) -> Transition:
    return _BY_NAME[name]


def allowed_transitions(state: RequestState, direction: Direction) -> list[Transition]:
    """Transitions that may fire from ``state`` on a request held in ``direction``.

    An incoming request never goes through the drafting transitions: those
    happened at the requesting node before it arrived.
    """
    found = []
    for t in TRANSITIONS:
        if state not in t.sources:
            continue
        if direction is Direction.INCOMING and t.name in _DRAFTING:
            continue
        found.append(t)
    return found


_DRAFTING = frozenset({TransitionName.MARK_READY, TransitionName.REVISE, TransitionName.SEND})


def next_state(
    reference: str, state: RequestState, direction: Direction, name: TransitionName
) -> Transition:
    """Check that ``name`` may fire now and return it, or say what may.

    The message names the request, the current state and the allowed next
    transitions, so a refused move explains itself.
    """
    allowed = allowed_transitions(state, direction)
    for t in allowed:
        if t.name is name:
            return t
    options = ", ".join(t.name.value for t in allowed) or "none (the request is closed)"
    raise InvalidTransition(
        f"request {reference}: cannot {name.value} from '{state.value}'; allowed next: {options}"
    )
