"""Nodes for witnessing tests: a second node on SQLite, and real HTTP servers on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from repatria.service import users
from repatria.service.actor import Actor
from repatria.service.keys import public_keys
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.web.app import create_app
from tests.waiting import wait_until


def sqlite_node(base: Path, node_id: str) -> Node:
    settings = Settings(data_dir=base / node_id)
    init_node(settings, node_id=node_id, jurisdiction="GB", authority=node_id, languages=["en"])
    return open_node(settings)


def admin_of(node: Node) -> Actor:
    try:
        return users.authenticate_password(node, "root", "correct horse battery staple")
    except Exception:  # noqa: BLE001  (first call: the account does not exist yet)
        return users.create_user(
            node,
            None,
            username="root",
            password="correct horse battery staple",
            roles=["node-admin"],
        )


def vkeys(node: Node) -> tuple[str, str]:
    """The node's (log vkey, witness vkey)."""
    keys = [k.to_dict() for k in public_keys(node).keys]
    log_key = next(k["vkey"] for k in keys if k["purpose"] == "signing" and not k["retired_at"])
    witness = next(k["vkey"] for k in keys if k["purpose"] == "witness" and not k["retired_at"])
    return log_key, witness


def pair(a: Node, a_name: str, a_url: str, b: Node, b_name: str, b_url: str) -> None:
    """Make ``a`` and ``b`` peers of each other."""
    a_log, a_witness = vkeys(a)
    b_log, b_witness = vkeys(b)
    ledger_witnessing.add_peer(a, admin_of(a), b_name, b_url, b_log, b_witness)
    ledger_witnessing.add_peer(b, admin_of(b), a_name, a_url, a_log, a_witness)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(node: Node, port: int) -> Iterator[str]:
    """Serve ``node``'s app on 127.0.0.1:port in a thread; yield its base URL."""
    config = uvicorn.Config(
        create_app(node.settings, node),
        host="127.0.0.1",
        port=port,
        log_level="error",
        # A page's live stream (/live) stays open up to ten seconds; a test server stopping
        # under an open browser cancels it after a second instead of waiting it out.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), what=f"a server on port {port}")
    if not server.started:
        raise RuntimeError(f"the server on port {port} stopped before it started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
