"""The append hook: every event of a transaction becomes a leaf of the node's log.

``stage_event`` is called by ``record_event`` inside the use case's transaction: it draws the
event's nonce, computes its commitment and queues the leaf. Just before that transaction
commits, the queued leaves are appended as one batch (``_append_staged``), so the events of one
transaction are one batch and a failed append rolls the state change back (reliability.md R20).
While a self-audit alarm is open, the append refuses, so no state change can happen on top of a
damaged log until an operator has looked (R3).

It depends only on the store and ``repatria.ledger.log``: signing is not its business (a
checkpoint is signed later, by ``checkpoints``), so every use case can import it without
pulling in keys, peers or HTTP.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from repatria.errors import VerificationFailed
from repatria.ledger import log
from repatria.ledger.entry import EventRecord, canonical_json, commitment
from repatria.store.ledger_tables import AlarmRow, LedgerNonceRow, SqlLogStorage
from repatria.store.tables import EventRow

STAGED = "repatria.ledger.staged"
SELF_AUDIT = "self-audit"


def canonical_event(row: EventRow) -> bytes:
    """The event as committed to: RFC 8785 JSON of every field of its row.

    The access decisions chain's newest link joins the object when the row has one (events
    recorded before the chain existed have none, and keep their commitment)."""
    fields = {
        "id": row.id,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "action": row.action,
        "why": row.why,
        "case_id": row.case_id,
        "request_id": row.request_id,
        "entity_id": row.entity_id,
        "details": row.details,
    }
    if row.decisions_head is not None:
        fields["decisions_head"] = row.decisions_head
    return canonical_json(fields)


@dataclass(frozen=True, slots=True)
class _Staged:
    record: EventRecord
    nonce: bytes


def stage_event(session: Session, row: EventRow) -> None:
    """Queue the leaf of a written event row; it is appended, and its nonce stored, with the
    other leaves of the transaction when it commits (or at ``log_staged``)."""
    nonce = secrets.token_bytes(32)
    record = EventRecord(
        kind=row.action,
        event_id=row.id,
        time=int(row.at.timestamp()),
        commitment=commitment(nonce, canonical_event(row)),
    )
    session.info.setdefault(STAGED, []).append(_Staged(record, nonce))


@sa_event.listens_for(Session, "before_commit")
def _append_staged(session: Session) -> None:
    """At the outer commit only: SQLAlchemy calls this at a savepoint's release too, and
    appending there would cut one transaction's events into a batch per savepoint."""
    if not session.in_nested_transaction():
        log_staged(session)


def log_staged(session: Session) -> None:
    """Append the leaves staged so far now, inside the transaction, rather than at its commit:
    for a use case that must sign and prove what it just logged before it commits (a receipt,
    issue 14.2). What is staged later is appended at commit as usual."""
    staged: list[_Staged] = session.info.pop(STAGED, [])
    if not staged:
        return
    session.flush()
    open_audit = session.scalar(
        select(AlarmRow.id).where(AlarmRow.kind == SELF_AUDIT, AlarmRow.cleared_at.is_(None))
    )
    if open_audit is not None:
        raise VerificationFailed(
            f"the ledger failed its self-audit (alarm {open_audit}); nothing can be recorded "
            "until an operator clears it (`repatria ledger alarms`)",
            where="ledger",
        )
    session.connection().execute(
        insert(LedgerNonceRow.__table__),  # type: ignore[arg-type]
        [{"event_id": item.record.event_id, "nonce": item.nonce} for item in staged],
    )
    log.append(SqlLogStorage(session), [item.record for item in staged])


@sa_event.listens_for(Session, "after_rollback")
def _drop_staged(session: Session) -> None:
    session.info.pop(STAGED, None)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction that, when rolled back, drops only the leaves staged inside it:
    the events recorded before it stay staged and are logged at commit."""
    before = list(session.info.get(STAGED, []))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        session.info[STAGED] = before
        raise
