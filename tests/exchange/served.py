"""A served exchange network for end-to-end tests: real nodes, a real receiver process, HTTP.

The exchange reliability checks R11, R13 and R15 (shared/design/reliability.md) are black-box
tests in the manner of Domibus's two-gateway suites: the receiver is a real ``repatria serve``
OS process on loopback (``tests/ledger/harness/node_process.py``), with its own SQLite file;
senders are nodes in the test process, or fixed-key peers of ``tests.exchange.network`` that
seal envelopes by hand. The directory is signed by the test network's directory key from the
nodes' real public keys and accepted on every node the test opens, so each node checks what it
receives against the same signed list (docs/exchange.md, "Keys and the directory").

The receiver process runs with ``REPATRIA_EXCHANGE_WORKER=false`` so that nothing but the
test sends, and what it writes is counted through a second ``Node`` opened on its data
directory (SQLite allows a reader beside the serving process).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from repatria.adapters.http_transport import MESSAGES_PATH, HttpTransport
from repatria.domain.lifecycle import Direction
from repatria.domain.measure import Measure
from repatria.exchange.directory import Directory, KeyUse, NodeEntry, NodeKey, sign_directory
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, Request
from repatria.exchange.receipt import RECEIVED_KIND
from repatria.service.exchange import accept_directory
from repatria.service.network_directory import node_entry
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.ledger_tables import LedgerLeafRow
from repatria.store.tables import CaseRow, EventRow, RequestRow
from tests.exchange.network import DIRECTORY_KEY, TestNode, raw
from tests.ledger.harness.node_process import NodeProcess

NETWORK = "repatria-served-test"
QUIET_RECEIVER = {"REPATRIA_EXCHANGE_WORKER": "false", "REPATRIA_WITNESSING_WORKER": "false"}
"""The receiver only answers; its delivery worker would send on its own and muddy counts."""
HTTP_TIMEOUT = 15.0


@contextmanager
def _environment(changes: dict[str, str], removed: Sequence[str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*changes, *removed)}
    os.environ.update(changes)
    for name in removed:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ServedNode(NodeProcess):
    """``repatria serve`` for one data directory, with the delivery worker off and the
    node's own SQLite file (a ``REPATRIA_DATABASE_URL`` of the test run is not inherited)."""

    def start(self) -> float:
        removed = () if self.database_url else ("REPATRIA_DATABASE_URL",)
        with _environment(QUIET_RECEIVER, removed):
            return super().start()


def make_node(base: Path, node_id: str, jurisdiction: str) -> Node:
    """Initialise a node with real keys on SQLite in ``base/node_id`` and open it."""
    settings = Settings(data_dir=base / node_id)
    init_node(
        settings,
        node_id=node_id,
        jurisdiction=jurisdiction,
        authority=f"Central authority of {jurisdiction} ({node_id})",
        languages=["en"],
    )
    return open_node(settings)


def reopen(node: Node) -> Node:
    """A second ``Node`` on the same data directory (to count what a served process wrote)."""
    return open_node(node.settings)


def loopback(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def real_entry(node: Node, endpoint: str) -> NodeEntry:
    """The node's directory entry from its key store: every key, current and retired, with
    ``valid_until`` at the rotation time (``service.network_directory.node_entry``)."""
    return node_entry(node, endpoint, days=30)


def fixed_entry(
    peer: TestNode, endpoint: str, since: datetime, *, revoked_at: datetime | None = None,
    successor: Ed25519PrivateKey | None = None,
) -> NodeEntry:  # fmt: skip
    """A directory entry for a fixed-key peer of ``tests.exchange.network``, valid from
    ``since``. ``revoked_at`` revokes its signing key (key compromise); ``successor`` adds
    the signing key that replaces it, valid from the revocation."""
    keys = [
        NodeKey(
            KeyUse.SIGNING,
            raw(peer.sign),
            since,
            revoked_at=revoked_at,
            revocation_reason="key compromise reported by the node" if revoked_at else None,
        ),
        NodeKey(KeyUse.HPKE, raw(peer.hpke), since),
    ]
    if successor is not None:
        keys.append(NodeKey(KeyUse.SIGNING, raw(successor), revoked_at or since))
    return NodeEntry(
        node_id=peer.node_id,
        jurisdiction=peer.jurisdiction,
        authority=f"Central authority of {peer.jurisdiction}",
        endpoint=endpoint,
        languages=("en",),
        accredited=Confidentiality.CONFIDENTIAL,
        log_origin=peer.origin,
        keys=tuple(keys),
        expires_at=utcnow() + timedelta(days=30),
    )


def sign_network(entries: Iterable[NodeEntry], version: int, issued: datetime) -> bytes:
    """The directory listing ``entries``, signed by the test network's directory key."""
    directory = Directory(
        network=NETWORK,
        version=version,
        issued_at=issued.replace(microsecond=0),
        expires_at=issued.replace(microsecond=0) + timedelta(days=30),
        nodes=tuple(entries),
    )
    return sign_directory(directory, DIRECTORY_KEY)


def publish(data: bytes, nodes: Iterable[Node]) -> None:
    """Accept the signed directory on each node (what each operator does on publication)."""
    for node in nodes:
        accept_directory(node, data, DIRECTORY_KEY.public_key(), utcnow())


def handling(originator: str) -> Handling:
    return Handling(
        originator=originator,
        level=Confidentiality.RESTRICTED,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=frozenset({Purpose.INVESTIGATION, Purpose.ASSET_RECOVERY}),
        cases=("NG-2025-0042",),
    )


def request_message(reference: str, originator: str) -> Message:
    """A request for assistance (UNCAC 46(13)-(15)) under ``reference``, the requesting
    state's own reference, which the receiver keeps as the incoming request's
    ``foreign_reference``."""
    return Message(
        payload=Request(
            reference=reference,
            measures=(Measure.RECORDS, Measure.FREEZING),
            summary=f"Licence fees diverted through London ({reference}).",
            purpose="Trace and freeze proceeds of embezzlement (UNCAC Art. 17).",
            language="en",
            confidential=True,
        ),
        case="NG-2025-0042",
        handling=handling(originator),
    )


def post(base_url: str, envelope: bytes, client: httpx.Client | None = None) -> httpx.Response:
    """POST one envelope to a node's exchange endpoint, as a peer would."""
    if client is not None:
        return client.post(base_url + MESSAGES_PATH, content=envelope)
    return httpx.post(base_url + MESSAGES_PATH, content=envelope, timeout=HTTP_TIMEOUT)


def fresh_connection_transport() -> HttpTransport:
    """``HttpTransport`` opening a new connection per envelope, so a fault proxy sees each
    delivery attempt as its own connection (no keep-alive reuse across a reset)."""
    client = httpx.Client(timeout=HTTP_TIMEOUT, limits=httpx.Limits(max_keepalive_connections=0))
    return HttpTransport(client=client)


@dataclass(frozen=True, slots=True)
class Counts:
    """Rows of the tables a delivery may write: a refused envelope must change none."""

    inbox: int
    events: int
    leaves: int
    outbox: int
    receipts: int
    requests: int
    cases: int


def counts(node: Node) -> Counts:
    with node.transaction() as session:

        def rows(model: type[object]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return Counts(
            inbox=rows(InboxRow),
            events=rows(EventRow),
            leaves=rows(LedgerLeafRow),
            outbox=rows(OutboxRow),
            receipts=rows(ReceiptRow),
            requests=rows(RequestRow),
            cases=rows(CaseRow),
        )


def stored_copies(node: Node, message_id: str) -> int:
    """Inbox rows for ``message_id`` (the UNIQUE key makes more than one impossible)."""
    with node.transaction() as session:
        query = select(func.count()).where(InboxRow.message_id == message_id)
        return int(session.scalar(query.select_from(InboxRow)) or 0)


def received_events(node: Node, message_id: str) -> list[int]:
    """Ids of the ``message.received`` events logged for ``message_id``."""
    with node.transaction() as session:
        found = session.execute(
            select(EventRow.id, EventRow.details).where(EventRow.action == RECEIVED_KIND)
        ).all()
    return [event_id for event_id, details in found if details.get("message_id") == message_id]


def leaves_of(node: Node, event_ids: Sequence[int]) -> int:
    """Ledger leaves committing to any of ``event_ids``."""
    if not event_ids:
        return 0
    with node.transaction() as session:
        query = select(func.count()).where(LedgerLeafRow.event_id.in_(event_ids))
        return int(session.scalar(query.select_from(LedgerLeafRow)) or 0)


def incoming_requests(node: Node, foreign_reference: str) -> int:
    """Incoming requests opened for the requesting state's ``foreign_reference``."""
    with node.transaction() as session:
        query = select(func.count()).where(
            RequestRow.direction == Direction.INCOMING.value,
            RequestRow.foreign_reference == foreign_reference,
        )
        return int(session.scalar(query.select_from(RequestRow)) or 0)


def receipts_by_message(node: Node) -> dict[str, list[bytes]]:
    """The receipts the sender kept, grouped by message id."""
    kept: dict[str, list[bytes]] = {}
    with node.transaction() as session:
        for message_id, receipt in session.execute(
            select(ReceiptRow.message_id, ReceiptRow.receipt)
        ).all():
            kept.setdefault(message_id, []).append(receipt)
    return kept
