"""Fetching the signed network directory from where it is published (issue 14.5).

The bytes are read as they are; nothing here trusts them. ``service.directory_fetch`` gives
them to ``accept_directory``, which verifies the directory key's signature and the rollback
and expiry rules. The size is capped before reading on, because a publication point is just
a URL, and anything may answer there. Network failures become ``PeerUnavailable``.
"""

from __future__ import annotations

import httpx

from repatria.errors import InvalidInput, PeerUnavailable

MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
"""A directory of a few hundred nodes is tens of kilobytes; more than this is not one."""


def fetch_signed_directory(url: str, *, timeout: float) -> bytes:
    """GET ``url`` and return the body of a 200 answer, at most ``MAX_DIRECTORY_BYTES``."""
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("GET", url) as answer,
        ):
            if answer.status_code != 200:
                raise PeerUnavailable(
                    f"the directory's publication point {url} answered HTTP {answer.status_code}",
                    where="REPATRIA_DIRECTORY_URL",
                )
            body = bytearray()
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > MAX_DIRECTORY_BYTES:
                    raise InvalidInput(
                        f"the directory at {url} is larger than {MAX_DIRECTORY_BYTES} bytes",
                        where="REPATRIA_DIRECTORY_URL",
                    )
            return bytes(body)
    except httpx.HTTPError as failed:
        raise PeerUnavailable(
            f"the directory's publication point {url} did not answer: {type(failed).__name__}",
            where="REPATRIA_DIRECTORY_URL",
        ) from None
