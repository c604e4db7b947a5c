"""A loopback TCP proxy that loses receipts: the request arrives, the answer never does.

R11 (shared/design/reliability.md) asks what AS4 reception awareness is for: the receiver
stored the message and signed a receipt, but the connection broke before the sender read it.
The sender must retry with the same message id, and the receiver must answer the retry with
a receipt for the original message without storing it again (AS4 duplicate detection).

For a seeded random fraction of connections, this proxy reads the whole HTTP request,
forwards it upstream, waits for the complete response and then resets the client's
connection (SO_LINGER 0, so the client sees a TCP RST) instead of relaying the response.
Other connections are relayed unchanged. One request per connection: senders going through
it must not reuse connections (``served.fresh_connection_transport``).

The proxy runs its own asyncio loop in a daemon thread; ``stop`` ends it and joins.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Self

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
IO_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class ProxyCounts:
    """What the proxy did: connections accepted, responses relayed and responses dropped
    after the upstream had answered; ``failed`` counts connections ended for another cause
    (client sent no complete request, upstream unreachable)."""

    connections: int
    relayed: int
    dropped: int
    failed: int


class FaultProxy:
    """Forward 127.0.0.1:``port`` to 127.0.0.1:``upstream_port``, dropping a fraction
    ``drop`` of responses; which connections lose theirs follows ``random.Random(seed)`` in
    the order connections are accepted, so a sequential sender sees the same run each time."""

    def __init__(self, upstream_port: int, *, drop: float = 0.0, seed: int = 0) -> None:
        if not 0.0 <= drop <= 1.0:
            raise ValueError(f"drop must be a fraction in [0, 1], got {drop!r}")
        self.upstream_port = upstream_port
        self._drop = drop
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._connections = self._relayed = self._dropped = self._failed = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_drop(self, drop: float, *, seed: int | None = None) -> None:
        """Drop a fraction ``drop`` of the responses from the next connection on; a ``seed``
        restarts the random sequence, so a run does not depend on earlier connections."""
        if not 0.0 <= drop <= 1.0:
            raise ValueError(f"drop must be a fraction in [0, 1], got {drop!r}")
        with self._lock:
            self._drop = drop
            if seed is not None:
                self._random = random.Random(seed)

    def counts(self) -> ProxyCounts:
        with self._lock:
            return ProxyCounts(self._connections, self._relayed, self._dropped, self._failed)

    def start(self) -> Self:
        """Listen on a free loopback port; returns once connections are accepted."""
        ready = threading.Event()
        problem: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(ready))
            except BaseException as failed:  # noqa: BLE001  (reported to start's caller)
                problem.append(failed)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10.0):
            raise RuntimeError("fault proxy did not start within 10 s")
        if problem:
            raise RuntimeError(f"fault proxy failed to start: {problem[0]!r}")
        return self

    def stop(self) -> None:
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopped.wait()
            server.close()

    async def _handle(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        with self._lock:
            self._connections += 1
            drop = self._random.random() < self._drop
        try:
            request = await asyncio.wait_for(read_http_message(client_in), IO_TIMEOUT)
            upstream_in, upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            try:
                upstream.write(request)
                await upstream.drain()
                response = await asyncio.wait_for(read_http_message(upstream_in), IO_TIMEOUT)
            finally:
                upstream.close()
            if drop:
                _reset(client)
                with self._lock:
                    self._dropped += 1
                return
            client.write(response)
            await client.drain()
            with self._lock:
                self._relayed += 1
        except (
            TimeoutError,
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            with self._lock:
                self._failed += 1
        finally:
            if not client.is_closing():
                client.close()


async def read_http_message(stream: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 message (request or response) as raw bytes: the head up to the blank
    line, then ``Content-Length`` bytes of body (RFC 9112 §6). Chunked bodies are not
    needed here (the node and httpx send lengths) and are refused."""
    head = await stream.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise ValueError(f"HTTP head of {len(head)} bytes exceeds {MAX_HEAD}")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"transfer-encoding":
            raise ValueError("chunked transfer encoding is not supported by the fault proxy")
        if key == b"content-length":
            length = int(value.strip())
    if not 0 <= length <= MAX_BODY:
        raise ValueError(f"Content-Length {length} is outside 0..{MAX_BODY}")
    body = await stream.readexactly(length) if length else b""
    return head + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a TCP RST: SO_LINGER on with a zero timeout makes close()
    discard unsent data and reset (the 'lost receipt' of R11)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
