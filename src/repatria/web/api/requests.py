"""Requests: open, list with filters, read, move through the lifecycle, inquire."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter

from repatria.service import requests as request_service
from repatria.web.api.common import ERRORS
from repatria.web.api.params import (
    CaseFilter,
    CaseReference,
    DirectionFilter,
    JurisdictionFilter,
    MeasureFilter,
    RequestReference,
    RequestStateFilter,
)
from repatria.web.api.schemas import (
    AnswerIn,
    InquiryIn,
    InquiryOut,
    RequestIn,
    RequestOut,
    TransitionIn,
    TransitionOut,
)
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api", tags=["requests"], responses=ERRORS)


def today() -> date:
    return datetime.now(UTC).date()


@router.post("/cases/{reference}/requests", response_model=RequestOut, status_code=201)
def open_request(
    reference: CaseReference, body: RequestIn, actor: ApiActor, node: NodeDep
) -> RequestOut:
    """Open an outgoing request (a draft) or record an incoming one (as sent)."""
    data = body.model_dump()
    data["deadline"] = body.deadline.isoformat() if body.deadline else None
    return RequestOut.of(request_service.open_request(node, actor, reference, data), today())


@router.get("/requests", response_model=list[RequestOut])
def list_requests(
    actor: ApiActor,
    node: NodeDep,
    case: CaseFilter = None,
    state: RequestStateFilter = None,
    direction: DirectionFilter = None,
    measure: MeasureFilter = None,
    requested_state: JurisdictionFilter = None,
    requesting_state: JurisdictionFilter = None,
    overdue: bool = False,
    deadline_before: date | None = None,
) -> list[RequestOut]:
    """Requests of the caller's cases, filtered."""
    filters = request_service.RequestFilter(
        case=case,
        state=state,
        direction=direction,
        measure=measure,
        requested_state=requested_state,
        requesting_state=requesting_state,
        overdue=overdue,
        deadline_before=deadline_before,
    )
    now = today()
    return [RequestOut.of(r, now) for r in request_service.list_requests(node, actor, filters)]


@router.get("/deadlines", response_model=list[RequestOut])
def deadlines(actor: ApiActor, node: NodeDep) -> list[RequestOut]:
    """Open requests with a deadline, soonest first (UNCAC 46(24))."""
    now = today()
    return [RequestOut.of(r, now) for r in request_service.deadlines(node, actor)]


@router.get("/requests/{reference}", response_model=RequestOut)
def get_request(reference: RequestReference, actor: ApiActor, node: NodeDep) -> RequestOut:
    return RequestOut.of(request_service.get_request(node, actor, reference), today())


@router.get("/requests/{reference}/transitions", response_model=list[TransitionOut])
def allowed(reference: RequestReference, actor: ApiActor, node: NodeDep) -> list[TransitionOut]:
    """The moves allowed now, each with the article behind it."""
    return [TransitionOut.of(t) for t in request_service.transitions_now(node, actor, reference)]


@router.post("/requests/{reference}/transitions", response_model=RequestOut)
def transition(
    reference: RequestReference, body: TransitionIn, actor: ApiActor, node: NodeDep
) -> RequestOut:
    request = request_service.apply_transition(
        node,
        actor,
        reference,
        body.transition,
        why=body.why,
        grounds=body.grounds,
        expected_state=body.expected_state,
    )
    return RequestOut.of(request, today())


@router.get("/requests/{reference}/inquiries", response_model=list[InquiryOut])
def inquiries(reference: RequestReference, actor: ApiActor, node: NodeDep) -> list[InquiryOut]:
    return [
        InquiryOut.model_validate(i, from_attributes=True)
        for i in request_service.list_inquiries(node, actor, reference)
    ]


@router.post("/requests/{reference}/inquiries", response_model=InquiryOut, status_code=201)
def ask(reference: RequestReference, body: InquiryIn, actor: ApiActor, node: NodeDep) -> InquiryOut:
    """Record a status inquiry (UNCAC 46(24))."""
    inquiry = request_service.ask_status(node, actor, reference, body.question)
    return InquiryOut.model_validate(inquiry, from_attributes=True)


@router.post("/requests/{reference}/inquiries/{inquiry_id}/answer", response_model=InquiryOut)
def answer(
    reference: RequestReference, inquiry_id: int, body: AnswerIn, actor: ApiActor, node: NodeDep
) -> InquiryOut:
    inquiry = request_service.answer_status(node, actor, reference, inquiry_id, body.answer)
    return InquiryOut.model_validate(inquiry, from_attributes=True)
