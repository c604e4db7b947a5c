"""Received messages under use limitation: read, export, use in a case, forward, consent.

Every route is a thin shell over ``service.use_limitation``, which decides from the
originator's handling (UNCAC 46(19)-(20)) and records each decision in the case; a refusal
answers 403 with the decision's reason and article, an unseen case 404.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from repatria.exchange.handling import ConsentKind, Decision, Purpose
from repatria.service import use_limitation
from repatria.web.api.common import ERRORS
from repatria.web.api.params import MessageId, RequestReference
from repatria.web.api.schemas import Strict
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api", tags=["received"], responses=ERRORS)

PURPOSES = [p.value for p in Purpose]


class HandlingOut(BaseModel):
    """The originator's handling codes and use limitation, as the message carried them."""

    originator: str
    level: str = Field(examples=["confidential"])
    codes: list[str] = Field(examples=[["H0", "H2"]])
    purposes: list[str]
    cases: list[str]
    court: bool
    forward: bool
    export: bool
    confidential_request: bool
    conditions: list[str]


class ReceivedMessageOut(BaseModel):
    message_id: str
    type: str = Field(examples=["request"])
    sender: str = Field(examples=["ng-moj"])
    created_at: datetime
    received_at: datetime
    case: str = Field(description="The sender's case reference.")
    handling: HandlingOut
    outcome: str = Field(description="What the message did on this node.")
    payload: dict[str, Any]
    in_reply_to: str | None

    @classmethod
    def of(cls, m: use_limitation.ReceivedMessage) -> ReceivedMessageOut:
        return cls(
            message_id=m.message_id,
            type=m.type,
            sender=m.sender,
            created_at=m.created_at,
            received_at=m.received_at,
            case=m.case,
            handling=HandlingOut.model_validate(m.handling.to_dict()),
            outcome=m.outcome,
            payload=m.payload,
            in_reply_to=m.in_reply_to,
        )


class DecisionOut(BaseModel):
    """A use-limitation decision: allowed, why, under which article, and the duties it brings."""

    allowed: bool
    reason: str
    article: str = Field(examples=["UNCAC 46(19)"])
    obligations: list[str]

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        return cls(
            allowed=d.allowed, reason=d.reason, article=d.article, obligations=list(d.obligations)
        )


class ExportOut(BaseModel):
    """The sender's signed content, verbatim (canonical JSON, verifiable with the directory)."""

    message_id: str
    content: str = Field(description="The signed content; its UTF-8 bytes are what was signed.")
    sha256: str
    decision: DecisionOut


class UseIn(Strict):
    case: str = Field(max_length=100, examples=["GB-2026-0002"])
    purpose: str = Field(
        max_length=40, examples=["prosecution"], json_schema_extra={"enum": [*PURPOSES]}
    )


class ForwardIn(Strict):
    recipient: str = Field(max_length=64, examples=["fr-pnf"])


class ConsentAskIn(Strict):
    kind: str = Field(
        max_length=16, examples=["use"], description="use, forward or export",
        json_schema_extra={"enum": [k.value for k in ConsentKind]},
    )  # fmt: skip
    reason: str = Field(max_length=20_000)
    purpose: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*PURPOSES, None]}
    )
    case: str | None = Field(default=None, max_length=100)
    recipient: str | None = Field(default=None, max_length=64)
    again: bool = Field(default=False, description="Ask again after a refusal (new reasons).")


class ConsentAnswerIn(Strict):
    granted: bool
    conditions: list[str] = Field(default_factory=list, max_length=20)


class QueuedOut(BaseModel):
    """The message queued for the other node."""

    message_id: str


@router.get("/requests/{reference}/received", response_model=list[ReceivedMessageOut])
def received(
    reference: RequestReference, actor: ApiActor, node: NodeDep
) -> list[ReceivedMessageOut]:
    """Messages received for a request, with their handling and payload (case members;
    secret ones for supervisors only)."""
    found = use_limitation.received_messages(node, actor, reference)
    return [ReceivedMessageOut.of(m) for m in found]


@router.post("/received/{message_id}/export", response_model=ExportOut)
def export(message_id: MessageId, actor: ApiActor, node: NodeDep) -> ExportOut:
    """The signed content, if the originator's handling or consent allows export."""
    done = use_limitation.export_message(node, actor, message_id)
    return ExportOut(
        message_id=done.message_id,
        content=done.content.decode("utf-8"),
        sha256=hashlib.sha256(done.content).hexdigest(),
        decision=DecisionOut.of(done.decision),
    )


@router.post("/received/{message_id}/use", response_model=DecisionOut)
def use(message_id: MessageId, body: UseIn, actor: ApiActor, node: NodeDep) -> DecisionOut:
    """Use the message for a purpose in a case (UNCAC 46(19)); 403 names what is missing."""
    decision = use_limitation.use_in_case(node, actor, message_id, body.case, body.purpose)
    return DecisionOut.of(decision)


@router.post("/received/{message_id}/forward", response_model=DecisionOut)
def forward(message_id: MessageId, body: ForwardIn, actor: ApiActor, node: NodeDep) -> DecisionOut:
    """Whether the message may go to another node (the decision only; nothing is re-sent)."""
    decision = use_limitation.forward_message(node, actor, message_id, body.recipient)
    return DecisionOut.of(decision)


@router.post("/received/{message_id}/consent-requests", response_model=QueuedOut, status_code=201)
def ask(message_id: MessageId, body: ConsentAskIn, actor: ApiActor, node: NodeDep) -> QueuedOut:
    """Ask the originator's prior consent (46(19)); queues a consent-request message."""
    sent = use_limitation.ask_consent(
        node,
        actor,
        message_id,
        body.kind,
        purpose=body.purpose,
        case_reference=body.case,
        recipient=body.recipient,
        reason=body.reason,
        again=body.again,
    )
    return QueuedOut(message_id=sent)


@router.post("/received/{message_id}/consent-answer", response_model=QueuedOut, status_code=201)
def answer(
    message_id: MessageId, body: ConsentAnswerIn, actor: ApiActor, node: NodeDep
) -> QueuedOut:
    """Answer a received consent request (supervisors); queues the consent-answer."""
    sent = use_limitation.answer_consent(
        node, actor, message_id, body.granted, tuple(body.conditions)
    )
    return QueuedOut(message_id=sent)
