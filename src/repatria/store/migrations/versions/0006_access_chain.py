"""access decisions chained, and the chain's newest link committed to by every event

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Hand-written to match ``store/tables.py`` (issue 13.2):
- ``access_decisions.chain``: SHA-256 of the previous decision's link and this decision
  (``ledger.entry.chain_link``); decisions already stored are chained here, in id order;
- ``access_chain``: the chain's newest link and length, one row, locked by each new decision;
- ``events.decisions_head``: the newest link when the event was recorded, part of what the
  event's leaf commits to (events recorded before this revision keep none, and their
  commitments stay as they were).
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from repatria.crypto.canonical import canonical_json
from repatria.store.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_START = "0" * 64

_decisions = sa.table(
    "access_decisions",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("case_reference", sa.String()),
    sa.column("allowed", sa.Boolean()),
    sa.column("reason", sa.String()),
    sa.column("chain", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("access_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decisions_head", sa.String(length=64), nullable=True))
    chain = op.create_table(
        "access_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_chain")),
    )
    connection = op.get_bind()
    head, count = _START, 0
    for row in connection.execute(sa.select(_decisions).order_by(_decisions.c.id)).mappings():
        record = {
            "at": row["at"].isoformat(),
            "actor": row["actor"],
            "action": row["action"],
            "case": row["case_reference"],
            "allowed": row["allowed"],
            "reason": row["reason"],
        }
        head = hashlib.sha256(head.encode("ascii") + canonical_json(record)).hexdigest()
        count += 1
        connection.execute(
            sa.update(_decisions).where(_decisions.c.id == row["id"]).values(chain=head)
        )
    op.bulk_insert(chain, [{"id": 1, "count": count, "head": head}])
    with op.batch_alter_table("access_decisions", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    op.drop_table("access_chain")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("decisions_head")
    with op.batch_alter_table("access_decisions", schema=None) as batch_op:
        batch_op.drop_column("chain")
