"""The ledger over HTTP: what peers fetch and push, and what people download.

Peer routes take no credentials: every payload is signed and checked here (C2SP
tlog-witness runs the same way). ``add-checkpoint`` speaks tlog-witness's wire format and
status codes (403, 400, 404, 409 with the stored size as the body, 422). A proof of an event
needs the same need-to-know as the case it belongs to.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from repatria.ledger.witnessing import Refusal, RefusalReason
from repatria.service import cases
from repatria.service import keys as key_service
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.web.api.common import ERRORS
from repatria.web.api.params import CaseReference
from repatria.web.deps import ApiActor, NodeDep
from repatria.web.errors import error_body
from repatria.web.witness_status import WITNESS_STATUS

router = APIRouter(prefix="/api", tags=["ledger"], responses=ERRORS)

TEXT = "text/plain; charset=utf-8"
MAX_NOTE = 64 * 1024

# A signed note answers as text; errors still answer as JSON (``ERRORS``). Declared here because
# FastAPI documents every response of a route in the route's own media type otherwise.
NOTE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "A note"}
}


@router.get("/ledger/checkpoint", response_class=Response, responses=NOTE_ANSWER)
def checkpoint(node: NodeDep) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint) with its cosignatures."""
    return PlainTextResponse(ledger_checkpoints.served_checkpoint(node).note, media_type=TEXT)


@router.get("/ledger/consistency")
def consistency(
    node: NodeDep, old: int = Query(ge=0), new: int = Query(ge=0)
) -> dict[str, list[str]]:
    """RFC 9162 §2.1.4 consistency proof between two sizes, as base64 hashes."""
    proof = ledger_proofs.consistency_proof(node, old, new)
    return {"proof": [base64.b64encode(h).decode("ascii") for h in proof]}


@router.get("/ledger/seen")
def seen(node: NodeDep, origin: str = Query(min_length=1, max_length=200)) -> dict[str, Any]:
    """Signed checkpoints of ``origin`` this node saw as a witness, for other witnesses' gossip."""
    return {"origin": origin, "checkpoints": ledger_witnessing.seen_checkpoints(node, origin)}


@router.post(
    "/ledger/add-checkpoint",
    response_class=Response,
    responses={
        **NOTE_ANSWER,
        409: {
            "content": {"text/x.tlog.size": {"schema": {"type": "string"}}},
            "description": "The old size differs from the stored one: the body is that size",
        },
    },
)
async def add_checkpoint(request: Request, node: NodeDep) -> Response:
    """C2SP tlog-witness add-checkpoint: this node, as a witness, cosigns a peer's checkpoint."""
    body = (await request.body())[:MAX_NOTE].decode("utf-8", errors="replace")
    outcome = ledger_witnessing.witness_add_checkpoint(node, body)
    if isinstance(outcome, Refusal):
        return _refusal(outcome)
    return PlainTextResponse(outcome.to_note_signature().to_line(), media_type=TEXT)


@router.post("/ledger/cosignatures")
async def cosignatures(request: Request, node: NodeDep) -> dict[str, int]:
    """A peer witness hands back its cosignature of one of our checkpoints."""
    note = (await request.body())[:MAX_NOTE].decode("utf-8", errors="replace")
    return {"kept": ledger_checkpoints.accept_cosignatures(node, note)}


@router.get("/ledger/keys")
def public_keys(node: NodeDep) -> dict[str, Any]:
    """The node's public keys, current and retired, with vkeys and validity periods."""
    return key_service.public_keys(node).to_dict()


@router.get("/ledger/alarms")
def alarms(
    actor: ApiActor, node: NodeDep, all: bool = Query(default=False)
) -> list[dict[str, Any]]:
    """Open alarms (forks, rollbacks, failed self-audits) with both signed checkpoints."""
    return [a.to_dict() for a in ledger_alarms.read_alarms(node, actor, include_cleared=all)]


@router.get("/cases/{reference}/events/{event_id}/proof")
def event_proof(
    reference: CaseReference, event_id: int, actor: ApiActor, node: NodeDep
) -> dict[str, Any]:
    """The inclusion proof of a case event under a signed checkpoint (docs/ledger.md)."""
    return cases.case_event_proof(node, actor, reference, event_id).to_dict()


def _refusal(refusal: Refusal) -> Response:
    status, kind = WITNESS_STATUS[refusal.reason]
    if refusal.reason is RefusalReason.OLD_SIZE_MISMATCH and refusal.stored_size is not None:
        # tlog-witness: the body of a 409 is the stored size, as text/x.tlog.size.
        return PlainTextResponse(
            f"{refusal.stored_size}\n", status_code=status, media_type="text/x.tlog.size"
        )
    return JSONResponse(error_body(kind, refusal.message, "checkpoint"), status_code=status)
