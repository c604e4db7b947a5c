"""ledger_sweep: where the self-audit's sweep of old leaves resumes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Hand-written to match ``store/ledger_tables.py`` (issue 14.1): the audit before each
checkpoint re-checks a fixed number of old leaves, resuming where the last one stopped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_sweep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_leaf", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_sweep")),
    )


def downgrade() -> None:
    op.drop_table("ledger_sweep")
