"""The drafted content of requests: keep, check, render (UNCAC 46(15)-(16), 55(3))."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from repatria.drafting import validate
from repatria.service import drafting
from repatria.web.api.common import ERRORS
from repatria.web.api.params import DocumentFormat, Language, RequestReference
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api", tags=["drafting"], responses=ERRORS)


@router.post("/drafting/validate", response_model=dict[str, Any])
def validate_draft(actor: ApiActor, document: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Check a draft without keeping it: every problem with its field and article, a score."""
    del actor
    return validate(document).to_dict()


@router.get("/requests/{reference}/document", response_model=dict[str, Any])
def get_document(reference: RequestReference, actor: ApiActor, node: NodeDep) -> dict[str, Any]:
    return drafting.get_document(node, actor, reference)


@router.put("/requests/{reference}/document", response_model=dict[str, Any])
def put_document(
    reference: RequestReference,
    actor: ApiActor,
    node: NodeDep,
    document: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Keep the draft (kept even when incomplete) and return what is still missing."""
    return drafting.save_document(node, actor, reference, document).to_dict()


@router.get("/requests/{reference}/validation", response_model=dict[str, Any])
def validation(reference: RequestReference, actor: ApiActor, node: NodeDep) -> dict[str, Any]:
    """What the kept draft still lacks before the request may be ready or sent."""
    return drafting.check_document(node, actor, reference).to_dict()


@router.get(
    "/requests/{reference}/rendered",
    response_class=Response,
    responses={200: {"content": {t: {} for t in drafting.FORMATS.values()}}},
)
def rendered(
    reference: RequestReference,
    actor: ApiActor,
    node: NodeDep,
    lang: Language = "en",
    format: DocumentFormat = "pdf",
) -> Response:
    """The request as PDF or DOCX in one of the six UN languages (the export is recorded)."""
    data = drafting.render_request(node, actor, reference, lang=lang, fmt=format)
    name = f"{reference}-{lang}.{format}"
    return Response(
        data,
        media_type=drafting.FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
