"""Envelopes that travel together, and the answer that comes back: the wire shape of a batch.

A sender with several envelopes due for one node sends them in one request, and the
receiver stores them in one transaction under one checkpoint (group commit, issue 14.1):
the fsync, the self-audit and the checkpoint signature are paid once per batch instead of
once per message. Each envelope still gets its own answer: a receipt with its own
inclusion proof, or a refusal with its reason code and, where there is a claimed sender,
the receiver's signed negative evidence, exactly as if it had come alone
(docs/exchange.md, "Deliver"). One envelope refused never refuses the others.

The envelopes are binary (``RPX1`` framing), so the request carries them in standard
base64 (RFC 4648 §4) inside JSON; an item that is not base64 is refused alone.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from repatria.errors import InvalidInput

MAX_BATCH = 64
"""Envelopes in one batch at most: enough to pay the checkpoint once for a burst, few
enough that one slow batch does not hold a delivery worker for long."""

BASE64 = r"^[A-Za-z0-9+/]*={0,2}$"

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class BatchIn(BaseModel):
    """What a sender posts: its envelopes for this node, in the order they were queued."""

    model_config = _STRICT

    envelopes: list[Annotated[str, StringConstraints(pattern=BASE64)]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Sealed envelopes (RPX1), each in standard base64 (RFC 4648 §4).",
    )


class ItemRefusal(BaseModel):
    """Why one envelope of a batch was refused: the same words a single delivery gets."""

    model_config = _STRICT

    type: str = Field(description="`rejected:<reason code>` (docs/exchange.md).")
    message: str
    where: str | None


class BatchItemOut(BaseModel):
    """The answer for one envelope, at its position in the batch."""

    model_config = _STRICT

    outcome: Literal["accepted", "duplicate", "refused"]
    message_id: str | None = None
    receipt: str | None = Field(
        default=None, description="The signed receipt (canonical JSON), for accepted ones."
    )
    error: ItemRefusal | None = None
    negative_receipt: str | None = Field(
        default=None, description="The receiver's signed refusal, when there is a sender."
    )


class BatchOut(BaseModel):
    """The receiver's answers, one per envelope, in the order they were sent."""

    model_config = _STRICT

    results: list[BatchItemOut]


def batch_body(envelopes: Sequence[bytes]) -> bytes:
    """The request body for ``envelopes`` (JSON, each envelope in base64)."""
    if not 1 <= len(envelopes) <= MAX_BATCH:
        raise InvalidInput(
            f"a batch holds 1 to {MAX_BATCH} envelopes, not {len(envelopes)}", where="envelopes"
        )
    texts = [base64.b64encode(e).decode() for e in envelopes]
    return json.dumps({"envelopes": texts}, separators=(",", ":")).encode()


def batch_size(envelope: bytes) -> int:
    """The bytes ``envelope`` adds to a batch body: its base64 text, quotes and comma."""
    return 4 * ((len(envelope) + 2) // 3) + 3


def envelopes_of(batch: BatchIn) -> list[bytes | InvalidInput]:
    """Each envelope's bytes, or why the item is not base64 (refused alone). Only the
    canonical encoding is taken (RFC 4648 §3.5: padding exactly as needed, no bits left
    over), so one envelope has one spelling."""
    decoded: list[bytes | InvalidInput] = []
    for number, text in enumerate(batch.envelopes):
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = None
        if data is not None and base64.b64encode(data).decode() == text:
            decoded.append(data)
            continue
        decoded.append(
            InvalidInput(
                f"envelope {number} is not canonical standard base64 (RFC 4648 §3.5, §4): "
                "its length, padding or last character is wrong",
                where=f"envelopes[{number}]",
            )
        )
    return decoded


def read_answer(data: bytes, count: int) -> list[BatchItemOut]:
    """The receiver's answer to a batch of ``count`` envelopes, strictly; raises
    ``InvalidInput`` when it is not one (wrong shape, or not one answer per envelope)."""
    try:
        answer = BatchOut.model_validate_json(data)
    except ValidationError as wrong:
        first = wrong.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise InvalidInput(
            f"the batch answer is not one: {first['msg']}", where=f"answer.{where}"
        ) from None
    if len(answer.results) != count:
        raise InvalidInput(
            f"the batch answer has {len(answer.results)} results for {count} envelopes",
            where="answer.results",
        )
    return answer.results
