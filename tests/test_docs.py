"""The docs say what the code does: settings, CLI commands, vendored files, import rules."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from repatria.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_described_and_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"REPATRIA_{name.upper()}" in text, f"REPATRIA_{name.upper()} is not documented"


def test_cli_reference_names_every_command() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    import typer.main

    from repatria.cli.main import EXIT_CODES, app

    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]  (loads the module)
        assert f"repatria {name}" in text, f"`repatria {name}` is not in docs/cli.md"
        for sub in getattr(command, "commands", {}):
            assert f"repatria {name} {sub}" in text, f"`repatria {name} {sub}` is not documented"
    for code in EXIT_CODES.values():
        assert f"| {code} |" in text


def test_vendored_htmx_is_the_recorded_release() -> None:
    static = ROOT / "src" / "repatria" / "web" / "ui" / "static" / "vendor"
    digest = hashlib.sha256((static / "htmx.min.js").read_bytes()).hexdigest()
    assert digest in (static / "SOURCES.md").read_text()


@pytest.mark.process
def test_import_rules_hold() -> None:
    """Layers point down; the pure core does no I/O (import-linter contracts in pyproject)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
