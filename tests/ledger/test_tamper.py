"""R2: tampering with the stored log is detected every time, naming the first bad place.

A log of 256 leaves with checkpoints at three sizes; then, one change at a time, a bit or
character of every column of sampled rows of every table the log's verification covers
(leaves, subtree hashes, head, nonces, checkpoints, and the events the leaves commit to),
deleted rows, a duplicated leaf, two swapped leaves, a truncated tail and a forged leaf
with every hash recomputed. Each change must make ``verify_node_log`` fail; the change is
undone before the next. A change the schema itself refuses (a key collision) never
reaches the log and is counted as refused. Documented exceptions (docs/ledger.md): deleting
a whole checkpoint or cosignature row is visible to the peers that witnessed it, not to the
node alone, so it is not part of this table.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from repatria.crypto.keystore import KeyPurpose
from repatria.domain.event import EventKind
from repatria.errors import PermissionDenied
from repatria.ledger import log
from repatria.ledger.bundle import Bundle, verify_bundle
from repatria.ledger.checkpoint import Checkpoint
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.entry import EventRecord
from repatria.ledger.note import Ed25519Verifier, SignedNote
from repatria.service import keys
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.ledger import witnessing
from repatria.service.ledger.verification import export_bundle, verify_node_log
from repatria.service.node import Node
from repatria.store.base import Base
from repatria.store.ledger_tables import LedgerHeadRow, LedgerLeafRow, SqlLogStorage
from repatria.store.tables import EventRow
from tests.conftest import People
from tests.ledger.ledger_nodes import record, rewrite_hashes

TABLES = (
    "ledger_leaves",
    "ledger_tiles",
    "ledger_head",
    "ledger_nonces",
    "ledger_checkpoints",
    "events",
)
ROWS_PER_TABLE = 5


@pytest.fixture
def logged(node: Node) -> Node:
    for size in (100, 200, 256):
        record(node, size - len(_leaves(node)), batch=16)
        ledger_checkpoints.checkpoint_now(node)
    assert ledger_verification.verify_node_log(node).ok
    return node


def _leaves(node: Node) -> list[bytes]:
    with node.transaction() as session:
        return list(session.scalars(select(LedgerLeafRow.data).order_by(LedgerLeafRow.leaf_index)))


def _changed(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, bytes):
        i = rnd.randrange(len(value))
        return value[:i] + bytes([value[i] ^ (1 << rnd.randrange(8))]) + value[i + 1 :]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value ^ (1 << rnd.choice((0, 1, 30)))  # low bits collide with keys, bit 30 not
    if isinstance(value, str):
        i = rnd.randrange(len(value)) if value else 0
        if not value:
            return "x"
        return value[:i] + ("a" if value[i] != "a" else "b") + value[i + 1 :]
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, dict):
        return value | {"tampered": True}
    raise AssertionError(f"no way to change a {type(value).__name__}")


def _sample_rows(node: Node, table: Table, rnd: random.Random) -> list[dict[str, Any]]:
    with node.transaction() as session:
        rows = [dict(r._mapping) for r in session.execute(select(table)).all()]
    picks = rows if len(rows) <= ROWS_PER_TABLE else [rows[0], rows[-1], *rnd.sample(rows, 3)]
    return picks


@pytest.mark.parametrize("table_name", TABLES)
def test_a_change_to_any_column_of_any_row_is_detected(logged: Node, table_name: str) -> None:
    table = Base.metadata.tables[table_name]
    rnd = random.Random(table_name)
    keys = [c.name for c in table.primary_key.columns]
    tried = refused = 0
    for row in _sample_rows(logged, table, rnd):
        for column in table.columns:
            if row[column.name] is None:
                continue
            new = _changed(row[column.name], rnd)
            where = [table.c[k] == row[k] for k in keys]
            try:
                with logged.transaction() as session:
                    session.execute(update(table).where(*where).values({column.name: new}))
            except (IntegrityError, DataError):  # the schema refused the change
                refused += 1
                continue
            tried += 1
            report = ledger_verification.verify_node_log(logged)
            assert not report.ok, f"{table_name}.{column.name} changed in {row} went unnoticed"
            assert report.problems[0]
            moved = {k: (new if k == column.name else row[k]) for k in keys}
            with logged.transaction() as session:
                session.execute(
                    update(table)
                    .where(*[table.c[k] == moved[k] for k in keys])
                    .values({column.name: row[column.name]})
                )
    assert tried >= ROWS_PER_TABLE or table_name == "ledger_head", (tried, refused)
    assert ledger_verification.verify_node_log(logged).ok  # every change was undone


def test_no_false_alarm_on_an_untouched_log(logged: Node) -> None:
    for _ in range(5):
        report = ledger_verification.verify_node_log(logged)
        assert report.ok and report.problems == [] and report.checkpoints_verified == 3


@pytest.mark.parametrize("table_name", ["ledger_leaves", "ledger_tiles", "ledger_nonces"])
def test_a_deleted_row_is_detected(logged: Node, table_name: str) -> None:
    table = Base.metadata.tables[table_name]
    for row in _sample_rows(logged, table, random.Random(7)):
        keys = [c.name for c in table.primary_key.columns]
        with logged.transaction() as session:
            session.execute(delete(table).where(*[table.c[k] == row[k] for k in keys]))
        assert not ledger_verification.verify_node_log(logged).ok, row
        with logged.transaction() as session:
            session.execute(insert(table).values(row))
    assert ledger_verification.verify_node_log(logged).ok


def test_a_duplicated_leaf_is_detected(logged: Node) -> None:
    with logged.transaction() as session:
        data = session.scalar(select(LedgerLeafRow.data).where(LedgerLeafRow.leaf_index == 10))
        session.execute(insert(LedgerLeafRow).values(leaf_index=256, data=data, event_id=None))
    report = ledger_verification.verify_node_log(logged)
    assert not report.ok
    assert any("257 leaf rows" in p for p in report.problems), report.problems


def test_two_swapped_leaves_are_detected(logged: Node) -> None:
    with logged.transaction() as session:
        a, b = (
            session.execute(
                select(LedgerLeafRow.data, LedgerLeafRow.event_id).where(
                    LedgerLeafRow.leaf_index == i
                )
            ).one()
            for i in (3, 4)
        )
        session.execute(
            update(LedgerLeafRow).where(LedgerLeafRow.leaf_index == 3).values(data=b.data)
        )
        session.execute(
            update(LedgerLeafRow).where(LedgerLeafRow.leaf_index == 4).values(data=a.data)
        )
    report = ledger_verification.verify_node_log(logged)
    assert not report.ok
    assert report.problems[0].startswith("leaf 3:"), report.problems


def test_a_truncated_tail_is_detected(logged: Node) -> None:
    """Leaves 250.. dropped, hashes and head rewritten to match: the checkpoint at 256 remains."""
    leaves = _leaves(logged)[:250]
    _rewrite(logged, leaves)
    report = ledger_verification.verify_node_log(logged)
    assert not report.ok
    assert any("beyond the 250 leaves" in p for p in report.problems), report.problems


def test_a_forged_leaf_with_recomputed_hashes_is_detected(logged: Node) -> None:
    leaves = _leaves(logged)
    forged = EventRecord("test.event", 51, 1_800_000_000, b"\x42" * 32).to_leaf(50)
    leaves[50] = forged
    _rewrite(logged, leaves)
    report = ledger_verification.verify_node_log(logged)
    assert not report.ok
    assert any("recomputed from the leaves" in p for p in report.problems), report.problems


def _rewrite(node: Node, leaves: list[bytes]) -> None:
    """What a forger with database access does: leaves, every hash and the head, consistent."""
    tree = CompactRange(leaves)
    with node.transaction() as session:
        events = dict(
            session.execute(select(LedgerLeafRow.leaf_index, LedgerLeafRow.event_id)).all()
        )
        session.execute(delete(LedgerLeafRow))
        session.execute(
            insert(LedgerLeafRow),
            [{"leaf_index": i, "data": d, "event_id": events[i]} for i, d in enumerate(leaves)],
        )
        rewrite_hashes(session, tree.rows())
        session.execute(update(LedgerHeadRow).values(size=tree.size, root=tree.root()))


def test_an_event_inserted_beside_the_log_is_detected(logged: Node) -> None:
    """Issue 13.1: a `case.member-added` row written by hand, never logged, fails verify."""
    with logged.transaction() as session:
        session.execute(
            insert(EventRow).values(
                at=datetime.now(UTC), actor="admin", action=EventKind.CASE_MEMBER_ADDED.value,
                why="never happened", details={"username": "outsider"},
            )
        )  # fmt: skip
        forged = session.scalar(select(func.max(EventRow.id)))
    report = ledger_verification.verify_node_log(logged)
    assert not report.ok
    assert any(
        "have no leaf in the log" in p and f"event {forged}" in p for p in report.problems
    ), report.problems


# ------------------------------------------------------------------------------------------
# ``export_bundle``: the whole log, its checkpoints and public keys, for an offline check by
# another state (``repatria ledger export``), taken out only by an auditor or a node
# administrator (issue 13.5).
#
# test_ledger_cli.py reaches it through the CLI, which mutation testing does not run; this
# test calls the use case directly so that mutation testing (R24, docs/security.md) reaches
# it: every leaf in order across read chunks, the checkpoints in size order, only the public
# fields of each key, the witnesses' keys.


def _stored_leaves(node: Node) -> list[bytes]:
    with node.transaction() as session:
        storage = SqlLogStorage(session)
        size = storage.read_head().size
        return [x.data for x in storage.leaves(0, size)]


def test_the_bundle_is_the_whole_log_and_verifies_offline(
    node: Node, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = keys.public_keys(node)
    log_vkey = found.current_vkey(KeyPurpose.SIGNING)
    witness_vkey = found.current_vkey(KeyPurpose.WITNESS)
    record(node, 5, batch=2)
    first = ledger_checkpoints.checkpoint_now(node)
    record(node, 4, batch=4)
    second = ledger_checkpoints.checkpoint_now(node)
    witnessing.add_peer(node, people.admin, "gb-x", "http://gb-x.test", log_vkey, witness_vkey)
    record(node, 2)
    monkeypatch.setattr(log, "CHUNK", 4)  # read the leaves in several chunks, the last short
    leaves = _stored_leaves(node)
    assert len(leaves) % 4 != 0 and len(leaves) > 8

    bundle = export_bundle(node, people.auditor)

    assert bundle.origin == found.origin
    assert list(bundle.leaves) == leaves
    sizes = [Checkpoint.from_text(SignedNote.from_text(n).text).size for n in bundle.checkpoints]
    assert sizes == sorted({first.checkpoint.size, second.checkpoint.size})
    assert bundle.witnesses == (witness_vkey,)
    public = [k.to_dict() for k in found.keys if k.vkey is not None]
    assert len(bundle.keys) == len(public) >= 2
    for exported, full in zip(bundle.keys, public, strict=True):
        assert exported == {
            k: v for k, v in full.items() if k in ("vkey", "purpose", "created_at", "retired_at")
        }
        assert exported["vkey"] == full["vkey"]
    assert CompactRange(bundle.leaves).root(second.checkpoint.size) == second.checkpoint.root_hash
    report = verify_bundle(
        Bundle.from_json(bundle.to_json()), [Ed25519Verifier.from_vkey(log_vkey)]
    )
    assert report.ok and report.checkpoints_verified == 2, report.problems
    assert verify_node_log(node).ok
    assert export_bundle(node, people.admin) == bundle


@pytest.mark.parametrize("who", ["officer", "supervisor", "reviewer"])
def test_only_an_auditor_or_an_administrator_exports(node: Node, people: People, who: str) -> None:
    with pytest.raises(PermissionDenied, match="only an auditor or a node administrator"):
        export_bundle(node, people.by_name(who))
