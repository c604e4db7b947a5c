"""R8: concurrent writers never fork the log: a locked head and a primary key on the index.

Threads append batches at once through separate transactions (separate connections on
PostgreSQL, where they really run concurrently; SQLite serialises them at BEGIN IMMEDIATE).
Every index must be used exactly once, in one contiguous run, and the log must verify.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import Node
from repatria.store.ledger_tables import LedgerLeafRow
from tests.conftest import backend
from tests.ledger.ledger_nodes import log_size, record


def test_concurrent_batches_get_unique_contiguous_indices(node: Node) -> None:
    before = log_size(node)
    with ThreadPoolExecutor(6) as pool:
        batches = list(pool.map(lambda _: record(node, 12, batch=3), range(6)))
    ids = [i for batch in batches for i in batch]
    with node.transaction() as session:
        rows = session.execute(
            select(LedgerLeafRow.leaf_index, LedgerLeafRow.event_id).where(
                LedgerLeafRow.leaf_index >= before
            )
        ).all()
    assert sorted(r.leaf_index for r in rows) == list(range(before, before + 72))
    assert sorted(r.event_id for r in rows) == sorted(ids)
    # The 3 events of one transaction are one contiguous batch.
    index_of = {r.event_id: r.leaf_index for r in rows}
    for batch in batches:
        for start in range(0, 12, 3):
            got = [index_of[e] for e in batch[start : start + 3]]
            assert got == list(range(got[0], got[0] + 3))
    assert log_size(node) == before + 72
    assert ledger_checkpoints.checkpoint_now(node).checkpoint.size == before + 72
    assert ledger_verification.verify_node_log(node).ok


def test_a_second_leaf_at_a_taken_index_is_refused(node: Node) -> None:
    record(node, 1)
    with pytest.raises(IntegrityError), node.transaction() as session:
        session.execute(insert(LedgerLeafRow).values(leaf_index=0, data=b"{}", event_id=None))


def test_an_append_locks_the_head_first(node: Node) -> None:
    """PostgreSQL: SELECT ... FOR UPDATE on the head; SQLite: the write lock from BEGIN IMMEDIATE."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(node.engine, "before_cursor_execute", seen)
    try:
        record(node, 2, batch=2)
    finally:
        event.remove(node.engine, "before_cursor_execute", seen)
    head_reads = [i for i, s in enumerate(statements) if "FROM ledger_head" in s]
    first_insert = next(i for i, s in enumerate(statements) if "INSERT INTO ledger_leaves" in s)
    assert head_reads and head_reads[0] < first_insert
    if backend() == "postgresql":
        assert statements[head_reads[0]].endswith("FOR UPDATE")
    else:
        begins: list[str] = []
        event.listen(node.engine, "begin", lambda conn: begins.append("begin"))
        record(node, 1)
        assert begins  # store.db issues BEGIN IMMEDIATE on every begin
