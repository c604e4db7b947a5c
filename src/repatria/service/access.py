"""Authorization: role and need-to-know, decided here and recorded every time.

Decisions are taken in the service layer, never in templates or routes, and
each one on a case, allowed or denied, is written to ``access_decisions`` in
its own transaction, so a denial stays on record even though the use case it
stopped never runs (OWASP ASVS 5.0 V8.2-8.3, V16.3.2).

The decisions form a hash chain (``ledger.entry.chain_link``): each row carries the link of
the one before it and itself, and the newest link is kept in ``access_chain``, which every
new decision locks first so that decisions line up one after another on PostgreSQL too.
Every event recorded afterwards commits to the chain's newest link
(``service.events``), so ``repatria ledger verify`` finds a decision changed, deleted or
slipped in anywhere before the newest event (issue 13.2).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import CASE_SCOPED, Action, Role, role_allows
from repatria.errors import NotFound, PermissionDenied
from repatria.ledger.entry import chain_link
from repatria.service.actor import Actor
from repatria.service.ledger.decisions import decision_record, locked_head
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.tables import AccessDecisionRow, CaseMemberRow, CaseRow


def not_visible(reference: str) -> NotFound:
    """The one message for 'absent' and 'not yours', so existence does not leak."""
    return NotFound(f"case {reference} not found, or you are not assigned to it", where="case")


def authorize(
    node: Node,
    actor: Actor,
    action: Action,
    case_reference: str | None = None,
    *,
    also_role: tuple[Role, str] | None = None,
    refusal: str | None = None,
) -> None:
    """Allow or refuse ``action`` for ``actor`` (on a case, when given) and record it.

    ``also_role`` demands one more role for this particular act, with the
    words that name the act (e.g. a supervisor to send a request). ``refusal`` is the
    sentence a refused role is told, where the act has words of its own ("only a node
    administrator may create accounts"); the recorded reason stays the rule's.
    """
    allowed, reason, error = _decide(node, actor, action, case_reference)
    if refusal is not None and isinstance(error, PermissionDenied):
        error = PermissionDenied(refusal)
    if allowed and also_role is not None and also_role[0] not in actor.roles:
        role, act = also_role
        allowed, reason = False, f"{act} needs the {role.value} role"
        error = PermissionDenied(f"only a {role.value} may {act}")
    with node.transaction() as session:
        _record(session, actor.username, action.value, case_reference, allowed, reason)
    if error is not None:
        raise error


def _record(
    session: Session,
    actor: str,
    action: str,
    case_reference: str | None,
    allowed: bool,
    reason: str,
) -> None:
    head = locked_head(session)
    row = AccessDecisionRow(
        at=utcnow(),
        actor=actor,
        action=action,
        case_reference=case_reference,
        allowed=allowed,
        reason=reason[:300],
    )
    row.chain = chain_link(head.head, decision_record(row))
    session.add(row)
    head.count += 1
    head.head = row.chain


def _decide(
    node: Node, actor: Actor, action: Action, reference: str | None
) -> tuple[bool, str, Exception | None]:
    roles = ", ".join(sorted(r.value for r in actor.roles))
    if not role_allows(actor.roles, action):
        return (
            False,
            f"role ({roles}) does not grant {action.value}",
            PermissionDenied(f"your role ({roles}) does not allow {action.value}"),
        )
    if action not in CASE_SCOPED:
        return True, f"role ({roles}) grants {action.value}", None
    if reference is None:
        raise ValueError(f"{action.value} needs a case")
    with node.transaction() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.reference == reference))
        member = case_id is not None and (
            session.scalar(
                select(CaseMemberRow.user_id).where(
                    CaseMemberRow.case_id == case_id, CaseMemberRow.user_id == actor.user_id
                )
            )
            is not None
        )
    if case_id is None:
        return False, "no such case", not_visible(reference)
    if not member:
        return False, "not assigned to the case", not_visible(reference)
    return True, f"assigned to the case; role ({roles}) grants {action.value}", None
