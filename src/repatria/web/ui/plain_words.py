"""Refusals in plain words: error pages name what was refused as an officer says it.

Services explain a refusal with the machine names a developer or the API reads ("your role
(node-admin) does not allow case.read"; "cannot request-additional-information from
'sent'"). An error page replaces those names by the words of ``domain.labels`` and
``domain.lifecycle``, and gives the refusal a heading of its kind.
"""

from __future__ import annotations

import re

from repatria.domain.access import Action, Role
from repatria.domain.labels import ACTION_LABELS, ROLE_LABELS
from repatria.domain.lifecycle import STATE_LABELS, TRANSITION_LABELS, RequestState, TransitionName

CONFLICT = (
    "The request is not in a state that allows this, or it changed meanwhile."
    " Reload it to see where it stands."
)
REFUSED = (
    "Your role or assignment does not allow this. If your work needs it, ask a supervisor to"
    " assign you to the case, or the node administrator to change your role."
)
INVALID = "What was sent is incomplete or not valid; nothing was stored."
HEADINGS: dict[int, tuple[str, str]] = {
    403: ("Not allowed", REFUSED),
    404: ("Not found", "It does not exist, or you are not assigned to its case."),
    405: ("Not possible here", "This page cannot be used that way."),
    409: ("Not possible now", CONFLICT),
    413: ("Too large", "What was sent is larger than this node accepts."),
    422: ("Something needs correcting", INVALID),
    503: ("Not available right now", "A service this needs does not answer; try again later."),
}
DEFAULT_HEADING = ("Something went wrong", "The node could not do this.")

_ACTIONS = {a.value: ACTION_LABELS[a] for a in Action}
_ROLES = {r.value: ROLE_LABELS[r] for r in Role}
_MOVES = {t.value: TRANSITION_LABELS[t] for t in TransitionName}
_STATES = {s.value: STATE_LABELS[s] for s in RequestState}
_ALLOW = re.compile(r"does not allow ([a-z]+\.[a-z-]+)")
_ACTION = re.compile(r"\b([a-z]+\.[a-z-]+)\b")
_QUOTED_STATE = re.compile(r"'([a-z-]+)'")
_WORD = re.compile(r"(?<![\w.])([a-z]+(?:-[a-z]+)+)(?![\w.])")
_MOVE_AFTER = re.compile(r"\bcannot ([a-z-]+)")
_NEXT = re.compile(r"allowed next: ([a-z-]+(?:, [a-z-]+)*)")
_YOUR_ROLE = re.compile(r"your role \(([a-z, -]+)\)")


def heading(status: int) -> tuple[str, str]:
    """The page title and the one-sentence explanation of an error of this kind."""
    return HEADINGS.get(status, DEFAULT_HEADING)


def in_plain_words(message: str) -> str:
    """``message`` with every action, role, move and state name replaced by its words."""
    text = _ALLOW.sub(lambda m: f"does not allow you to {_ACTIONS.get(m[1], m[1])}", message)
    text = _ACTION.sub(lambda m: _ACTIONS.get(m[1], m[1]), text)
    text = _QUOTED_STATE.sub(lambda m: f"“{_STATES[m[1]]}”" if m[1] in _STATES else m[0], text)
    text = _YOUR_ROLE.sub(
        lambda m: (
            "your role ("
            + ", ".join(_ROLES.get(r.strip(), r.strip()) for r in m[1].split(","))
            + ")"
        ),
        text,
    )
    text = _MOVE_AFTER.sub(lambda m: f"cannot {_word(m[1])}", text)
    text = _NEXT.sub(
        lambda m: "allowed next: " + ", ".join(_word(n) for n in m[1].split(", ")), text
    )
    text = _WORD.sub(lambda m: _word(m[1]), text)
    return text[:1].upper() + text[1:]


def _word(name: str) -> str:
    if name in _MOVES:
        return f"“{_MOVES[name]}”"
    if name in _ROLES:
        return _ROLES[name]
    if name in _STATES:
        return f"“{_STATES[name]}”"
    return name
