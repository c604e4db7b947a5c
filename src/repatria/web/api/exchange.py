"""The receiver's endpoint of the exchange: ``POST /api/exchange/messages``.

No bearer token: the envelope authenticates itself (HPKE to this node's key, the sender's
Ed25519 signature checked against the network directory; docs/exchange.md). A refused
envelope gets 400 with its reason code and nothing is written; an accepted or duplicate one
gets the signed receipt (canonical JSON) that the sender keeps as evidence.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from repatria.errors import InvalidInput
from repatria.exchange.rejection import Rejected, reason_of
from repatria.service import exchange as exchange_service
from repatria.web.api.common import ERRORS
from repatria.web.deps import NodeDep
from repatria.web.errors import error_body

router = APIRouter(prefix="/api", tags=["exchange"], responses=ERRORS)

DUPLICATE_HEADER = "X-Repatria-Duplicate"


@router.post("/exchange/messages")
async def receive_message(request: Request, node: NodeDep) -> Response:
    """Receive one sealed envelope; answer with the signed receipt or a 400 naming the reason."""
    envelope = await request.body()
    try:
        delivery = exchange_service.receive(node, envelope, datetime.now(UTC))
    except (Rejected, InvalidInput) as refused:
        reason = reason_of(refused).value
        body = error_body(f"rejected:{reason}", str(refused), refused.where)
        return JSONResponse(body, status_code=400)
    return Response(
        delivery.receipt,
        media_type="application/json",
        headers={DUPLICATE_HEADER: "true" if delivery.duplicate else "false"},
    )
