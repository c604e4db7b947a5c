"""Use limitation on the receiving node: who may see a received message, and what may be done
with it (read, export, use in a case, forward), decided from the originator's handling.

Every message arrives with the originator's ``Handling`` (docs/exchange.md, "Handling codes
and use limitation"); the inbox keeps it with the message. Here it is enforced:

- Reading: the case the message concerns, need-to-know (``authorize`` records every
  decision). There are no personal clearances yet, so ``secret`` material is shown to
  supervisors only (Council Decision 2013/488/EU Art. 2: handled only by those who must).
- Using it in a case (UNCAC 46(19)): ``may_use`` with the stored consents. The case this
  node opened for the message stands for the proceedings the originator named, so it counts
  as in scope; any other case needs the originator's prior consent.
- Exporting it (``may_export``) and forwarding it (``may_forward``, with the recipient's
  accredited level from the directory): only the decision is taken here; re-sending to a
  third node is not built.
- Consent: asked for with a ``consent-request`` message to the originator, answered on the
  originator's node by a supervisor (the central authority decides, 46(13), 46(19)) with a
  ``consent-answer``; a granted answer becomes a ``ConsentRecord`` on arrival.

Roles, with the actions that exist today: reading needs ``case.read`` on the message's case;
putting it to work (use, export, forward) ``entity.write`` (case officers and supervisors, not
reviewers or auditors), for a use on the target case too; asking consent
``request.inquire``; answering it ``request.transition`` and the supervisor role.

Every decision, allowed or refused, is an event in the case with its reason and article, so
it can be shown to a court later. A refusal is recorded in its own transaction before
``PermissionDenied`` is raised (the raise would roll back anything in the same one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import Action, Role
from repatria.domain.event import EventKind
from repatria.domain.request import check_request_reference
from repatria.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from repatria.exchange.canonical import (
    MESSAGE_ID,
    NODE_ID,
    parse_canonical,
    parse_enum,
    parse_time,
)
from repatria.exchange.directory import Directory
from repatria.exchange.envelope import verify_origin
from repatria.exchange.handling import (
    CRIME_PURPOSES,
    Confidentiality,
    ConsentKind,
    ConsentRecord,
    Decision,
    Handling,
    HandlingCode,
    Purpose,
    Use,
    may_export,
    may_forward,
    may_use,
)
from repatria.exchange.messages import ConsentAnswer, ConsentRequest, Message, MessageType
from repatria.exchange.rejection import Rejected
from repatria.service.access import authorize, not_visible
from repatria.service.actor import Actor
from repatria.service.dialogue import handling_for
from repatria.service.events import record_event
from repatria.service.network_directory import current_directory, directory_in
from repatria.service.node import Node
from repatria.service.outbox import queue_in, seal_for
from repatria.service.requests import case_of_request, load_request
from repatria.store.base import utcnow
from repatria.store.exchange_tables import ConsentRow, InboxRow, OutboxRow
from repatria.store.tables import CaseRow, EventRow, RequestRow

SUPERVISOR_ONLY = Confidentiality.SECRET
"""The level from which material is shown to supervisors only, until clearances exist."""

WORK = Action.ENTITY_WRITE
"""Putting received material to work (using, exporting, forwarding it) is case work: case
officers and supervisors of the case, not reviewers or auditors, who only read."""


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A received message as a case member sees it: who sent it when, how it must be handled,
    what it did here, and its payload (from the stored signed content)."""

    message_id: str
    type: str
    sender: str
    created_at: datetime
    received_at: datetime
    case: str  # the sender's case reference
    handling: Handling
    outcome: str
    payload: dict[str, Any]
    in_reply_to: str | None


@dataclass(frozen=True, slots=True)
class Exported:
    """The signed content of a message, verifiable by anyone with the directory
    (``verify_origin``), and the decision that let it out, with its conditions."""

    message_id: str
    content: bytes
    decision: Decision


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the decisions need of one inbox row, read in one transaction."""

    message_id: str
    sender: str
    type: str
    handling: Handling
    case_id: int
    case_ref: str
    request_id: int | None
    content: bytes


def received_messages(node: Node, actor: Actor, request_reference: str) -> list[ReceivedMessage]:
    """Messages received for a request, oldest first, for members of its case; ``secret``
    ones for supervisors only (no clearances yet)."""
    ref = check_request_reference(request_reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    with node.transaction() as session:
        request = load_request(session, ref)
        rows = session.scalars(
            select(InboxRow).where(InboxRow.request_id == request.id).order_by(InboxRow.id)
        ).all()
        return [_view(r) for r in rows if _cleared(actor, Confidentiality(r.level))]


def export_message(node: Node, actor: Actor, message_id: str) -> Exported:
    """The message's signed content, if ``may_export`` allows it (Europol Reg. Art. 19(2);
    never above restricted, 2013/488/EU Art. 2); its origin is checked before it leaves."""
    stored = _open(node, actor, message_id, WORK)
    with node.transaction() as session:
        granted, _ = _consents(session, stored.message_id)
    decision = may_export(stored.handling, granted, message_id=stored.message_id)
    if not decision.allowed:
        _refuse(node, actor, stored, EventKind.MESSAGE_EXPORT_REFUSED, decision, stored.case_id)
    verify_origin(stored.content, current_directory(node))
    with node.transaction() as session:
        _record(
            session,
            actor,
            stored,
            EventKind.MESSAGE_EXPORTED,
            decision,
            stored.case_id,
            {"sha256": hashlib.sha256(stored.content).hexdigest()},
        )
    return Exported(stored.message_id, stored.content, decision)


def use_in_case(
    node: Node, actor: Actor, message_id: str, case_reference: str, purpose: Purpose | str
) -> Decision:
    """May the message be used for ``purpose`` in ``case_reference``? (UNCAC 46(19))

    The case opened here for the message counts as the originator's own proceedings; any
    other case needs a consent recorded from the originator's answer. Allowed uses are
    recorded as ``message.used`` in the target case, citing the consent when one was needed.
    """
    wanted = parse_enum(Purpose, str(purpose), "purpose")
    stored = _open(node, actor, message_id, Action.CASE_READ)
    authorize(node, actor, WORK, case_reference)
    with node.transaction() as session:
        target = _case_id(session, case_reference)
        granted, answers = _consents(session, stored.message_id)
    use = Use(wanted, case_reference)
    decision = may_use(_scope(stored, target), use, granted, message_id=stored.message_id)
    consent = _matching(granted, ConsentKind.USE, use=use)
    extra: dict[str, Any] = {
        "purpose": wanted.value,
        "case": case_reference,
        "consent": consent.consent_message if consent else None,
    }
    if not decision.allowed:
        refused = _answered(answers, ConsentKind.USE, use=use, granted=False)
        if refused is not None:
            why = f"{refused.granted_by} refused consent to this use in message"
            reason = f"{decision.reason}; {why} {refused.answer_message_id}"
            decision = replace(decision, reason=reason)
        _refuse(node, actor, stored, EventKind.MESSAGE_USE_REFUSED, decision, target, extra)
    with node.transaction() as session:
        _record(session, actor, stored, EventKind.MESSAGE_USED, decision, target, extra)
    return decision


def forward_message(node: Node, actor: Actor, message_id: str, recipient: str) -> Decision:
    """May the message be passed to ``recipient``? (``may_forward``: the recipient's accredited
    level from the directory, H2 and the originator's consent; 46(19), 2013/488/EU Art. 2).

    Only the decision is taken and recorded: re-sending to a third node is not built, since a
    message is signed to its recipient (a re-sealed copy would be refused as forwarded).
    """
    node_id = _recipient(node, recipient)
    stored = _open(node, actor, message_id, WORK)
    with node.transaction() as session:
        granted, _ = _consents(session, stored.message_id)
        level = _accredited(directory_in(session), node_id)
    decision = may_forward(stored.handling, node_id, level, granted, message_id=stored.message_id)
    extra = {"recipient": node_id, "recipient_level": level.value if level else None}
    if not decision.allowed:
        _refuse(
            node, actor, stored, EventKind.MESSAGE_FORWARD_REFUSED, decision, stored.case_id, extra
        )
    with node.transaction() as session:
        _record(
            session,
            actor,
            stored,
            EventKind.MESSAGE_FORWARD_ALLOWED,
            decision,
            stored.case_id,
            extra,
        )
    return decision


def ask_consent(
    node: Node,
    actor: Actor,
    message_id: str,
    kind: ConsentKind | str,
    *,
    purpose: Purpose | str | None = None,
    case_reference: str | None = None,
    recipient: str | None = None,
    reason: str,
    again: bool = False,
) -> str:
    """Ask the originator's prior consent (46(19)) to another use, forwarding or export of a
    received message; queues a ``consent-request`` with its ``consent.asked`` event in one
    transaction and returns the new message's id.

    Refused when consent could not change the answer (already allowed; confidential export;
    a recipient not accredited for the level; H0 outside crime), when the same question is
    waiting for its answer, and when it was refused before unless ``again`` is given.
    """
    grant = ConsentKind(parse_enum(ConsentKind, str(kind), "kind"))
    if not reason.strip():
        raise InvalidInput(
            "say why consent is needed (the originator decides on it)", where="reason"
        )
    stored = _open(node, actor, message_id, Action.REQUEST_INQUIRE)
    use, target = _grant_use(node, actor, grant, purpose, case_reference)
    forward_to = _grant_recipient(grant, recipient and _recipient(node, recipient))
    with node.transaction() as session:
        granted, answers = _consents(session, stored.message_id)
        level = _accredited(directory_in(session), forward_to) if forward_to else None
        asked = _pending(session, stored, grant, use, forward_to, answers)
    _worth_asking(stored, grant, use, forward_to, level, granted, target)
    if asked is not None:
        raise Conflict(
            f"the same consent was asked in message {asked} and is not answered yet", where="kind"
        )
    refused = _answered(answers, grant, use=use, recipient=forward_to, granted=False)
    if refused is not None and not again:
        raise Conflict(
            f"{refused.granted_by} refused this consent in message {refused.answer_message_id};"
            " ask again only with new reasons (again=true)",
            where="kind",
        )
    payload = ConsentRequest(stored.message_id, grant, reason.strip(), use, forward_to)
    handling = Handling(
        originator=node.config.node_id,
        level=stored.handling.level,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=stored.handling.purposes,
        cases=stored.handling.cases,
        confidential_request=stored.handling.confidential_request,
    )
    message = Message(payload=payload, case=stored.case_ref, handling=handling)
    now = utcnow()
    with node.transaction() as session:
        sealed = seal_for(node, message, stored.handling.originator, now, directory_in(session))
        details = {
            "message_id": sealed.message_id,
            "original_message": stored.message_id,
            "kind": grant.value,
            "purpose": use.purpose.value if use else None,
            "case": use.case if use else None,
            "recipient": forward_to,
        }
        why = (
            f"consent to {grant.value} of message {stored.message_id[:12]}… asked of "
            f"{stored.handling.originator}: {reason.strip()} (UNCAC 46(19))"
        )
        for case_id in dict.fromkeys((stored.case_id, target)):
            if case_id is not None:
                record_event(
                    session,
                    actor=actor.username,
                    action=EventKind.CONSENT_ASKED,
                    why=why[:2000],
                    case_id=case_id,
                    details=details,
                )
        queue_in(
            session,
            sealed,
            message,
            actor=actor.username,
            now=now,
            case_id=stored.case_id,
            request_id=stored.request_id,
        )
    return sealed.message_id


def answer_consent(
    node: Node,
    actor: Actor,
    consent_request_message_id: str,
    granted: bool,
    conditions: tuple[str, ...] = (),
) -> str:
    """Answer a received consent request with a ``consent-answer`` to the asker; a supervisor's
    decision (the central authority's, 46(13), 46(19)). Returns the answer's message id."""
    extra = (Role.SUPERVISOR, "answer a consent request (UNCAC 46(19))")
    stored = _open(node, actor, consent_request_message_id, Action.REQUEST_TRANSITION, extra)
    if stored.type != MessageType.CONSENT_REQUEST.value:
        raise InvalidInput(
            f"message {stored.message_id} is a {stored.type}, not a consent-request",
            where="message_id",
        )
    asked = _message(stored.content).payload
    if not isinstance(asked, ConsentRequest):
        raise InvalidInput(
            f"message {stored.message_id} is stored as a consent-request but holds a"
            f" {asked.TYPE.value}",
            where="message_id",
        )
    conditions = tuple(c.strip() for c in conditions if c.strip())
    answer = ConsentAnswer(
        stored.message_id,
        asked.original_message,
        granted,
        asked.kind,
        asked.use,
        asked.recipient,
        conditions,
    )
    verdict = "granted" if granted else "refused"
    now = utcnow()
    with node.transaction() as session:
        if _answered_already(session, stored):
            raise Conflict(
                f"consent request {stored.message_id} was answered already", where="message_id"
            )
        sent = session.scalars(
            select(OutboxRow).where(OutboxRow.message_id == asked.original_message)
        ).first()
        if sent is None or sent.recipient != stored.sender:
            raise NotFound(
                f"this node sent no message {asked.original_message} to {stored.sender};"
                " there is nothing to consent to",
                where="message_id",
            )
        handling = _answer_handling(session, node, stored, sent)
        message = Message(
            payload=answer, case=stored.case_ref, handling=handling, in_reply_to=stored.message_id
        )
        sealed = seal_for(node, message, stored.sender, now, directory_in(session))
        record_event(
            session,
            actor=actor.username,
            action=EventKind.CONSENT_ANSWERED,
            why=f"consent to {asked.kind.value} of message"
            f" {asked.original_message[:12]}… {verdict} for {stored.sender}"
            + (f" on conditions: {'; '.join(conditions)}" if conditions else "")
            + " (UNCAC 46(19))",
            case_id=stored.case_id,
            request_id=stored.request_id,
            details={"message_id": sealed.message_id, **answer.to_dict()},
        )
        queue_in(
            session,
            sealed,
            message,
            actor=actor.username,
            now=now,
            case_id=stored.case_id,
            request_id=stored.request_id,
        )
        inbox = session.scalars(
            select(InboxRow).where(InboxRow.message_id == stored.message_id)
        ).one()
        inbox.outcome = f"consent {verdict} in message {sealed.message_id}"
    return sealed.message_id


# --- reading stored messages -------------------------------------------------------------


def _open(
    node: Node,
    actor: Actor,
    message_id: str,
    action: Action,
    also_role: tuple[Role, str] | None = None,
) -> _Stored:
    """The received message, if the actor may see it: need-to-know on its case (recorded by
    ``authorize``), and supervisors only for secret material (recorded as a refusal)."""
    if not MESSAGE_ID.match(message_id):
        raise InvalidInput(
            f"expected a message id (64 hex digits), found {message_id!r}", where="message_id"
        )
    with node.transaction() as session:
        row = session.scalars(select(InboxRow).where(InboxRow.message_id == message_id)).first()
        case = _case_of(session, row) if row is not None else None
        stored = None
        if row is not None and case is not None:
            stored = _Stored(
                row.message_id,
                row.sender,
                row.message_type,
                Handling.from_dict(row.handling),
                case.id,
                case.reference,
                row.request_id,
                row.content,
            )
    if stored is None:
        raise NotFound(
            f"no received message {message_id} in a case you are assigned to", where="message_id"
        )
    authorize(node, actor, action, stored.case_ref, also_role=also_role)
    if not _cleared(actor, stored.handling.level):
        decision = Decision(
            False,
            f"{stored.handling.level.value} material is shown to supervisors only (no personal"
            " clearances are recorded on this node)",
            "Council Decision 2013/488/EU Art. 2",
        )
        _refuse(node, actor, stored, EventKind.MESSAGE_ACCESS_REFUSED, decision, stored.case_id)
    return stored


def _case_of(session: Session, row: InboxRow) -> CaseRow | None:
    """The case a received message belongs to here. A consent request about a message sent
    outside any request belongs to the case that message was sent from (the outbox keeps
    its case reference), so the central authority can still answer it."""
    if row.case_id is not None:
        return session.get(CaseRow, row.case_id)
    if row.message_type != MessageType.CONSENT_REQUEST.value:
        return None
    asked = _message(row.content).payload
    if not isinstance(asked, ConsentRequest):  # type and content disagree: no case, no access
        return None
    return session.scalars(
        select(CaseRow)
        .join(OutboxRow, OutboxRow.case_ref == CaseRow.reference)
        .where(OutboxRow.message_id == asked.original_message)
    ).first()


def _cleared(actor: Actor, level: Confidentiality) -> bool:
    return level.rank < SUPERVISOR_ONLY.rank or actor.has(Role.SUPERVISOR)


def _message(content: bytes) -> Message:
    """The message inside stored signed content (verified when it arrived)."""
    signed = parse_canonical(content, where="inbox.content")["signed"]
    return Message.from_dict(signed["message"], where="inbox.content.message")


def _view(row: InboxRow) -> ReceivedMessage:
    signed = parse_canonical(row.content, where="inbox.content")["signed"]
    message = Message.from_dict(signed["message"], where="inbox.content.message")
    return ReceivedMessage(
        message_id=row.message_id,
        type=row.message_type,
        sender=row.sender,
        created_at=parse_time(signed["created"], where="inbox.content.created"),
        received_at=row.received_at,
        case=message.case,
        handling=Handling.from_dict(row.handling),
        outcome=row.outcome,
        payload={k: v for k, v in message.payload.to_dict().items() if v is not None},
        in_reply_to=message.in_reply_to,
    )


def _case_id(session: Session, reference: str) -> int:
    found = session.scalar(select(CaseRow.id).where(CaseRow.reference == reference))
    if found is None:  # authorize has refused unknown cases already; kept for safety
        raise not_visible(reference)
    return found


def _scope(stored: _Stored, target: int) -> Handling:
    """The handling with this node's case for the message counted as the originator's named
    proceedings, when the originator named any (46(19): the proceedings of the request)."""
    if target != stored.case_id or not stored.handling.cases:
        return stored.handling
    return replace(stored.handling, cases=(*stored.handling.cases, stored.case_ref))


def _node_id(value: str, where: str) -> str:
    if not NODE_ID.match(value):
        raise InvalidInput(f"expected a node id like gb-uka, found {value!r}", where=where)
    return value


def _recipient(node: Node, value: str) -> str:
    """Another node's id: the message is on this node already."""
    node_id = _node_id(value, "recipient")
    if node_id == node.config.node_id:
        raise InvalidInput(
            f"{node_id} is this node; name the node it would go to", where="recipient"
        )
    return node_id


def _accredited(directory: Directory, node_id: str) -> Confidentiality | None:
    """The recipient's accredited level from the directory; None when it is not listed or its
    entry expired (``may_forward`` treats that as not accredited)."""
    try:
        level: Confidentiality = directory.node(node_id, utcnow()).accredited
    except Rejected:
        return None
    return level


# --- consents --------------------------------------------------------------------------


def _consents(session: Session, message_id: str) -> tuple[list[ConsentRecord], list[ConsentRow]]:
    """The originator's recorded answers about a message: granted ones as ``ConsentRecord``s
    (what the decision functions take), and every answer row (refusals included)."""
    rows = list(
        session.scalars(
            select(ConsentRow)
            .where(ConsentRow.original_message_id == message_id)
            .order_by(ConsentRow.id)
        ).all()
    )
    return [consent_of(r) for r in rows if r.granted], rows


def consent_of(row: ConsentRow) -> ConsentRecord:
    """The ``ConsentRecord`` a stored granted answer stands for (``ConsentAnswer.record``)."""
    data = row.record
    kind = ConsentKind(data["kind"])
    use = Use(Purpose(data["purpose"]), data["case"]) if kind is ConsentKind.USE else None
    return ConsentRecord(
        consent_message=row.answer_message_id,
        original_message=row.original_message_id,
        granted_by=row.granted_by,
        granted_at=parse_time(data["granted_at"], where="consent.granted_at"),
        kind=kind,
        use=use,
        recipient=data.get("recipient"),
        conditions=tuple(data.get("conditions") or ()),
    )


def _grant_of(data: dict[str, Any]) -> tuple[Any, ...]:
    return (data.get("kind"), data.get("purpose"), data.get("case"), data.get("recipient"))


def _key(kind: ConsentKind, use: Use | None, recipient: str | None) -> tuple[Any, ...]:
    return (kind.value, use.purpose.value if use else None, use.case if use else None, recipient)


def _matching(
    granted: list[ConsentRecord],
    kind: ConsentKind,
    *,
    use: Use | None = None,
    recipient: str | None = None,
) -> ConsentRecord | None:
    for consent in granted:
        if (consent.kind, consent.use, consent.recipient) == (kind, use, recipient):
            return consent
    return None


def _answered(
    answers: list[ConsentRow],
    kind: ConsentKind,
    *,
    use: Use | None = None,
    recipient: str | None = None,
    granted: bool,
) -> ConsentRow | None:
    """The latest answer of the originator to exactly this question, if it was ``granted``."""
    same = [a for a in answers if _grant_of(a.record) == _key(kind, use, recipient)]
    return same[-1] if same and same[-1].granted is granted else None


def _pending(
    session: Session,
    stored: _Stored,
    kind: ConsentKind,
    use: Use | None,
    recipient: str | None,
    answers: list[ConsentRow],
) -> str | None:
    """The id of a consent request for exactly this question that has no answer yet (each
    answer names the request it answers, in its signed content)."""
    key = _key(kind, use, recipient)
    answered = set()
    for inbox in session.scalars(
        select(InboxRow).where(InboxRow.message_id.in_([a.answer_message_id for a in answers]))
    ).all():
        payload = _message(inbox.content).payload
        if isinstance(payload, ConsentAnswer):
            answered.add(payload.consent_request)
    events = session.scalars(
        select(EventRow)
        .where(EventRow.action == EventKind.CONSENT_ASKED, EventRow.case_id == stored.case_id)
        .order_by(EventRow.id)
    ).all()
    for event in events:
        details = event.details
        if (
            details.get("original_message") == stored.message_id
            and _grant_of(details) == key
            and details.get("message_id") not in answered
        ):
            return str(details["message_id"])
    return None


def _grant_use(
    node: Node,
    actor: Actor,
    kind: ConsentKind,
    purpose: Purpose | str | None,
    case_reference: str | None,
) -> tuple[Use | None, int | None]:
    """The use a consent of kind ``use`` names, in a case the actor works on."""
    if kind is not ConsentKind.USE:
        if purpose is not None or case_reference is not None:
            raise InvalidInput(
                f"purpose and case belong to a consent of kind use, not {kind.value}",
                where="purpose",
            )
        return None, None
    if purpose is None or case_reference is None:
        raise InvalidInput(
            "a consent to another use names the purpose and the case",
            where="purpose" if purpose is None else "case",
        )
    wanted = parse_enum(Purpose, str(purpose), "purpose")
    authorize(node, actor, WORK, case_reference)
    with node.transaction() as session:
        target = _case_id(session, case_reference)
    return Use(wanted, case_reference), target


def _grant_recipient(kind: ConsentKind, recipient: str | None) -> str | None:
    if kind is ConsentKind.FORWARD:
        if recipient is None:
            raise InvalidInput("a consent to forward names the recipient node", where="recipient")
        return _node_id(recipient, "recipient")
    if recipient is not None:
        raise InvalidInput(
            f"recipient belongs to a consent of kind forward, not {kind.value}", where="recipient"
        )
    return None


def _worth_asking(
    stored: _Stored,
    kind: ConsentKind,
    use: Use | None,
    recipient: str | None,
    level: Confidentiality | None,
    granted: list[ConsentRecord],
    target: int | None,
) -> None:
    """Refuse questions whose answer could not change anything."""
    handling, mid = stored.handling, stored.message_id
    if kind is ConsentKind.USE:
        if use is None or target is None:
            raise InvalidInput(
                "a consent of kind use names a purpose and a target", where="purpose"
            )
        if HandlingCode.H0 in handling.codes and use.purpose not in CRIME_PURPOSES:
            raise InvalidInput(
                f"H0: {use.purpose.value} is not a use against crime; no consent"
                " can allow it (SIENA H0)",
                where="purpose",
            )
        decision = may_use(_scope(stored, target), use, granted, message_id=mid)
    elif kind is ConsentKind.EXPORT:
        if handling.level.rank >= Confidentiality.CONFIDENTIAL.rank:
            raise InvalidInput(
                f"{handling.level.value} material is never exported; consent cannot change"
                " that (2013/488/EU Art. 2)",
                where="kind",
            )
        decision = may_export(handling, granted, message_id=mid)
    else:
        if recipient is None:
            raise InvalidInput("a consent of kind forward names a recipient", where="recipient")
        if recipient != handling.originator and (level is None or level.rank < handling.level.rank):
            have = level.value if level else "unknown"
            raise InvalidInput(
                f"{recipient} is accredited up to {have}, the message is "
                f"{handling.level.value}; consent cannot change that"
                " (2013/488/EU Art. 2)",
                where="recipient",
            )
        decision = may_forward(handling, recipient, level, granted, message_id=mid)
    if decision.allowed:
        raise Conflict(
            f"no consent is needed: {decision.reason} ({decision.article})", where="kind"
        )


def _answered_already(session: Session, stored: _Stored) -> bool:
    events = session.scalars(
        select(EventRow).where(
            EventRow.action == EventKind.CONSENT_ANSWERED, EventRow.case_id == stored.case_id
        )
    ).all()
    return any(e.details.get("consent_request") == stored.message_id for e in events)


def _answer_handling(session: Session, node: Node, stored: _Stored, sent: OutboxRow) -> Handling:
    """The answer is handled like the rest of the request's dialogue (``handling_for``); an
    answer about a message outside any request keeps the asker's case only."""
    if sent.request_id is not None:
        request = session.get(RequestRow, sent.request_id)
        if request is not None:
            return handling_for(session, node, request)
    asker = _message(stored.content)
    return Handling(
        originator=node.config.node_id,
        level=stored.handling.level,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=stored.handling.purposes,
        cases=(asker.case,),
    )


# --- recording decisions -------------------------------------------------------------------


def _record(
    session: Session,
    actor: Actor,
    stored: _Stored,
    action: EventKind,
    decision: Decision,
    case_id: int,
    extra: dict[str, Any] | None = None,
) -> None:
    record_event(
        session,
        actor=actor.username,
        action=action,
        why=f"{decision.reason} ({decision.article})"[:2000],
        case_id=case_id,
        request_id=stored.request_id if case_id == stored.case_id else None,
        details={
            "message_id": stored.message_id,
            "sender": stored.sender,
            "allowed": decision.allowed,
            "reason": decision.reason,
            "article": decision.article,
            "obligations": list(decision.obligations),
            **(extra or {}),
        },
    )


def _refuse(
    node: Node,
    actor: Actor,
    stored: _Stored,
    action: EventKind,
    decision: Decision,
    case_id: int,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record the refusal in its own transaction, then raise it (the raise would roll back
    anything recorded alongside)."""
    with node.transaction() as session:
        _record(session, actor, stored, action, decision, case_id, extra)
    raise PermissionDenied(f"{decision.reason} ({decision.article})", where="message_id")
