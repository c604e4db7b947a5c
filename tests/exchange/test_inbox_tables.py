"""The exchange's tables: the migration matches the models, and the inbox stores an id once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from repatria.service.node import Node
from repatria.store.base import Base
from repatria.store.exchange_tables import (
    DirectoryRow,
    InboxRow,
    OutboxRow,
    table_names,
)

WHEN = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def _inbox(message_id: str) -> InboxRow:
    return InboxRow(
        message_id=message_id,
        sender="gb-uka",
        message_type="request",
        case_ref="NG-2025-1",
        received_at=WHEN,
        envelope_digest="ab" * 32,
        content=b'{"signed":{}}',
    )


def _tables_named(diff: object) -> set[str]:
    """The table names an autogenerate diff entry touches (tuples, lists, tables, indexes)."""
    if isinstance(diff, str):
        return {diff}
    if isinstance(diff, (tuple, list)):
        return set().union(*(_tables_named(part) for part in diff)) if diff else set()
    table = getattr(diff, "table", None)
    if table is not None:
        return {str(table.name)}
    name = getattr(diff, "name", None)
    return {name} if isinstance(name, str) else set()


def test_migration_creates_the_exchange_tables_as_modelled(node: Node) -> None:
    with node.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    ours = [d for d in diffs if _tables_named(d) & set(table_names())]
    assert ours == []
    with node.transaction() as session:
        for model in (OutboxRow, InboxRow, DirectoryRow):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_inbox_refuses_a_second_row_for_one_message_id(node: Node) -> None:
    with node.transaction() as session:
        session.add(_inbox("11" * 32))
    with pytest.raises(IntegrityError), node.transaction() as session:
        session.add(_inbox("11" * 32))
    with node.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InboxRow)) == 1


def test_outbox_row_round_trips_bytes_and_times(node: Node) -> None:
    envelope = bytes(range(256)) * 3
    with node.transaction() as session:
        session.add(
            OutboxRow(
                message_id="22" * 32,
                recipient="gb-uka",
                message_type="request",
                envelope=envelope,
                next_attempt_at=WHEN + timedelta(seconds=30),
            )
        )
    with node.transaction() as session:
        row = session.scalars(select(OutboxRow)).one()
        assert row.envelope == envelope
        assert (row.state, row.attempts, row.last_error) == ("pending", 0, "")
        assert row.next_attempt_at == WHEN + timedelta(seconds=30)
