"""The exchange's commands: a network operator makes a key and signs a directory from the
nodes' entries, the node operator accepts it; an officer sees what travelled for a request."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from repatria.service import requests
from repatria.service.node import Node
from tests.cli.test_cli import run
from tests.conftest import PASSWORD, CaseFixture, People


@pytest.fixture
def as_admin(node: Node, people: People, monkeypatch: pytest.MonkeyPatch) -> Node:
    monkeypatch.setenv("REPATRIA_DATA_DIR", str(node.settings.data_dir))
    if node.settings.database_url:
        monkeypatch.setenv("REPATRIA_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("REPATRIA_USER", "admin")
    monkeypatch.setenv("REPATRIA_PASSWORD", PASSWORD)
    monkeypatch.setenv("REPATRIA_DIRECTORY_PASSPHRASE", "network operator passphrase")
    return node


def _directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    version: int,
) -> tuple[Path, str]:  # fmt: skip
    key = tmp_path / "directory-key.pem"
    public = ""
    if not key.exists():
        code, out, err = run(["exchange", "directory-key", "--output", str(key)], monkeypatch,
                             capsys)  # fmt: skip
        assert code == 0, err
        public = next(line for line in out.splitlines() if "REPATRIA_DIRECTORY_KEY=" in line)
        public = public.split("=", 1)[1].strip()
        assert os.stat(key).st_mode & 0o777 == 0o600
        assert b"ENCRYPTED" in key.read_bytes()
    entry = tmp_path / "entry.json"
    code, _, err = run(["exchange", "entry", "--endpoint", "https://ng.example/",
                        "--output", str(entry)], monkeypatch, capsys)  # fmt: skip
    assert code == 0, err
    contacts = tmp_path / "contacts.json"
    contacts.write_text(json.dumps([{
        "key": "gb-ca", "name": "UK Central Authority", "role": "central-authority",
        "jurisdiction": "GB", "languages": ["en"], "node": None, "urgent": None,
        "expires_at": "2099-01-01T00:00:00Z",
    }]))  # fmt: skip
    signed = tmp_path / f"directory-{version}.json"
    code, out, err = run(["exchange", "sign-directory", "--key", str(key), "--entry", str(entry),
                          "--contacts", str(contacts), "--version", str(version),
                          "--output", str(signed)], monkeypatch, capsys)  # fmt: skip
    assert code == 0, err + out
    return signed, public


def test_an_operator_joins_a_network_and_older_directories_are_refused(
    as_admin: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    first, public = _directory(tmp_path, monkeypatch, capsys, 2)
    monkeypatch.setenv("REPATRIA_DIRECTORY_KEY", public)
    code, out, err = run(["exchange", "accept", str(first), "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert json.loads(out) == {"version": 2, "network": "repatria", "nodes": ["ng-test"]}
    code, out, _ = run(["exchange", "directory", "--json"], monkeypatch, capsys)
    shown = json.loads(out)
    assert shown["contacts"][0]["role"] == "central-authority"
    assert shown["nodes"][0]["endpoint"] == "https://ng.example/"
    older, _ = _directory(tmp_path, monkeypatch, capsys, 1)
    code, _, err = run(["exchange", "accept", str(older)], monkeypatch, capsys)
    assert code != 0 and "rollback" in err
    # the same key file with the wrong passphrase does not open
    monkeypatch.setenv("REPATRIA_DIRECTORY_PASSPHRASE", "not the right passphrase")
    code, _, err = run(["exchange", "sign-directory", "--key", str(tmp_path / "directory-key.pem"),
                        "--entry", str(tmp_path / "entry.json"), "--version", "3",
                        "--output", str(tmp_path / "x.json")], monkeypatch, capsys)  # fmt: skip
    assert code != 0 and "passphrase" in err
    code, out, _ = run(["exchange", "outbox", "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out) == []


def test_only_the_operator_reads_the_outbox_and_members_read_a_requests_messages(
    node: Node, people: People, ng_case: CaseFixture, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("REPATRIA_DATA_DIR", str(node.settings.data_dir))
    if node.settings.database_url:
        monkeypatch.setenv("REPATRIA_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("REPATRIA_PASSWORD", PASSWORD)
    monkeypatch.setenv("REPATRIA_USER", "officer")
    code, _, err = run(["exchange", "outbox"], monkeypatch, capsys)
    assert code != 0 and "node-admin" in err
    requests.ask_status(node, people.officer, ng_case.request, "progress?")
    code, out, err = run(["exchange", "messages", ng_case.request, "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out) == []  # not networked: nothing travelled
    monkeypatch.setenv("REPATRIA_USER", "outsider")
    code, _, err = run(["exchange", "messages", ng_case.request], monkeypatch, capsys)
    assert code != 0
