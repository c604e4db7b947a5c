"""dialogue: requests travel between nodes; inbox handling codes; consents; one receipt per id

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Hand-written to match ``store/tables.py`` and ``store/exchange_tables.py``:
- ``requests.peer_node``: the other state's node when the request travels by exchange;
- the inbox keeps each message's handling codes and level (enforced on every use, UNCAC
  46(19)) and the local request and case it concerns, with what it did there;
- the outbox links its message to the request and keeps signed negative evidence on failure;
- a receipt is kept once per message id (R11: exactly one receipt per message at the sender);
- ``exchange_consents``: the originator's answers to consent requests (46(19)).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("peer_node", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_requests_peer_node"), ["peer_node"])

    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("negative_receipt", sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f("ix_exchange_outbox_request_id"), ["request_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_exchange_outbox_request_id_requests"), "requests", ["request_id"], ["id"]
        )

    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("handling", _JSON, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("level", sa.String(length=16), nullable=False, server_default="restricted")
        )
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_exchange_inbox_request_id"), ["request_id"])
        batch_op.create_index(batch_op.f("ix_exchange_inbox_case_id"), ["case_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_exchange_inbox_request_id_requests"), "requests", ["request_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_exchange_inbox_case_id_cases"), "cases", ["case_id"], ["id"]
        )
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.alter_column("handling", server_default=None)
        batch_op.alter_column("level", server_default=None)
        batch_op.alter_column("outcome", server_default=None)

    with op.batch_alter_table("exchange_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_receipts_message_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_exchange_receipts_message_id"), ["message_id"]
        )

    op.create_table(
        "exchange_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_message_id", sa.String(length=64), nullable=False),
        sa.Column("original_message_id", sa.String(length=64), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("record", _JSON, nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_consents")),
        sa.UniqueConstraint(
            "answer_message_id", name=op.f("uq_exchange_consents_answer_message_id")
        ),
    )
    with op.batch_alter_table("exchange_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_consents_original_message_id"), ["original_message_id"]
        )


def downgrade() -> None:
    op.drop_table("exchange_consents")
    with op.batch_alter_table("exchange_receipts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_exchange_receipts_message_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_exchange_receipts_message_id"), ["message_id"])
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_exchange_inbox_case_id_cases"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_exchange_inbox_request_id_requests"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_exchange_inbox_case_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_inbox_request_id"))
        for column in ("outcome", "case_id", "request_id", "level", "handling"):
            batch_op.drop_column(column)
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_exchange_outbox_request_id_requests"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_request_id"))
        batch_op.drop_column("negative_receipt")
        batch_op.drop_column("request_id")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_peer_node"))
        batch_op.drop_column("peer_node")
