"""``repatria serve``: this node's API and UI over HTTP.

A module of its own so that only this command imports the web shell (FastAPI, Jinja2) and
uvicorn; the other node commands start without them (issue 11, point 7).
"""

from __future__ import annotations

import gc
from typing import Annotated

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from repatria.cli.context import node_settings
from repatria.logs import configure, server_log_config
from repatria.service.node_keys import check_node_keys
from repatria.settings import Settings
from repatria.web.app import create_app


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the API and the UI of this node."""
    settings: Settings = node_settings()
    configure(settings.log_format)
    check_node_keys(settings)
    app = create_app(settings)
    # What start-up built (modules, schemas, the app) lives as long as the process: frozen,
    # it is no longer scanned by every full collection, which otherwise walks it each time
    # a burst of deliveries has allocated enough (CPython's gc.freeze, meant for this).
    gc.freeze()
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
        log_config=server_log_config(LOGGING_CONFIG),
        proxy_headers=False,
    )
