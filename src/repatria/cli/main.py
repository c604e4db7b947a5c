"""The ``repatria`` command: one table names every command, one maps each error to an exit code.

The commands are loaded lazily (:mod:`repatria.cli.lazy_group`): this module imports no
command module, so ``repatria --help`` and the parsing of the global options cost no more
than Typer and Rich (issue 11, point 7; measured by ``python -m bench cli``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer._click.exceptions import ClickException  # typer 0.29 vendors click

from repatria.cli import output
from repatria.cli.lazy_group import LazyCommand, LazyGroup
from repatria.cli.state import STATE
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

PATH_PROBLEMS: dict[type[OSError], str] = {
    FileNotFoundError: "no such file or folder (check the path; folders are not created)",
    IsADirectoryError: "is a folder; give a file",
    NotADirectoryError: "a part of this path is not a folder",
    PermissionError: "this account may not read or write it",
    FileExistsError: "exists already; nothing was overwritten",
}
"""What a path given on the command line did wrong, in words, with the input-error code (3)."""

COMMANDS = (
    LazyCommand(
        "init",
        "repatria.cli.node:init",
        "Create a node: data directory, database, keys directory and configuration.",
    ),
    LazyCommand("serve", "repatria.cli.serve:serve", "Serve the API and the UI of this node."),
    LazyCommand(
        "basis",
        "repatria.cli.law:basis",
        "Every legal basis for this request, ranked, with what each requires.",
    ),
    LazyCommand(
        "network",
        "repatria.cli.law:network",
        "All-pairs basis matrix, pairs with no treaty basis, the steps that close most gaps.",
    ),
    LazyCommand(
        "ingest",
        "repatria.cli.tracing:ingest_command",
        "Load bank records into canonical Parquet, all rows or none, with per-row errors.",
    ),
    LazyCommand(
        "trace",
        "repatria.cli.tracing:trace_command",
        "Follow the proceeds through accounts and countries under a tracing rule.",
    ),
    LazyCommand(
        "patterns",
        "repatria.cli.tracing:patterns_command",
        "Find laundering typologies: fan-in/out, cycles, scatter-gather, structuring, mules...",
    ),
    LazyCommand(
        "train",
        "repatria.cli.tracing:train_command",
        "Learn a transaction scoring model (LightGBM on graph and pattern features).",
    ),
    LazyCommand(
        "detect",
        "repatria.cli.tracing:detect_command",
        "Score every transaction with a trained model and flag the suspicious ones.",
    ),
    LazyCommand(
        "demo",
        "repatria.cli.demo:demo",
        "Set up the Nigeria and United Kingdom demo nodes, load the case, serve both.",
    ),
    LazyCommand("user", "repatria.cli.node:user_app", "Accounts of this node."),
    LazyCommand(
        "authority", "repatria.cli.node:authority_app", "Contact points (UNCAC 46(13)-(14))."
    ),
    LazyCommand(
        "case", "repatria.cli.case:app", "Cases: open, list, show, timeline, members, entities."
    ),
    LazyCommand(
        "request",
        "repatria.cli.request:app",
        "Requests: open, list, show, move through the lifecycle.",
    ),
    LazyCommand(
        "ledger",
        "repatria.cli.ledger:app",
        "The tamper-evident ledger: verify, export, prove, witness peers.",
    ),
    LazyCommand(
        "exchange",
        "repatria.cli.exchange:app",
        "Secure exchange between nodes: directory, outbox, inbox, delivery.",
    ),
    LazyCommand(
        "received",
        "repatria.cli.received:app",
        "Received messages: what their originator allows, and consent to do more (46(19)).",
    ),
)
"""Every command in the order ``--help`` lists it: name, ``module:attribute``, and the first
paragraph of its help (tests/cli/test_main.py checks it against the loaded command)."""


class RepatriaGroup(LazyGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="repatria",
    help="repatria: mutual legal assistance for cross-border asset recovery.",
    cls=RepatriaGroup,
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


def exit_code_for(exc: RepatriaError) -> int:
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return 1


def main() -> None:
    # What the node writes (databases, traces, renders, bundles) is confidential: private to
    # the account that runs it unless that account loosens it (issue 13.6).
    os.umask(0o077)
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
    except ClickException as exc:  # a usage error: Typer's own message, exit code 2
        exc.show()
        sys.exit(exc.exit_code)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
            FileExistsError) as exc:  # fmt: skip
        if exc.filename is None:
            output.fail(f"unexpected {type(exc).__name__}; nothing was changed by the failed step")
            sys.exit(1)
        output.fail(f"{exc.filename}: {PATH_PROBLEMS[type(exc)]}")
        sys.exit(EXIT_CODES[InvalidInput])
    except Exception as exc:  # noqa: BLE001  (one clear line, never a traceback with case data)
        output.fail(f"unexpected {type(exc).__name__}; nothing was changed by the failed step")
        sys.exit(1)
