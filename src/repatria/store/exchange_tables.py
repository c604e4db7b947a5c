"""Tables of the exchange's I/O layer (docs/exchange.md): outbox, inbox, receipts, directory.

- The outbox keeps the sealed envelope bytes, so a retry re-sends the very same bytes and
  message id (docs/exchange.md, "message id"); it is written in the same transaction as the
  state change and its event, so a message is never lost between the two (reliability.md).
- The inbox's UNIQUE message id is what makes receiving exactly-once: a second delivery of
  the same envelope fails the constraint instead of storing a second copy (R13).
- Receipts are kept by the sender as evidence that the receiver logged the message.
- The directory table keeps the versions this node accepted; the highest one is the floor
  below which a fetched directory is a rollback (R15).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from repatria.store.base import Base, Blob, JSONDocument, utcnow

OUTBOX_STATES = ("pending", "delivered", "failed")
"""An outbox row is pending until a receipt comes back (delivered) or attempts run out."""


class OutboxRow(Base):
    """One sealed envelope waiting for, or past, delivery to its recipient node."""

    __tablename__ = "exchange_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    message_type: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    envelope: Mapped[bytes] = mapped_column(Blob)
    state: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )
    negative_receipt: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    """Signed negative evidence (``not-delivered`` or the receiver's refusal) once failed."""


class InboxRow(Base):
    """One accepted message, stored once per message id (the UNIQUE key is the dedup)."""

    __tablename__ = "exchange_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(64), index=True)
    message_type: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    envelope_digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(Blob)
    event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    handling: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    """The originator's handling codes and use limitation (46(19)), enforced on every use."""
    level: Mapped[str] = mapped_column(String(16), default="restricted")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    """What the message did here: the request it created, the move it applied, or why not."""


class ReceiptRow(Base):
    """A receipt the recipient returned for one of our messages, kept as evidence."""

    __tablename__ = "exchange_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    receipt: Mapped[bytes] = mapped_column(Blob)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectoryRow(Base):
    """A network directory version this node accepted (its signed bytes, as received)."""

    __tablename__ = "exchange_directory"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(Blob)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentRow(Base):
    """A consent of the originator to another use, forwarding or export of one message
    (UNCAC 46(19)), kept from its verified consent-answer message; also refusals, so the
    question is not asked again blindly."""

    __tablename__ = "exchange_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    original_message_id: Mapped[str] = mapped_column(String(64), index=True)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted: Mapped[bool] = mapped_column(default=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def table_names() -> tuple[str, ...]:
    """The exchange's tables, in the order a migration creates them."""
    return tuple(
        str(model.__tablename__)
        for model in (OutboxRow, InboxRow, ReceiptRow, DirectoryRow, ConsentRow)
    )
