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

from typing import Protocol


class Transport(Protocol):
    """Carries envelope bytes to a node's endpoint and returns the receipt bytes it got back.

    Raises ``TransportError`` when nothing usable came back (network, 5xx); ``Rejected``
    when the receiver refused the envelope for good.
    """

    def send(self, endpoint: str, envelope: bytes) -> bytes: ...


class TransportError(Exception):
    """A delivery attempt failed in a way a later attempt may not (retry with back-off)."""
