"""``repatria serve``: this node's API and UI over HTTP.

A module of its own so that only this command imports the web shell (FastAPI, Jinja2) and
uvicorn; the other node commands start without them (issue 11, point 7).
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from repatria.cli.context import node_settings
from repatria.logs import configure
from repatria.settings import Settings
from repatria.web.app import create_app


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the API and the UI of this node."""
    settings: Settings = node_settings()
    configure(settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
        proxy_headers=False,
    )
