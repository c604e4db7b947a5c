from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from repatria.cli.main import EXIT_CODES, exit_code_for, main
from repatria.errors import RepatriaError
from repatria.service.node import Node
from repatria.settings import Settings
from tests.conftest import (
    PASSWORD,
    REQUEST_BODY,
    CaseFixture,
    People,
    complete_document,
    snapshot,
)


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
) -> tuple[int, str, str]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["repatria", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def as_officer(node: Node, people: People, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("REPATRIA_DATA_DIR", str(node.settings.data_dir))
    if node.settings.database_url:
        monkeypatch.setenv("REPATRIA_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("REPATRIA_USER", "officer")
    monkeypatch.setenv("REPATRIA_PASSWORD", PASSWORD)
    return node.settings


def test_case_and_request_commands_with_json(
    as_officer: Settings,
    node: Node,
    ng_case: CaseFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["case", "list", "--json"], monkeypatch, capsys)
    assert code == 0 and [c["reference"] for c in json.loads(out)] == [ng_case.case]
    body = tmp_path / "request.json"
    body.write_text(json.dumps(REQUEST_BODY))
    code, out, _ = run(["request", "open", ng_case.case, str(body), "--json"], monkeypatch, capsys)
    assert code == 0
    opened = json.loads(out)
    assert opened["state"] == "draft" and opened["requested_state"] == "GB"
    code, out, _ = run(
        ["request", "transition", opened["reference"], "mark-ready"], monkeypatch, capsys
    )
    assert code == 3  # no drafted content yet (UNCAC 46(15))
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(complete_document(opened["reference"])))
    code, out, _ = run(
        ["request", "attach", opened["reference"], str(draft), "--json"], monkeypatch, capsys
    )
    assert code == 0 and json.loads(out)["complete"] is True
    code, out, _ = run(
        ["request", "transition", opened["reference"], "mark-ready", "--json"], monkeypatch, capsys
    )
    assert code == 0 and json.loads(out)["state"] == "ready"
    code, out, _ = run(["request", "show", opened["reference"], "--json"], monkeypatch, capsys)
    assert [t["transition"] for t in json.loads(out)["allowed_transitions"]] == [
        "revise",
        "send",
        "withdraw",
    ]
    code, out, _ = run(["case", "timeline", ng_case.case, "--json"], monkeypatch, capsys)
    assert json.loads(out)[-1]["action"] == "request.mark-ready"


EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "requests" / "freezing.json")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["request", "transition", "{request}", "acknowledge"],
            5,
            "cannot acknowledge from 'draft'",
        ),
        (["request", "transition", "{request}", "send"], 6, "only a supervisor may send"),
        (["request", "list", "--state", "lost"], 3, "unknown state 'lost'"),
        (["request", "list", "--requested-state", "UK"], 3, "did you mean GB"),
        (["case", "show", "NG-2026-0999"], 4, "not found, or you are not assigned"),
        (["request", "open", "{case}", "{bad_json}"], 3, "malformed JSON"),
        (["request", "open", "{case}", "/nonexistent.json"], 3, "no such file"),
        (["case", "add-entity", "{case}", "{bad_entity}"], 3, "not a valid date"),
        (["case", "add-entity", "{case}", "{folder}"], 3, "is a folder; give the JSON file"),
        (
            ["request", "render", EXAMPLE, "--lang", "en", "--output", "{folder}/missing/x.pdf"],
            3,
            "no such file or folder",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(
    as_officer: Settings,
    node: Node,
    ng_case: CaseFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"title": ')
    bad_entity = tmp_path / "entity.json"
    bad_entity.write_text(
        json.dumps(
            {"id": "p", "schema": "Person", "properties": {"name": ["A"], "birthDate": ["x"]}}
        )
    )
    filled = [
        a.format(
            request=ng_case.request,
            case=ng_case.case,
            bad_json=bad_json,
            bad_entity=bad_entity,
            folder=tmp_path,
        )
        for a in args
    ]
    before = snapshot(node)
    got, out, err = run(filled, monkeypatch, capsys)
    assert got == code
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out
    assert snapshot(node) == before


def test_wrong_password_exits_7(
    as_officer: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["case", "list"], monkeypatch, capsys, REPATRIA_PASSWORD="not the password")
    assert code == 7 and "wrong username or password" in err


def test_exit_code_table_is_complete() -> None:
    assert set(EXIT_CODES) == set(RepatriaError.__subclasses__())
    assert exit_code_for(RepatriaError("x")) == 1
    assert (
        len(set(EXIT_CODES.values())) == len(EXIT_CODES) - 1
    )  # InvalidTransition shares with Conflict


@pytest.mark.process
def test_init_creates_a_node_and_refuses_to_overwrite(settings: Settings, tmp_path: Path) -> None:
    """A real process, as an operator runs it, on the database under test."""
    data_dir = tmp_path / "gb-node"
    env: dict[str, Any] = {
        "REPATRIA_DATA_DIR": str(data_dir),
        "REPATRIA_ADMIN_PASSWORD": PASSWORD,
        "PATH": "/usr/bin:/bin",
    }
    if settings.database_url:
        env["REPATRIA_DATABASE_URL"] = settings.database_url
    args = [sys.executable, "-m", "repatria", "init", "--jurisdiction", "gb", "--authority",
            "UK Central Authority", "--node-id", "gb-ukca", "--language", "en", "--json"]  # fmt: skip
    first = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert first.returncode == 0, first.stderr
    created = json.loads(first.stdout)
    assert created["node"]["jurisdiction"] == "GB" and "admin_password" not in created
    assert json.loads((data_dir / "node.json").read_text())["node_id"] == "gb-ukca"
    assert oct((data_dir / "keys").stat().st_mode & 0o777) == "0o700"
    second = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert second.returncode == 5
    assert "a node already exists" in second.stderr


@pytest.mark.process
def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "repatria", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("init", "serve", "case", "request", "user", "authority", "demo"):
        assert command in result.stdout


def test_request_list_and_deadlines_show_the_drafts_basis_and_deadline(
    as_officer: Settings,
    node: Node,
    ng_case: CaseFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # issue 12, bug 1: the draft said UNCAC and a deadline, `request list --json` said null
    body = tmp_path / "request.json"
    body.write_text(json.dumps(REQUEST_BODY | {"legal_basis": "BILATERAL:GB-NG"}))
    code, out, _ = run(["request", "open", ng_case.case, str(body), "--json"], monkeypatch, capsys)
    reference = json.loads(out)["reference"]
    document = complete_document(reference, "freezing")
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(document))
    code, out, _ = run(["request", "attach", reference, str(draft), "--json"], monkeypatch, capsys)
    assert code == 0
    code, out, _ = run(["request", "list", "--json"], monkeypatch, capsys)
    listed = next(r for r in json.loads(out) if r["reference"] == reference)
    assert listed["legal_basis"] == document["legal_basis"]["instrument"] == "UNCAC"
    assert listed["deadline"] == document["deadline"]["date"]
    code, out, _ = run(["request", "deadlines", "--json"], monkeypatch, capsys)
    assert reference in [r["reference"] for r in json.loads(out)]
