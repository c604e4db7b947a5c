"""Why an envelope, a directory or a receipt was refused, as a stable reason code.

Each refusal of reliability.md R13 and R15 must be *specific*: the inbox answers with the
reason, the sender's alert shows it, and a signed negative receipt (``receipt.py``) carries
it. So verification failures here are ``Rejected`` (a ``VerificationFailed``, which the web
layer maps to a 4xx) carrying a ``Reason``; structural problems stay ``InvalidInput``, whose
reason is ``malformed``.
"""

from __future__ import annotations

from enum import StrEnum

from repatria.errors import InvalidInput, RepatriaError, VerificationFailed


class Reason(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported-version"
    TAMPERED = "tampered"
    UNKNOWN_SENDER = "unknown-sender"
    UNKNOWN_KEY = "unknown-key"
    INACTIVE_KEY = "inactive-key"
    REVOKED_KEY = "revoked-key"
    BAD_SIGNATURE = "bad-signature"
    UNENDORSED_KEY = "unendorsed-key"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    MISADDRESSED = "misaddressed"
    FORWARDED = "forwarded"
    SENDER_MISMATCH = "sender-mismatch"
    ROLLBACK = "rollback"
    WRONG_MESSAGE = "wrong-message"
    BAD_PROOF = "bad-proof"
    NOT_DELIVERED = "not-delivered"


class Rejected(VerificationFailed):
    """A verification refused for a named ``reason``."""

    def __init__(self, reason: Reason, message: str, *, where: str | None = None) -> None:
        super().__init__(f"{reason.value}: {message}", where=where)
        self.reason = reason
        self.evidence: bytes | None = None
        """The refusing party's signed negative receipt, when it gave one."""


def reason_of(exc: RepatriaError) -> Reason:
    """The reason code of any refusal raised while opening or verifying."""
    if isinstance(exc, Rejected):
        return exc.reason
    if isinstance(exc, InvalidInput):
        return Reason.MALFORMED
    return Reason.TAMPERED
