"""Joining test nodes into one network: entries from real keys, a signed directory accepted by
every node, and a transport that hands envelopes straight to the receiving node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.domain.authority import AuthorityRole
from repatria.exchange.directory import AuthorityContact, Directory, NodeEntry, sign_directory
from repatria.service.exchange import accept_directory, receive
from repatria.service.network_directory import node_entry
from repatria.service.node import Node
from repatria.store.base import utcnow


def entry_of(node: Node, endpoint: str, days: int = 30) -> NodeEntry:
    return node_entry(node, endpoint, days=days)


def central_authority(node: Node, expires_at: datetime) -> AuthorityContact:
    """The node's state's central authority (46(13)), reached through this node."""
    jurisdiction, node_id = node.config.jurisdiction, node.config.node_id
    return AuthorityContact(
        key=f"{node_id}-ca",
        name=f"Central authority of {jurisdiction}",
        role=AuthorityRole.CENTRAL_AUTHORITY,
        jurisdiction=jurisdiction,
        languages=("en",),
        node_id=node_id,
        urgent=None,
        expires_at=expires_at,
    )


def join(
    nodes: Mapping[str, Node], *, central_authorities: Sequence[Node] = (), days: int = 30,
    now: datetime | None = None,
) -> Ed25519PrivateKey:  # fmt: skip
    """Sign a directory of ``nodes`` (endpoint → node) with a new key, have every node accept
    it, and return the directory key."""
    now = now or utcnow()
    expires = now + timedelta(days=days)
    key = Ed25519PrivateKey.generate()
    directory = Directory(
        network="repatria-test",
        version=1,
        issued_at=now - timedelta(hours=1),
        expires_at=expires,
        nodes=tuple(entry_of(n, endpoint, days) for endpoint, n in nodes.items()),
        contacts=tuple(central_authority(n, expires) for n in central_authorities),
    )
    data = sign_directory(directory, key)
    for each in nodes.values():
        accept_directory(each, data, key.public_key(), now)
    return key


class Direct:
    """A transport that hands the envelope to the receiving node's ``receive``."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.nodes = nodes

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        return receive(self.nodes[endpoint], envelope, utcnow()).receipt
