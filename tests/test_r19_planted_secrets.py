"""R19: no password, token, key, passphrase or privileged content where it does not belong.

reliability.md R19 (ASVS 5.0 V16.2.5, V16.4.1; NIST AU-3): a node is set up and used through
its real shells, a CLI process and a ``repatria serve`` process, with secrets planted fresh
for this run: the key passphrase, two passwords, an API token, the node's private keys, and a
phrase of case content standing for privileged text. The run signs in right and wrong (with
one account's password tried on the other), sends the secrets where they do not belong (an
unknown field, a title with a NUL, a path, a mangled token), makes the CLI fail, and starts
the server with a wrong passphrase. Then every artefact is searched:

- the server's log file, every CLI's output and the wrong-passphrase crash output: no secret
  and no case content;
- every error body (4xx and 5xx): no secret and no case content, one generic shape with a
  correlation id;
- the ledger (its leaves, checkpoints and ``ledger export``): no secret and no case content,
  only commitments;
- the whole database file: no password, token or passphrase in the clear (hashes only).

The answers that are meant to carry a secret are the exception, and only to the person they
belong to: the token in the sign-in answer, the case title in the case's own answers.
"""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.served import free_port

pytestmark = pytest.mark.process

REPATRIA = Path(sys.executable).with_name("repatria")


@dataclass
class Planted:
    passphrase: str = field(default_factory=lambda: "pp-" + secrets.token_urlsafe(24))
    admin_password: str = field(default_factory=lambda: "adm-" + secrets.token_urlsafe(18))
    officer_password: str = field(default_factory=lambda: "off-" + secrets.token_urlsafe(18))
    content: str = field(default_factory=lambda: "Privileged-" + secrets.token_hex(8))
    token: str = ""

    def secrets(self) -> dict[str, str]:
        named = {
            "key passphrase": self.passphrase,
            "admin password": self.admin_password,
            "officer password": self.officer_password,
        }
        return named | ({"API token": self.token} if self.token else {})


@dataclass
class Artefacts:
    """What the run left, by where it came from."""

    logs: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    """What a command printed for the person who ran it: case content may be there."""
    error_bodies: list[tuple[str, int, str]] = field(default_factory=list)

    def error(self, what: str, response: httpx.Response) -> httpx.Response:
        assert response.status_code >= 400, (what, response.status_code, response.text)
        self.error_bodies.append((what, response.status_code, response.text))
        return response


def hits(texts: Iterable[tuple[str, str]], needles: dict[str, str]) -> list[str]:
    return [
        f"{needle_name} in {where}"
        for where, text in texts
        for needle_name, needle in needles.items()
        if needle in text
    ]


def test_r19_no_planted_secret_in_logs_errors_ledger_or_crash_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = Planted()
    found = Artefacts()
    data = tmp_path / "node"
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("REPATRIA_")
    } | {"REPATRIA_DATA_DIR": str(data), "REPATRIA_KEY_PASSPHRASE": planted.passphrase}

    def cli(what: str, *args: str, extra: dict[str, str] | None = None, ok: bool = True) -> str:
        done = subprocess.run(  # our own entry point, argv list, no shell
            [str(REPATRIA), *args],
            env=env | (extra or {}),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert (done.returncode == 0) == ok, (what, done.returncode, done.stdout, done.stderr)
        found.logs[f"the errors of `{what}`"] = done.stderr
        found.answers[f"the output of `{what}`"] = done.stdout
        return done.stdout

    cli("init", "init", "--jurisdiction", "NG", "--authority", "Ministry of Justice",
        "--node-id", "ng-r19", "--language", "en", "--json",
        extra={"REPATRIA_ADMIN_PASSWORD": planted.admin_password})  # fmt: skip
    admin = {"REPATRIA_USER": "admin", "REPATRIA_PASSWORD": planted.admin_password}
    cli("user add", "user", "add", "officer.ng", "--role", "supervisor", "--role",
        "case-officer", extra=admin | {"REPATRIA_NEW_PASSWORD": planted.officer_password})  # fmt: skip
    cli("a wrong password", "case", "list", ok=False,
        extra={"REPATRIA_USER": "officer.ng", "REPATRIA_PASSWORD": planted.admin_password})  # fmt: skip

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in [n for n in os.environ if n.startswith("REPATRIA_") and n not in env]:
        monkeypatch.delenv(name)
    served = NodeProcess(data, free_port())
    served.start()
    try:
        _use_the_node(served.url, planted, found)
    finally:
        served.kill()

    officer = {"REPATRIA_USER": "officer.ng", "REPATRIA_PASSWORD": planted.officer_password}
    cli("case list", "case", "list", "--json", extra=officer)
    cli("ledger checkpoint", "ledger", "checkpoint", extra=admin)
    bundle = tmp_path / "ledger-bundle.json"
    cli("ledger export", "ledger", "export", "--output", str(bundle), extra=admin)
    export = bundle.read_text(encoding="utf-8")
    cli("ledger verify", "ledger", "verify", extra=admin)
    wrong_passphrase = "wrong-" + planted.passphrase[::-1]
    cli("serve with a wrong passphrase", "serve", "--port", str(free_port()), ok=False,
        extra={"REPATRIA_KEY_PASSPHRASE": wrong_passphrase})  # fmt: skip
    crash = found.logs["the errors of `serve with a wrong passphrase`"]
    assert "does not decrypt with the configured passphrase" in crash, crash
    assert wrong_passphrase not in crash
    found.logs["the server's log"] = (data / "serve.log").read_text(errors="replace")

    key_forms = {
        f"private key {name} ({form})": text
        for name, raw in _private_keys(data / "keys", planted.passphrase).items()
        for form, text in (("hex", raw.hex()), ("base64", base64.b64encode(raw).decode()))
    }
    needles = planted.secrets() | key_forms
    leaked = hits(found.logs.items(), needles | {"case content": planted.content})
    leaked += hits(
        ((f"the {status} answer to {what}", body) for what, status, body in found.error_bodies),
        needles | {"case content": planted.content},
    )
    leaked += hits(_ledger(data, export), needles | {"case content": planted.content})
    leaked += hits(found.answers.items(), needles)
    leaked += hits([("the database file", _database_bytes(data))], planted.secrets())
    assert leaked == [], "\n".join(leaked)
    for what, status, body in found.error_bodies:
        if body.startswith("{"):
            error = httpx.Response(status, content=body).json()["error"]
            assert set(error) == {"type", "message", "where", "correlation_id"}, what
            assert len(error["correlation_id"]) == 32, what
    assert len(found.error_bodies) >= 10
    assert "ValueError" not in found.logs["the server's log"]  # nothing failed unexpectedly


def _use_the_node(url: str, planted: Planted, found: Artefacts) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        signed_in = http.post(
            "/api/auth/token",
            json={"username": "officer.ng", "password": planted.officer_password, "name": "r19"},
        )
        assert signed_in.status_code == 201, signed_in.text
        planted.token = signed_in.json()["token"]
        auth = {"Authorization": f"Bearer {planted.token}"}
        case = http.post(
            "/api/cases",
            headers=auth,
            json={"title": f"Case {planted.content}", "summary": planted.content},
        )
        assert case.status_code == 201, case.text
        reference = case.json()["reference"]
        entity = {"id": "p1", "schema": "Person", "properties": {"name": [planted.content]}}
        assert http.post(f"/api/cases/{reference}/entities", headers=auth, json=entity).is_success

        wrong = {"username": "officer.ng", "password": planted.admin_password}
        found.error(
            "a sign-in with the other account's password", http.post("/api/auth/token", json=wrong)
        )
        found.error("a sign-in naming a password as the user", http.post(
            "/api/auth/token", json={"username": planted.officer_password, "password": "x" * 12}))  # fmt: skip
        login = http.get("/login")
        csrf = login.cookies.get("repatria_sign_in") or ""
        found.error("a wrong password on the sign-in page", http.post("/login", data={
            "username": "officer.ng", "password": planted.admin_password, "csrf_token": csrf}))  # fmt: skip
        found.error("a password in an unknown field", http.post(
            "/api/cases", headers=auth, json={"title": "x", "password": planted.admin_password}))  # fmt: skip
        found.error("a title with a NUL", http.post(
            "/api/cases", headers=auth, json={"title": f"{planted.content}\x00{planted.passphrase}"}))  # fmt: skip
        found.error("a mangled token", http.get(
            "/api/cases", headers={"Authorization": f"Bearer {planted.token[:-2]}zz"}))  # fmt: skip
        found.error("a token in the query", http.get(f"/api/cases?token={planted.token}zz"))
        found.error("a secret in the path", http.get(
            f"/api/cases/{planted.officer_password}", headers=auth))  # fmt: skip
        found.error("a page that does not exist", http.get(
            f"/nowhere/{planted.admin_password}", headers={"Accept": "text/html"}))  # fmt: skip
        found.error("malformed JSON holding the content", http.post(
            "/api/cases", headers=auth | {"content-type": "application/json"},
            content=f'{{"title": "{planted.content}", "summary": '.encode()))  # fmt: skip
        found.error("an entity with a bad date", http.post(
            f"/api/cases/{reference}/entities", headers=auth, json={"id": "p2", "schema": "Person",
            "properties": {"name": [planted.content], "birthDate": [planted.content]}}))  # fmt: skip
        found.error("a case the token's holder may not see", http.get(
            "/api/cases/NG-2026-9999", headers=auth))  # fmt: skip
        found.error("the administrators' list to an officer", http.get("/api/users", headers=auth))


def _private_keys(keys: Path, passphrase: str) -> dict[str, bytes]:
    """The node's private keys, raw, as a leak would show them."""
    found: dict[str, bytes] = {}
    for path in sorted(keys.glob("*.pem")):
        key = serialization.load_pem_private_key(path.read_bytes(), passphrase.encode())
        assert isinstance(key, Ed25519PrivateKey | X25519PrivateKey)
        found[path.name] = key.private_bytes_raw()
    assert found, f"no private key in {keys}"
    return found


def _ledger(data: Path, export: str) -> list[tuple[str, str]]:
    """The ledger as it leaves the node: the export, and each leaf and checkpoint stored."""
    with sqlite3.connect(data / "repatria.db") as db:
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0].startswith("ledger_") and row[0] != "ledger_nonces"
        ]
        assert "ledger_leaves" in tables, tables
        stored = [
            (f"the {table} table", "\n".join(repr(row) for row in db.execute(f"SELECT * FROM {table}")))  # names from sqlite_master
            for table in tables
        ]  # fmt: skip
    return [("`ledger export`", export), *stored]


def _database_bytes(data: Path) -> str:
    raw = b"".join(path.read_bytes() for path in data.glob("repatria.db*"))
    return raw.decode("latin-1")
