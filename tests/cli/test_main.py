"""The ``repatria`` entry point: a usage error is Typer's message and exit code 2 (docs/cli.md)."""

from __future__ import annotations

import sys

import pytest

from repatria.cli.main import main


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["repatria", *args])
    try:
        main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_an_unknown_command_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["cse"], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "No such command 'cse'. Did you mean 'case'?" in err
    assert "unexpected" not in err


def test_an_unknown_option_of_a_sub_command_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["basis", "--no-such-option"], monkeypatch) == 2
    assert "No such option: --no-such-option" in capsys.readouterr().err


def test_help_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["case", "--help"], monkeypatch) == 0
    assert "Cases: open, list, show, timeline, members, entities." in capsys.readouterr().out
