"""Spontaneous information: telling another state's node, without a request, what may help
it start or finish an inquiry (UNCAC 46(4)-(5)) or recover proceeds of offences (art. 56).

A central authority's decision (supervisors only), taken on a case this node holds; the
message carries the case's handling, so the receiving state may use it only for crime
(H0), not pass it on (H2) and only in proceedings of its own once it opens them; it opens a
case on the receiving node for its intake (``service.incoming``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from repatria.domain.access import Action, Role
from repatria.domain.case import check_case_reference
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, SpontaneousInformation
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.cases import load_case
from repatria.service.dialogue import spontaneous_payload
from repatria.service.events import record_event
from repatria.service.network_directory import directory_in
from repatria.service.node import Node
from repatria.service.outbox import queue_in, seal_for
from repatria.store.base import utcnow


def send_spontaneous(
    node: Node, actor: Actor, case_reference: str, *, recipient: str, basis: str, summary: str
) -> str:
    """Queue spontaneous information for ``recipient``'s node; returns the message id."""
    ref = check_case_reference(case_reference)
    authorize(node, actor, Action.REQUEST_CREATE, ref,
              also_role=(Role.SUPERVISOR, "send information spontaneously"))  # fmt: skip
    payload = spontaneous_payload(summary, basis)
    with node.transaction() as session:
        return _send(session, node, actor, ref, recipient, payload)


def _send(
    session: Session, node: Node, actor: Actor, ref: str, recipient: str,
    payload: SpontaneousInformation,
) -> str:  # fmt: skip
    case = load_case(session, ref)
    directory = directory_in(session)
    now = utcnow()
    entry = directory.node(recipient, now)
    if recipient == node.config.node_id:
        raise InvalidInput("spontaneous information goes to another state's node", where="to")
    handling = Handling(
        originator=node.config.node_id,
        level=Confidentiality.CONFIDENTIAL,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=frozenset({Purpose.INVESTIGATION, Purpose.ASSET_RECOVERY}),
        cases=(ref,),
    )
    message = Message(payload=payload, case=ref, handling=handling)
    sealed = seal_for(node, message, entry.node_id, now, directory)
    record_event(
        session,
        actor=actor.username,
        action=EventKind.INFORMATION_SENT_SPONTANEOUSLY,
        why=f"to {entry.node_id} ({entry.jurisdiction}) under UNCAC {payload.basis.value}",
        case_id=case.id,
        details={"message_id": sealed.message_id, "recipient": entry.node_id},
    )
    queue_in(session, sealed, message, actor=actor.username, now=now, case_id=case.id)
    return sealed.message_id
