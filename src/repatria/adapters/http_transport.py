"""The exchange's transport over HTTP(S): POST a sealed envelope to a peer's messages route,
or several that are due together to its batch route.

A 2xx answer carries the receipt (``deliver_due`` verifies it); a 4xx means the receiver
refused the envelope for good (``Rejected``, no retry: re-sending the same bytes cannot
succeed); anything else, or no answer, is a ``TransportError`` retried with back-off. A
batch is answered envelope by envelope (``exchange.batch``); a node that has no batch
route (404, 405) or takes no body that large (413) raises ``BatchRefused``, and the sender
sends those envelopes one by one.
"""

from __future__ import annotations

import httpx

from repatria.adapters.transport import BatchRefused, TransportError
from repatria.errors import InvalidInput
from repatria.exchange.batch import BatchItemOut, batch_body, read_answer
from repatria.exchange.rejection import Reason, Rejected

MESSAGES_PATH = "/api/exchange/messages"
BATCH_PATH = "/api/exchange/batch"
MAX_BATCH_ANSWER = 64 << 20
"""Up to 64 receipts of a few kilobytes each, with room to spare."""
MAX_RECEIPT = 1 << 20
"""A receipt is a few kilobytes; anything larger than 1 MiB is not one."""


class HttpTransport:
    """``Transport`` over HTTP(S) with httpx; ``endpoint`` is the node's base URL."""

    def __init__(self, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.client = client if client is not None else httpx.Client(timeout=timeout)

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        url = endpoint.rstrip("/") + MESSAGES_PATH
        try:
            answer = self.client.post(
                url, content=envelope, headers={"Content-Type": "application/octet-stream"}
            )
        except httpx.HTTPError as failed:
            raise TransportError(f"no answer from {url}: {failed}") from failed
        if 400 <= answer.status_code < 500:
            refused = Rejected(
                _reason(answer),
                f"{url} refused the envelope with {answer.status_code}: {answer.text[:500]}",
                where="exchange.transport",
            )
            refused.evidence = _evidence(answer)
            raise refused
        if answer.status_code != 200 or len(answer.content) > MAX_RECEIPT:
            raise TransportError(f"{url} answered {answer.status_code}; will retry")
        return answer.content

    def send_batch(self, endpoint: str, envelopes: list[bytes]) -> list[bytes | Rejected]:
        url = endpoint.rstrip("/") + BATCH_PATH
        try:
            answer = self.client.post(
                url, content=batch_body(envelopes), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as failed:
            raise TransportError(f"no answer from {url}: {failed}") from failed
        if answer.status_code in (404, 405, 413):
            raise BatchRefused(f"{url} answered {answer.status_code} to a batch")
        if answer.status_code != 200 or len(answer.content) > MAX_BATCH_ANSWER:
            raise TransportError(f"{url} answered {answer.status_code} to a batch; will retry")
        try:
            items = read_answer(answer.content, len(envelopes))
        except InvalidInput as wrong:
            raise TransportError(f"{url}: {wrong}; will retry") from None
        return [_item(url, item) for item in items]

    def close(self) -> None:
        self.client.close()


def _reason(answer: httpx.Response) -> Reason:
    try:
        kind = str(answer.json()["error"]["type"])
    except (ValueError, KeyError, TypeError):
        return Reason.MALFORMED
    return _reason_named(kind)


def _reason_named(kind: str) -> Reason:
    """The reason code in a refusal's ``rejected:<reason>`` type; malformed if unknown."""
    code = kind.removeprefix("rejected:")
    return Reason(code) if code in {r.value for r in Reason} else Reason.MALFORMED


def _evidence(answer: httpx.Response) -> bytes | None:
    """The receiver's signed negative receipt, if its refusal carried one (verified later)."""
    try:
        value = answer.json().get("negative_receipt")
    except (ValueError, AttributeError):
        return None
    return value.encode() if isinstance(value, str) and len(value) < MAX_RECEIPT else None


def _item(url: str, item: BatchItemOut) -> bytes | Rejected:
    """One answer of a batch: the receipt's bytes, or the refusal as a single send raises it."""
    if item.outcome != "refused" and item.receipt is not None:
        return item.receipt.encode()
    kind = item.error.type if item.error is not None else "rejected:malformed"
    reason = _reason_named(kind)
    words = item.error.message if item.error is not None else "no receipt in the answer"
    refused = Rejected(reason, f"{url} refused the envelope: {words[:500]}",
                       where="exchange.transport")  # fmt: skip
    evidence = item.negative_receipt
    refused.evidence = evidence.encode() if evidence and len(evidence) < MAX_RECEIPT else None
    return refused
