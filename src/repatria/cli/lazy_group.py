"""A command group that imports a command's module only when that command runs.

Why: every ``repatria`` command lives in a module that pulls in what it needs to do its
work (SQLAlchemy and Alembic for the node, FollowTheMoney for entities, DuckDB, Arrow and
LightGBM for tracing). Importing them all before parsing the command line made
``repatria --help`` take seconds (issue 11, point 7). Here each command is named by the
dotted path of the module that defines it; the module is loaded through ``importlib`` when
the command is resolved, and the group's own ``--help`` lists the one-line summaries kept
beside the paths, so listing the commands loads none of them.

The command built from a loaded module is the one ``Typer.command``/``Typer.add_typer`` would
have built in place, so its options, help and output are unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click  # typer 0.29 vendors click; its Context and Command live here
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """One command of a lazily loaded group.

    ``target`` is ``"module:attribute"``: the attribute is either a ``typer.Typer`` (a command
    group, added as ``add_typer`` would) or a function (a command, added as ``command`` would).
    ``summary`` is the first paragraph of that command's help, shown by the group's ``--help``;
    tests/cli/test_main.py checks that it is the loaded command's own.
    """

    name: str
    target: str
    summary: str

    def load(self) -> _click.Command:
        module_name, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module_name), attribute)
        holder = typer.Typer(add_completion=False)
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=self.name)
            group = typer.main.get_command(holder)
            if not isinstance(group, TyperGroup):  # typer turns a Typer with commands into a group
                raise TypeError(f"{self.target} did not load as a command group")
            return group.commands[self.name]
        holder.command(self.name)(found)
        return typer.main.get_command(holder)

    def stand_in(self) -> _click.Command:
        """What the group's help lists before the command is loaded: its name and summary."""
        return TyperCommand(self.name, help=self.summary)


class LazyGroup(TyperGroup):
    """A ``TyperGroup`` whose commands are :class:`LazyCommand` entries, in listing order.

    A subclass names its entries in ``lazy_commands``; Typer builds the group through
    ``typer.Typer(cls=...)``, so the root callback and its options stay ordinary Typer code.
    """

    lazy_commands: ClassVar[tuple[LazyCommand, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._entries = {entry.name: entry for entry in self.lazy_commands}
        self._loaded: set[str] = set()
        self._listing = False
        for entry in self.lazy_commands:
            self.commands[entry.name] = entry.stand_in()

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        entry = self._entries.get(cmd_name)
        if entry is not None and cmd_name not in self._loaded and not self._listing:
            self.commands[cmd_name] = entry.load()
            self._loaded.add(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with self._summaries_only():
            super().format_help(ctx, formatter)

    @contextmanager
    def _summaries_only(self) -> Iterator[None]:
        """While the help is written, list the stand-ins instead of loading every command."""
        self._listing = True
        try:
            yield
        finally:
            self._listing = False
