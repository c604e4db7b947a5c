"""The words an officer reads for directions, measures, case statuses, roles and actions.

The machine names (``outgoing``, ``freezing``, ``case.read``) stay on the wire, in files and in
``data-*`` attributes; pages show these words instead. Request states and moves have theirs in
``domain.lifecycle`` (``STATE_LABELS``, ``TRANSITION_LABELS``). The measures follow UNCAC
46(3)(a)-(k) and 54-57 as practitioners name them in a table; ``MEASURES`` keeps the longer
legal description.
"""

from __future__ import annotations

from repatria.domain.access import Action, Role
from repatria.domain.case import CaseStatus
from repatria.domain.lifecycle import STATE_LABELS, Direction, RequestState
from repatria.domain.measure import Measure

DIRECTION_LABELS: dict[Direction, str] = {
    Direction.OUTGOING: "Outgoing (we ask)",
    Direction.INCOMING: "Incoming (we are asked)",
}

MEASURE_LABELS: dict[Measure, str] = {
    Measure.RECORDS: "Bank and company records",
    Measure.SEARCH_SEIZURE: "Search and seizure",
    Measure.TESTIMONY: "Witness statements",
    Measure.VIDEOCONFERENCE: "Hearing by videoconference",
    Measure.SERVICE_OF_DOCUMENTS: "Service of documents",
    Measure.EXAMINATION: "Examination of objects and sites",
    Measure.TRACING: "Tracing of proceeds",
    Measure.FREEZING: "Freezing of assets",
    Measure.CONFISCATION: "Confiscation",
    Measure.ASSET_RETURN: "Return of assets",
    Measure.SPONTANEOUS_INFORMATION: "Spontaneous information",
    Measure.OTHER: "Other assistance",
}

CASE_STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.OPEN: "Open",
    CaseStatus.CLOSED: "Closed",
}

ROLE_LABELS: dict[Role, str] = {
    Role.CASE_OFFICER: "Case officer",
    Role.SUPERVISOR: "Supervisor",
    Role.PRIVILEGE_REVIEWER: "Privilege reviewer",
    Role.AUDITOR: "Auditor",
    Role.NODE_ADMIN: "Node administrator",
}

ACTION_LABELS: dict[Action, str] = {
    Action.CASE_CREATE: "open a case",
    Action.CASE_LIST: "list cases",
    Action.CASE_READ: "read a case",
    Action.CASE_ASSIGN: "assign people to a case",
    Action.REQUEST_CREATE: "draft a request",
    Action.REQUEST_TRANSITION: "move a request on",
    Action.REQUEST_INQUIRE: "ask or answer a status inquiry",
    Action.ENTITY_WRITE: "add people, companies or accounts to a case",
    Action.USER_MANAGE: "manage accounts",
    Action.AUTHORITY_MANAGE: "manage the directory of authorities",
    Action.AUDIT_READ: "read the access record",
    Action.LEDGER_ALARMS: "read ledger alarms",
    Action.LEDGER_PEERS: "manage ledger witnesses",
    Action.KEYS_ROTATE: "rotate the node's keys",
    Action.EXCHANGE_OPERATE: "operate message delivery",
    Action.LEDGER_EXPORT: "export the whole log or prove events of no case",
}

INCOMING_STATE_LABELS: dict[RequestState, str] = {
    RequestState.SENT: "Received, not yet acknowledged",
}
"""Where the requested side reads a state differently: "sent" is what the requesting state
did; here the request has arrived and waits for the central authority's receipt (46(13))."""


def state_words(state: RequestState, direction: Direction) -> str:
    """A request's state in words, as the side holding it reads it."""
    if direction is Direction.INCOMING and state in INCOMING_STATE_LABELS:
        return INCOMING_STATE_LABELS[state]
    return STATE_LABELS[state]
