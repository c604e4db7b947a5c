"""The lazily loaded root group lists the same commands, with the same help, as the modules."""

from __future__ import annotations

import inspect

import typer
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from repatria.cli.lazy_group import LazyCommand, LazyGroup
from repatria.cli.main import COMMANDS, app


def _root() -> LazyGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    return group


def test_every_summary_is_the_first_paragraph_of_the_loaded_commands_help() -> None:
    group = _root()
    ctx = typer.Context(group)
    for entry in COMMANDS:
        loaded = group.get_command(ctx, entry.name)
        assert loaded is not None and loaded.name == entry.name
        assert isinstance(loaded, TyperGroup) or loaded.callback is not None
        help_text = inspect.cleandoc(loaded.short_help or loaded.help or "")
        assert help_text.split("\n\n")[0].replace("\n", " ") == entry.summary, entry.name


def test_a_loaded_group_keeps_its_sub_commands_in_order() -> None:
    group = _root()
    ctx = typer.Context(group)
    case = group.get_command(ctx, "case")
    assert isinstance(case, TyperGroup)
    assert case.list_commands(ctx)[:3] == ["open", "list", "show"]
    assert group.list_commands(ctx) == [entry.name for entry in COMMANDS]


def greet(name: str) -> None:
    """Say hello.

    A second paragraph that the listing leaves out.
    """
    typer.echo(f"hello {name}")


sub = typer.Typer(help="A group of one.")


@sub.command("wave")
def wave() -> None:
    typer.echo("waving")


class Sample(LazyGroup):
    lazy_commands = (
        LazyCommand("greet", f"{__name__}:greet", "Say hello."),
        LazyCommand("sub", f"{__name__}:sub", "A group of one."),
    )


def test_a_lazy_command_runs_as_the_eager_one_would() -> None:
    sample = typer.Typer(cls=Sample, add_completion=False)
    sample.callback()(lambda: None)
    runner = CliRunner()
    assert runner.invoke(sample, ["greet", "ana"]).output == "hello ana\n"
    assert runner.invoke(sample, ["sub", "wave"]).output == "waving\n"
    listing = runner.invoke(sample, ["--help"]).output
    assert "Say hello." in listing and "second paragraph" not in listing
    assert runner.invoke(sample, ["nope"]).exit_code == 2
