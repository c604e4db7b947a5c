"""``repatria demo``: the two demo nodes, Nigeria and the United Kingdom, and their case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from repatria.demo.run import run_demo


def demo(
    base_dir: Annotated[Path, typer.Option(help="Where the demo nodes live.")] = Path(".demo"),
    serve: Annotated[bool, typer.Option(help="Serve both nodes until interrupted.")] = True,
    ng_port: Annotated[int, typer.Option()] = 8701,
    gb_port: Annotated[int, typer.Option()] = 8702,
) -> None:
    """Set up the Nigeria and United Kingdom demo nodes, load the case, serve both."""
    run_demo(base_dir, serve=serve, ng_port=ng_port, gb_port=gb_port)
