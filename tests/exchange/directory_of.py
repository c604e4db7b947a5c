"""A node's directory entry from its real keys (for tests that join nodes into a network)."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from repatria.crypto.keystore import KeyPurpose
from repatria.exchange.directory import KeyUse, NodeEntry, NodeKey
from repatria.exchange.handling import Confidentiality
from repatria.service.keys import key_store, log_signer
from repatria.service.node import Node
from repatria.store.base import utcnow


def entry_of(node: Node, endpoint: str, days: int = 30) -> NodeEntry:
    store = key_store(node.settings)
    hpke = store.hpke_key(store.keyring().current(KeyPurpose.HPKE)).public_key()
    signing = log_signer(node).key.public_key()
    since = utcnow() - timedelta(hours=1)
    return NodeEntry(
        node_id=node.config.node_id,
        jurisdiction=node.config.jurisdiction,
        authority=node.config.authority,
        endpoint=endpoint,
        languages=("en",),
        accredited=Confidentiality.CONFIDENTIAL,
        log_origin=f"repatria/{node.config.node_id}",
        keys=(
            NodeKey(KeyUse.SIGNING, signing.public_bytes(Encoding.Raw, PublicFormat.Raw), since),
            NodeKey(KeyUse.HPKE, hpke.public_bytes(Encoding.Raw, PublicFormat.Raw), since),
        ),
        expires_at=since + timedelta(days=days),
    )
