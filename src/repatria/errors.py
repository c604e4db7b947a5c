"""One exception tree for the whole of repatria.

Shells map each class to an HTTP status (``web/errors.py``) and a CLI exit code
(``cli/main.py``) in one table each, so no code below them knows about HTTP or
processes. Messages say what was expected, what was found and where; they never
carry key material or privileged content.
"""

from __future__ import annotations


class RepatriaError(Exception):
    """Base of every error repatria raises on purpose."""

    kind = "error"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        if self.where:
            return f"{self.where}: {self.message}"
        return self.message


class InvalidInput(RepatriaError):
    """The input is malformed or breaks a rule; ``where`` names the field."""

    kind = "invalid_input"


class NotFound(RepatriaError):
    """The thing asked for does not exist, or is not visible to the caller.

    Both cases read the same so that need-to-know does not leak existence.
    """

    kind = "not_found"


class InvalidTransition(RepatriaError):
    """A lifecycle transition that the state machine does not allow now."""

    kind = "invalid_transition"


class Conflict(RepatriaError):
    """The input clashes with what is stored (a duplicate, a stale version)."""

    kind = "conflict"


class PermissionDenied(RepatriaError):
    """The caller is known but may not do this."""

    kind = "permission_denied"


class AuthenticationRequired(RepatriaError):
    """No valid credentials came with the call."""

    kind = "authentication_required"


class TooManyAttempts(AuthenticationRequired):
    """Sign-in is paused for an account or a source after repeated failures (ASVS V2.2.1)."""

    kind = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int = 60, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.retry_after = retry_after


class VerificationFailed(RepatriaError):
    """A signature, proof or checksum did not verify."""

    kind = "verification_failed"


class PeerUnavailable(RepatriaError):
    """Another node could not be reached."""

    kind = "peer_unavailable"


class HostIncomplete(RepatriaError):
    """The machine lacks something repatria needs (a font, a program); nothing was changed."""

    kind = "host_incomplete"
