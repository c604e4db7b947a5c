"""exchange: outbox, inbox (unique message id), receipts, accepted directory versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Hand-written to match ``store/exchange_tables.py``. The inbox's unique message id is the
exactly-once guard (docs/exchange.md); the outbox's unique message id keeps a message queued
once. Runs on SQLite (batch mode) and PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("message_type", sa.String(length=64), nullable=False),
        sa.Column("case_ref", sa.String(length=200), nullable=True),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("delivered_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_exchange_outbox_message_id")),
    )
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_outbox_recipient"), ["recipient"])
        batch_op.create_index(batch_op.f("ix_exchange_outbox_state"), ["state"])
        batch_op.create_index(batch_op.f("ix_exchange_outbox_next_attempt_at"), ["next_attempt_at"])

    op.create_table(
        "exchange_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("message_type", sa.String(length=64), nullable=False),
        sa.Column("case_ref", sa.String(length=200), nullable=True),
        sa.Column("request_ref", sa.String(length=200), nullable=True),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("envelope_digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_inbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_exchange_inbox_message_id")),
    )
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_inbox_sender"), ["sender"])

    op.create_table(
        "exchange_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_receipts")),
    )
    with op.batch_alter_table("exchange_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_receipts_message_id"), ["message_id"])

    op.create_table(
        "exchange_directory",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("accepted_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_exchange_directory")),
    )


def downgrade() -> None:
    op.drop_table("exchange_directory")
    with op.batch_alter_table("exchange_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_receipts_message_id"))
    op.drop_table("exchange_receipts")
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_inbox_sender"))
    op.drop_table("exchange_inbox")
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_recipient"))
    op.drop_table("exchange_outbox")
