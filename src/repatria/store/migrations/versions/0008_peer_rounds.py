"""ledger_peer_rounds: how the scheduled witnessing rounds with each peer went

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Hand-written to match ``store/ledger_tables.py`` (issue 14.4): ``repatria serve`` asks its
peers to cosign and gossips with them on a schedule, backing off from a peer that is down;
this table keeps, per peer, the last attempt and success, the failures in a row, the next
attempt, the last error and the largest of our tree sizes the peer has cosigned.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from repatria.store.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_peer_rounds",
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("cosigned_size", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer"], ["ledger_peers.name"], name=op.f("fk_ledger_peer_rounds_peer_ledger_peers")
        ),
        sa.PrimaryKeyConstraint("peer", name=op.f("pk_ledger_peer_rounds")),
    )


def downgrade() -> None:
    op.drop_table("ledger_peer_rounds")
