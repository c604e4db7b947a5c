"""Server-sent events: pages hear that something they show has changed.

``GET /live`` is a ``text/event-stream`` for the signed-in person. It names, for each change
on a case the person is a member of, the case and request references, nothing else
(need-to-know: ``service.changes``); the page then reloads its own fragments through the
usual routes, which check access again. The stream polls the events table about once a
second and ends after ``wait`` seconds (at most ``LIFETIME``); the browser's EventSource
reconnects by itself with ``Last-Event-ID``, so no change is missed, and a server that
stops is never held up by a page left open. A session that ends stops its stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from repatria.errors import RepatriaError
from repatria.service import changes
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.service.users import resolve_credential
from repatria.web.deps import SESSION_COOKIE, NodeDep, UiSession

router = APIRouter(include_in_schema=False)

POLL_SECONDS = 1.0
"""How often the stream looks for new events."""

LIFETIME = 10.0
"""The longest one stream stays open before the browser reconnects."""

RETRY_MS = 500
"""How soon the browser reconnects after a stream ends."""


async def follow(
    node: Node, actor: Actor, secret: str, after: int, wait: float
) -> AsyncIterator[str]:
    """The event stream: one ``changed`` event per change, then end after ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    # The first event only sets the stream's last id, so a reconnect resumes from here.
    yield f"retry: {RETRY_MS}\nid: {after}\n\n"
    while True:
        try:
            await asyncio.to_thread(resolve_credential, node, secret, kind="session")
        except RepatriaError:
            return  # signed out or expired: the stream stops with the session
        for change in await asyncio.to_thread(changes.changes_after, node, actor, after):
            after = max(after, change.event_id)
            data = {
                "case": change.case_reference,
                "request": change.request_reference,
                "yours": change.by_you,
            }
            yield f"id: {change.event_id}\nevent: changed\ndata: {json.dumps(data)}\n\n"
        if loop.time() >= deadline:
            return
        await asyncio.sleep(POLL_SECONDS)


@router.get("/live")
def live(
    request: Request,
    node: NodeDep,
    session: UiSession,
    wait: Annotated[float, Query(ge=0, le=LIFETIME)] = LIFETIME,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Follow changes after ``Last-Event-ID`` (a reconnect), else after event ``after`` (the
    newest event when the page was made), else from now."""
    actor, _ = session
    changes.may_follow_changes(node, actor)
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    if start is None:
        start = changes.last_event_id(node)
    return StreamingResponse(
        follow(node, actor, request.cookies.get(SESSION_COOKIE, ""), start, wait),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
