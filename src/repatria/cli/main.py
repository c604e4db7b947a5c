"""The ``repatria`` command: one table maps each error class to an exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from repatria.cli import case, exchange, law, ledger, node, output, received, request, tracing
from repatria.cli.context import STATE
from repatria.errors import (
    AuthenticationRequired,
    Conflict,
    HostIncomplete,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PeerUnavailable,
    PermissionDenied,
    RepatriaError,
    VerificationFailed,
)

EXIT_CODES: dict[type[RepatriaError], int] = {
    InvalidInput: 3,
    NotFound: 4,
    InvalidTransition: 5,
    Conflict: 5,
    PermissionDenied: 6,
    AuthenticationRequired: 7,
    VerificationFailed: 8,
    PeerUnavailable: 9,
    HostIncomplete: 10,
}
"""Exit codes: 0 success, 1 a check found problems (e.g. an incomplete request),
2 a usage error (Typer), then one per error class; documented in docs/cli.md."""

app = typer.Typer(
    name="repatria",
    help="repatria: mutual legal assistance for cross-border asset recovery.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="REPATRIA_DATA_DIR", help="The node's data directory."),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", envvar="REPATRIA_USER", help="Act as this user.")
    ] = None,
) -> None:
    STATE.data_dir = data_dir
    STATE.user = user


app.command("init")(node.init)
app.command("serve")(node.serve)
app.command("basis")(law.basis)
app.command("network")(law.network)
app.command("ingest")(tracing.ingest_command)
app.command("trace")(tracing.trace_command)
app.command("patterns")(tracing.patterns_command)
app.command("train")(tracing.train_command)
app.command("detect")(tracing.detect_command)
app.add_typer(node.user_app, name="user")
app.add_typer(node.authority_app, name="authority")
app.add_typer(case.app, name="case")
app.add_typer(request.app, name="request")
app.add_typer(ledger.app, name="ledger")
app.add_typer(exchange.app, name="exchange")
app.add_typer(received.app, name="received")


@app.command("demo")
def demo(
    base_dir: Annotated[Path, typer.Option(help="Where the demo nodes live.")] = Path(".demo"),
    serve: Annotated[bool, typer.Option(help="Serve both nodes until interrupted.")] = True,
    ng_port: Annotated[int, typer.Option()] = 8701,
    gb_port: Annotated[int, typer.Option()] = 8702,
) -> None:
    """Set up the Nigeria and United Kingdom demo nodes, load the case, serve both."""
    from repatria.demo.run import run_demo

    run_demo(base_dir, serve=serve, ng_port=ng_port, gb_port=gb_port)


def exit_code_for(exc: RepatriaError) -> int:
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return 1


def main() -> None:
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except RepatriaError as exc:
        output.fail(str(exc))
        sys.exit(exit_code_for(exc))
    except typer.Abort:
        output.fail("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001  (one clear line, never a traceback with case data)
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        output.fail(f"unexpected {type(exc).__name__}; nothing was changed by the failed step")
        sys.exit(1)
