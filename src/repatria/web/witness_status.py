"""The HTTP status of each witness refusal (C2SP tlog-witness, add-checkpoint).

The ledger core says why it refused (``RefusalReason``); only the web shell speaks HTTP. The
CLI shows a pulled refusal with the status a pushed one would get, from this same table, which
imports no web framework so that a CLI command does not pay for one.
"""

from __future__ import annotations

from repatria.ledger.witnessing import RefusalReason

WITNESS_STATUS: dict[RefusalReason, tuple[int, str]] = {
    RefusalReason.MALFORMED: (400, "invalid_input"),
    RefusalReason.BAD_SIGNATURE: (403, "verification_failed"),
    RefusalReason.UNKNOWN_ORIGIN: (404, "not_found"),
    RefusalReason.OLD_SIZE_MISMATCH: (409, "verification_failed"),
    RefusalReason.INCONSISTENT: (422, "verification_failed"),
}
"""HTTP status and error kind of each witness refusal (C2SP tlog-witness, add-checkpoint)."""
