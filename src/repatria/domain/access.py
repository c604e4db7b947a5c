"""Roles and what each may do: least privilege, and need-to-know per case.

Roles grant kinds of action; case membership grants the case. A case-scoped
action needs both (OWASP ASVS 5.0 V8.2: function- and data-level access).
The node administrator manages accounts but sees no case content unless
assigned to the case like anyone else; the auditor reads the node-wide record
of access decisions, and case content only where assigned.
"""

from __future__ import annotations

from enum import StrEnum

from repatria.domain.lifecycle import TransitionName
from repatria.errors import InvalidInput


class Role(StrEnum):
    CASE_OFFICER = "case-officer"
    SUPERVISOR = "supervisor"
    PRIVILEGE_REVIEWER = "privilege-reviewer"
    AUDITOR = "auditor"
    NODE_ADMIN = "node-admin"


class Action(StrEnum):
    CASE_CREATE = "case.create"
    CASE_LIST = "case.list"
    CASE_READ = "case.read"
    CASE_ASSIGN = "case.assign"
    REQUEST_CREATE = "request.create"
    REQUEST_TRANSITION = "request.transition"
    REQUEST_INQUIRE = "request.inquire"
    ENTITY_WRITE = "entity.write"
    USER_MANAGE = "user.manage"
    AUTHORITY_MANAGE = "authority.manage"
    AUDIT_READ = "audit.read"
    LEDGER_ALARMS = "ledger.alarms"
    LEDGER_PEERS = "ledger.peers"
    KEYS_ROTATE = "keys.rotate"
    EXCHANGE_OPERATE = "exchange.operate"
    LEDGER_EXPORT = "ledger.export"


CASE_SCOPED = frozenset(
    {
        Action.CASE_READ,
        Action.CASE_ASSIGN,
        Action.REQUEST_CREATE,
        Action.REQUEST_TRANSITION,
        Action.REQUEST_INQUIRE,
        Action.ENTITY_WRITE,
    }
)

_WORK = {
    Action.CASE_CREATE,
    Action.CASE_LIST,
    Action.CASE_READ,
    Action.REQUEST_CREATE,
    Action.REQUEST_TRANSITION,
    Action.REQUEST_INQUIRE,
    Action.ENTITY_WRITE,
}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CASE_OFFICER: frozenset(_WORK),
    Role.SUPERVISOR: frozenset(_WORK | {Action.CASE_ASSIGN}),
    Role.PRIVILEGE_REVIEWER: frozenset({Action.CASE_LIST, Action.CASE_READ}),
    Role.AUDITOR: frozenset(
        {
            Action.CASE_LIST,
            Action.CASE_READ,
            Action.AUDIT_READ,
            Action.LEDGER_ALARMS,
            Action.LEDGER_EXPORT,
        }
    ),
    Role.NODE_ADMIN: frozenset(
        {
            Action.USER_MANAGE,
            Action.AUTHORITY_MANAGE,
            Action.LEDGER_ALARMS,
            Action.LEDGER_PEERS,
            Action.KEYS_ROTATE,
            Action.EXCHANGE_OPERATE,
            Action.LEDGER_EXPORT,
        }
    ),
}

SUPERVISOR_TRANSITIONS = frozenset({TransitionName.SEND, TransitionName.REFUSE})
"""Transitions that commit the state abroad: sending a request and refusing
one need a supervisor's hand (four-eyes, as central authorities sign off)."""


def role_allows(roles: frozenset[Role], action: Action) -> bool:
    return any(action in ROLE_ACTIONS[r] for r in roles)


def parse_roles(values: list[str], *, where: str = "roles") -> frozenset[Role]:
    roles = set()
    for i, value in enumerate(values):
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            accepted = ", ".join(r.value for r in Role)
            raise InvalidInput(
                f"unknown role {value!r}; accepted: {accepted}", where=f"{where}[{i}]"
            ) from None
    if not roles:
        raise InvalidInput("a user needs at least one role", where=where)
    return frozenset(roles)
