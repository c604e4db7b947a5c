"""What every API router declares: the error responses, in the OpenAPI document too."""

from __future__ import annotations

from typing import Any

from repatria.web.api.schemas import ErrorOut

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "Malformed JSON"),
        (401, "No valid bearer token"),
        (403, "The role does not allow this"),
        (404, "Not found, or not visible to the caller"),
        (409, "Not allowed in the current state, or a conflict"),
        (413, "Body too large"),
        (422, "Invalid input; `where` names the field"),
    )
}

SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    429: {
        "model": ErrorOut,
        "description": "Too many failed sign-ins for this account or address (RFC 6585 §4)",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the next try is taken",
                "schema": {"type": "integer"},
            }
        },
    },
}
"""What the routes that take a password may answer: also 429 while sign-in is throttled."""
