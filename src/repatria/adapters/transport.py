"""The exchange's transport: carry a sealed envelope to a peer's endpoint, return the receipt.

``Transport`` is the port the use case ``service.outbox.deliver_due`` sends through;
``repatria.adapters.http_transport.HttpTransport`` is its adapter over httpx (POST to the
peer's messages route). The port is kept apart from the HTTP client so that the use cases
depend on the port only: tests hand ``deliver_due`` an in-process transport, and a command
that never delivers does not load httpx.

A 2xx answer carries the receipt (``deliver_due`` verifies it); a 4xx means the receiver
refused the envelope for good (``Rejected``, no retry: re-sending the same bytes cannot
succeed); anything else, or no answer, is a ``TransportError`` retried with back-off.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from repatria.exchange.rejection import Rejected


class Transport(Protocol):
    """Carries envelope bytes to a node's endpoint and returns the receipt bytes it got back.

    Raises ``TransportError`` when nothing usable came back (network, 5xx); ``Rejected``
    when the receiver refused the envelope for good.
    """

    def send(self, endpoint: str, envelope: bytes) -> bytes: ...


@runtime_checkable
class BatchTransport(Transport, Protocol):
    """A transport that can also carry several envelopes for one node in one exchange.

    Returns, per envelope and in order, the receipt bytes or the ``Rejected`` refusal;
    raises ``TransportError`` when nothing usable came back for the batch as a whole, and
    ``BatchRefused`` when the node takes no batch (then send them one by one).
    """

    def send_batch(self, endpoint: str, envelopes: list[bytes]) -> list[bytes | Rejected]: ...


class TransportError(Exception):
    """A delivery attempt failed in a way a later attempt may not (retry with back-off)."""


class BatchRefused(TransportError):
    """The node does not take this batch (no batch route, or a body too large for it)."""
