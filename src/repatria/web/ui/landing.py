"""Where each role starts, and which links its top navigation shows.

Officers and supervisors start on their work queue; a node administrator, who sees no case
content (``domain.access``), on the node's administration page; auditors and privilege
reviewers on the cases they are assigned to. A link a role cannot use is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from repatria.domain.access import Action, Role, role_allows


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    label: str


WORK = Link("/work", "My work")
INTAKE = Link("/intake", "Intake")
CASES = Link("/cases", "Cases")
ADMIN = Link("/admin", "Node administration")
BASIS = Link("/basis", "Legal basis")
NETWORK = Link("/network", "Treaty network")
SIGN_IN = Link("/login", "Sign in")


def landing(roles: frozenset[Role]) -> Link:
    """The page a person lands on after signing in, and returns to from an error page."""
    if Role.CASE_OFFICER in roles or Role.SUPERVISOR in roles:
        return WORK
    if role_allows(roles, Action.CASE_LIST):
        return CASES
    if Role.NODE_ADMIN in roles:
        return ADMIN
    return NETWORK


def navigation(roles: frozenset[Role]) -> tuple[Link, ...]:
    """The top navigation's links, those the role can use only."""
    links: list[Link] = []
    if Role.CASE_OFFICER in roles or Role.SUPERVISOR in roles:
        links.append(WORK)
    if Role.SUPERVISOR in roles:
        links.append(INTAKE)
    if role_allows(roles, Action.CASE_LIST):
        links.append(CASES)
    if role_allows(roles, Action.USER_MANAGE):
        links.append(ADMIN)
    if role_allows(roles, Action.CASE_LIST):
        links.append(BASIS)
    links.append(NETWORK)
    return tuple(links)
