"""A node's directory entry from its real keys (for tests that join nodes into a network)."""

from __future__ import annotations

from repatria.exchange.directory import NodeEntry
from repatria.service.network_directory import node_entry
from repatria.service.node import Node


def entry_of(node: Node, endpoint: str, days: int = 30) -> NodeEntry:
    return node_entry(node, endpoint, days=days)
