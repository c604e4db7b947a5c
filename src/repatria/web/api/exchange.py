"""The receiver's endpoints of the exchange: ``POST /api/exchange/messages`` (one envelope)
and ``POST /api/exchange/batch`` (up to 64 that arrived together, one checkpoint for all).

No bearer token: the envelope authenticates itself (HPKE to this node's key, the sender's
Ed25519 signature checked against the network directory; docs/exchange.md). A refused
envelope gets 400 with its reason code and nothing is written; an accepted or duplicate one
gets the signed receipt (canonical JSON) that the sender keeps as evidence. In a batch each
envelope gets that answer at its own position (``exchange.batch``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from repatria.adapters.http_transport import HttpTransport
from repatria.errors import InvalidInput, RepatriaError
from repatria.exchange.batch import BatchIn, BatchItemOut, BatchOut, ItemRefusal, envelopes_of
from repatria.exchange.messages import SpontaneousBasis
from repatria.exchange.rejection import Rejected, reason_of
from repatria.service import deliveries, directory_fetch, spontaneous
from repatria.service import exchange as exchange_service
from repatria.service import requests as request_service
from repatria.web.api.common import ERRORS
from repatria.web.api.params import CaseReference, OutboxStateFilter, RequestReference
from repatria.web.api.schemas import NOT_BLANK, RequestOut
from repatria.web.deps import ApiActor, NodeDep
from repatria.web.errors import error_body

router = APIRouter(prefix="/api", tags=["exchange"], responses=ERRORS)

DUPLICATE_HEADER = "X-Repatria-Duplicate"


@router.post("/exchange/messages")
async def receive_message(request: Request, node: NodeDep) -> Response:
    """Receive one sealed envelope; answer with the signed receipt or a 400 naming the reason."""
    envelope = await request.body()
    now = datetime.now(UTC)
    try:
        # receive is blocking (database, crypto): run it off the event loop, so concurrent
        # deliveries proceed side by side and health checks keep answering
        delivery = await run_in_threadpool(exchange_service.receive, node, envelope, now)
    except (Rejected, InvalidInput) as refused:
        reason = reason_of(refused).value
        body = error_body(f"rejected:{reason}", str(refused), refused.where)
        evidence = await run_in_threadpool(
            exchange_service.refusal_evidence, node, envelope, refused, now
        )
        if evidence is not None:  # signed: the sender can prove the refusal to a third party
            body["negative_receipt"] = evidence.decode()
        return JSONResponse(body, status_code=400)
    return Response(
        delivery.receipt,
        media_type="application/json",
        headers={DUPLICATE_HEADER: "true" if delivery.duplicate else "false"},
    )


@router.post("/exchange/batch", response_model=BatchOut)
async def receive_batch(batch: BatchIn, node: NodeDep) -> BatchOut:
    """Receive sealed envelopes that travel together: one transaction and one checkpoint for
    all, and for each, at its position, the signed receipt or the refusal with its reason."""
    envelopes = envelopes_of(batch)
    now = datetime.now(UTC)
    sendable = [e for e in envelopes if isinstance(e, bytes)]
    outcomes = iter(await run_in_threadpool(exchange_service.receive_batch, node, sendable, now))
    results = []
    for envelope in envelopes:
        outcome = envelope if isinstance(envelope, InvalidInput) else next(outcomes)
        if isinstance(outcome, exchange_service.Delivery):
            results.append(BatchItemOut(
                outcome="duplicate" if outcome.duplicate else "accepted",
                message_id=outcome.message_id, receipt=outcome.receipt.decode(),
            ))  # fmt: skip
            continue
        problem = outcome if isinstance(outcome, RepatriaError) else outcome.problem
        evidence = None
        if isinstance(envelope, bytes):
            evidence = await run_in_threadpool(
                exchange_service.refusal_evidence, node, envelope, problem, now
            )
        results.append(BatchItemOut(
            outcome="refused",
            error=ItemRefusal(type=f"rejected:{reason_of(problem).value}", message=str(problem),
                              where=problem.where),
            negative_receipt=evidence.decode() if evidence is not None else None,
        ))  # fmt: skip
    return BatchOut(results=results)


class MessageTraceOut(BaseModel):
    """One message of a request's dialogue, with its delivery state and receipt."""

    message_id: str
    direction: str
    type: str
    peer: str
    at: datetime
    state: str
    attempts: int
    last_error: str
    receipt_status: str | None
    receiver_log_index: int | None
    negative_evidence: bool


class AttemptOut(BaseModel):
    message_id: str
    state: str
    attempts: int
    error: str


def _traces(found: list[deliveries.MessageTrace]) -> list[MessageTraceOut]:
    return [MessageTraceOut.model_validate(asdict(t)) for t in found]


@router.get("/requests/{reference}/messages", response_model=list[MessageTraceOut])
def request_messages(
    reference: RequestReference, actor: ApiActor, node: NodeDep
) -> list[MessageTraceOut]:
    """Messages sent and received for a request, with delivery state and receipt status."""
    return _traces(deliveries.request_messages(node, actor, reference))


@router.get("/exchange/outbox", response_model=list[MessageTraceOut])
def outbox(
    actor: ApiActor, node: NodeDep, state: OutboxStateFilter = None
) -> list[MessageTraceOut]:
    """The outbox as metadata, newest first (the node's operator only)."""
    return _traces(deliveries.outbox(node, actor, state))


@router.get("/exchange/inbox", response_model=list[MessageTraceOut])
def inbox(actor: ApiActor, node: NodeDep) -> list[MessageTraceOut]:
    """The inbox as metadata, newest first (the node's operator only)."""
    return _traces(deliveries.inbox(node, actor))


@router.post("/exchange/deliver", response_model=list[AttemptOut])
def deliver(actor: ApiActor, node: NodeDep) -> list[AttemptOut]:
    """Run one delivery round now (the node's operator only)."""
    transport = HttpTransport(timeout=node.settings.peer_timeout_seconds)
    try:
        attempts = deliveries.deliver_now(node, actor, transport)
    finally:
        transport.close()
    return [AttemptOut.model_validate(asdict(a)) for a in attempts]


@router.get("/exchange/directory")
def directory(actor: ApiActor, node: NodeDep) -> dict[str, Any]:
    """The accepted network directory: nodes, keys, contact points (any signed-in user)."""
    del actor  # contact points of central authorities are for every officer (46(13))
    return exchange_service.current_directory(node).to_dict()


@router.get(
    "/exchange/directory/signed",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "The signed bytes."}},
)
def signed_directory(node: NodeDep) -> Response:
    """The signed network directory this node accepted, byte for byte: a publication point
    other nodes fetch from (``REPATRIA_DIRECTORY_URL``). Public, as its signature, not this
    node, is what they trust (docs/exchange.md, "The directory reaches every node")."""
    return Response(directory_fetch.published_directory(node), media_type="application/json")


@router.post("/exchange/directory")
async def accept_directory(request: Request, actor: ApiActor, node: NodeDep) -> dict[str, Any]:
    """Accept a signed directory (the node's operator only); refused if older or unsigned."""
    accepted = deliveries.accept(node, actor, await request.body())
    return {"version": accepted.version, "network": accepted.network,
            "nodes": [n.node_id for n in accepted.nodes]}  # fmt: skip


class ConsultationAnswerIn(BaseModel):
    accepted: bool
    note: str = Field(default="", max_length=20_000)


@router.post("/requests/{reference}/consultation-answer", response_model=RequestOut)
def answer_consultation(
    reference: RequestReference, body: ConsultationAnswerIn, actor: ApiActor, node: NodeDep
) -> RequestOut:
    """Accept or decline the conditions offered in a consultation (UNCAC 46(26)); supervisors."""
    answered = request_service.answer_consultation(
        node, actor, reference, accepted=body.accepted, note=body.note
    )
    return RequestOut.of(answered, datetime.now(UTC).date())


class SpontaneousIn(BaseModel):
    to: str = Field(max_length=64, description="The receiving node's id (see the directory).")
    basis: str = Field(
        description="46(4) or 56", json_schema_extra={"enum": [b.value for b in SpontaneousBasis]}
    )
    summary: str = Field(max_length=20_000, json_schema_extra={"pattern": NOT_BLANK})


class QueuedMessageOut(BaseModel):
    message_id: str


@router.post(
    "/cases/{reference}/spontaneous-information", response_model=QueuedMessageOut, status_code=201
)
def spontaneous_information(
    reference: CaseReference, body: SpontaneousIn, actor: ApiActor, node: NodeDep
) -> QueuedMessageOut:
    """Send information without a request (UNCAC 46(4)-(5), 56); supervisors."""
    message_id = spontaneous.send_spontaneous(
        node, actor, reference, recipient=body.to, basis=body.basis, summary=body.summary
    )
    return QueuedMessageOut(message_id=message_id)
