"""A case's traces over HTTP: list, read, and draft freezing requests from one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from repatria.service import tracing as tracing_service
from repatria.web.api.common import ERRORS
from repatria.web.api.params import CaseReference, TraceId
from repatria.web.api.requests import today
from repatria.web.api.schemas import RequestOut
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api/cases", tags=["tracing"], responses=ERRORS)


@router.get("/{reference}/traces", response_model=list[dict[str, Any]])
def list_traces(reference: CaseReference, actor: ApiActor, node: NodeDep) -> list[dict[str, Any]]:
    return [t.to_dict() for t in tracing_service.list_traces(node, actor, reference)]


@router.get("/{reference}/traces/{trace_id}", response_model=dict[str, Any])
def get_trace(
    reference: CaseReference, trace_id: TraceId, actor: ApiActor, node: NodeDep
) -> dict[str, Any]:
    """The trace: rule and its legal source, tainted amounts, states to ask, assets to freeze."""
    return tracing_service.get_trace(node, actor, reference, trace_id).to_dict()


@router.post(
    "/{reference}/traces/{trace_id}/draft-requests",
    response_model=list[RequestOut],
    status_code=201,
)
def draft_requests(
    reference: CaseReference, trace_id: TraceId, actor: ApiActor, node: NodeDep
) -> list[RequestOut]:
    """Draft a freezing request to every state holding traced proceeds."""
    drafted = tracing_service.draft_freezing_requests(node, actor, reference, trace_id)
    now = today()
    return [RequestOut.of(r, now) for r in drafted]
