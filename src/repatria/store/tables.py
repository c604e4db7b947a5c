"""Tables of a node's operational database (SQLAlchemy 2 declarative).

Domain objects are rebuilt from these rows by the service layer; nothing above
``service`` sees a row. Entities are stored as FollowTheMoney JSON, never
spread over columns of our own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from repatria.store.base import Base, JSONDocument, utcnow


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONDocument)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CredentialRow(Base):
    """A bearer token or a UI session; only the SHA-256 of the secret is kept."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    csrf_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    user: Mapped[UserRow] = relationship()


class CounterRow(Base):
    """Sequences for human references (case numbers per year)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    offences: Mapped[list[str]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    request_count: Mapped[int] = mapped_column(Integer, default=0)

    members: Mapped[list[CaseMemberRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class CaseMemberRow(Base):
    __tablename__ = "case_members"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64))

    case: Mapped[CaseRow] = relationship(back_populates="members")
    user: Mapped[UserRow] = relationship()


class RequestRow(Base):
    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    requesting_state: Mapped[str] = mapped_column(String(2))
    requested_state: Mapped[str] = mapped_column(String(2))
    measures: Mapped[list[str]] = mapped_column(JSONDocument)
    state: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str | None] = mapped_column(String(300), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=True)
    subjects: Mapped[list[str]] = mapped_column(JSONDocument)
    foreign_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    peer_node: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """The other state's node in the network directory, when the request travels by exchange."""
    """The drafted request (schema of ``repatria.drafting``), kept even while incomplete."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads this mapping)


class InquiryRow(Base):
    """A status inquiry on a request and its answer (UNCAC 46(24))."""

    __tablename__ = "status_inquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    asked_by: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)


class EntityRow(Base):
    """A FollowTheMoney entity of a case, stored as FtM JSON."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("case_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    entity_id: Mapped[str] = mapped_column(String(200))
    schema: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case_at", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]]
    # The newest link of the access decisions chain when the event was recorded, committed
    # to by the event's leaf: the log vouches for every decision up to there (issue 13.2).
    # Only the link, not the count, so a receipt's event tells a peer nothing of our traffic.
    decisions_head: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AccessDecisionRow(Base):
    """Every authorization decision on a case, allowed or denied (ASVS 16.3.2)."""

    __tablename__ = "access_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    case_reference: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(300))
    # SHA-256 of the previous decision's ``chain`` and this row (``ledger.entry.chain_link``).
    chain: Mapped[str] = mapped_column(String(64))


class AccessChainRow(Base):
    """The newest link of the access decisions chain: one row, locked by each new decision
    so that concurrent decisions line up one after another (``SELECT ... FOR UPDATE``)."""

    __tablename__ = "access_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))


class AuthorityRow(Base):
    """A contact point (UNCAC 46(13)-(14)), stored as its validated dict."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
