"""How a CLI command finds its node and its user.

The data directory comes from ``--data-dir`` or ``REPATRIA_DATA_DIR``. The
user is named by ``--user``/``REPATRIA_USER`` with the password from
``REPATRIA_PASSWORD`` or a hidden prompt, or by an API token in
``REPATRIA_TOKEN``; either way every act is recorded under that name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from repatria.cli.state import STATE
from repatria.errors import AuthenticationRequired
from repatria.service.actor import Actor
from repatria.service.node import Node, open_node
from repatria.service.users import authenticate_password, resolve_credential
from repatria.settings import Settings


def node_settings() -> Settings:
    """The settings from the environment, with ``--data-dir`` over ``REPATRIA_DATA_DIR``."""
    settings = Settings()
    if STATE.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": STATE.data_dir})
    return settings


@contextmanager
def opened_node() -> Iterator[Node]:
    node = open_node(node_settings())
    try:
        yield node
    finally:
        node.close()


def current_actor(node: Node) -> Actor:
    token = os.environ.get("REPATRIA_TOKEN")
    if token:
        actor, _ = resolve_credential(node, token, kind="api")
        return actor
    user = STATE.user or os.environ.get("REPATRIA_USER")
    if not user:
        raise AuthenticationRequired(
            "say who you are: --user NAME (or REPATRIA_USER), or REPATRIA_TOKEN"
        )
    password = os.environ.get("REPATRIA_PASSWORD")
    if password is None:
        password = typer.prompt(f"password for {user}", hide_input=True)
    return authenticate_password(node, user, password)
