"""R21 over HTTP: hostile JSON bodies and documents (reliability.md R21, T4, T8; ASVS 5.2).

JSON nested past the parser's limit, not UTF-8, with a number of 5,000 digits, or over the
body limit, is refused as a 4xx naming the body, quickly, and nothing is stored (before this,
the first three were answered "There was an error parsing the body" with no ``where``). A
document is never unpacked: a gzip bomb attached to a move is kept as the bytes sent, under
its hash, its name stripped of folders, and served back as an attachment that cannot run.
"""

from __future__ import annotations

import gzip
import hashlib
import time

import pytest
from fastapi.testclient import TestClient

from repatria.service import requests
from repatria.service.attachments import DOCUMENTS_DIR
from repatria.service.node import Node
from repatria.web.deps import SESSION_COOKIE
from tests.conftest import CaseFixture, People, snapshot
from tests.web.conftest import Credentials

SECONDS = 5.0


def _routes(fixture: CaseFixture) -> list[tuple[str, str]]:
    return [
        ("POST", "/api/cases"),
        ("POST", f"/api/cases/{fixture.case}/entities"),
        ("POST", f"/api/cases/{fixture.case}/requests"),
        ("PUT", f"/api/requests/{fixture.request}/document"),
        ("POST", f"/api/requests/{fixture.request}/transitions"),
        ("POST", "/api/drafting/validate"),
    ]


HOSTILE_JSON = [
    ("deep-array", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    ("deep-object", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ("latin-1", '{"title": "Müller"}'.encode("latin-1"), "not UTF-8 (RFC 8259 §8.1): byte 12"),
    ("invalid-utf8", b'{"title": "\xff\xfe"}', "not UTF-8"),
    ("huge-number", b'{"title": ' + b"9" * 5000 + b"}", "4300 digits"),
]


@pytest.mark.parametrize(
    ("body", "said"), [h[1:] for h in HOSTILE_JSON], ids=[h[0] for h in HOSTILE_JSON]
)
def test_hostile_json_is_refused_naming_the_body_and_nothing_is_stored(
    client: TestClient, node: Node, creds: dict[str, Credentials], ng_case: CaseFixture,
    body: bytes, said: str,
) -> None:  # fmt: skip
    headers = {**creds["officer"].bearer, "content-type": "application/json"}
    before = snapshot(node)
    for method, url in _routes(ng_case):
        started = time.perf_counter()
        answer = client.request(method, url, content=body, headers=headers)
        assert time.perf_counter() - started < SECONDS
        assert answer.status_code == 400, (url, answer.text[:200])
        error = answer.json()["error"]
        assert error["type"] == "malformed_json" and error["where"] == "body"
        assert said in error["message"], error["message"]
    assert snapshot(node) == before


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: TestClient, node: Node, creds: dict[str, Credentials], ng_case: CaseFixture
) -> None:
    headers = {**creds["officer"].bearer, "content-type": "application/json"}
    limit = node.settings.max_body_bytes
    huge = b'{"title": "' + b"x" * limit + b'", "summary": "s"}'
    before = snapshot(node)
    for method, url in _routes(ng_case):
        answer = client.request(method, url, content=huge, headers=headers)
        assert answer.status_code == 413
        assert answer.json()["error"]["where"] == "body"
    assert snapshot(node) == before


def test_a_compressed_document_is_kept_as_sent_never_unpacked(
    client: TestClient, node: Node, people: People, creds: dict[str, Credentials],
    ng_case: CaseFixture,
) -> None:  # fmt: skip
    for who, name, why in (
        (people.officer, "mark-ready", ""),
        (people.supervisor, "send", ""),
        (people.officer, "acknowledge", "received"),
        (people.officer, "request-additional-information", "Which accounts?"),
    ):
        requests.apply_transition(node, who, ng_case.request, name, why=why)
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100 * 1024  # over 600 times smaller than what it inflates to
    client.cookies.set(SESSION_COOKIE, creds["officer"].session)
    moved = client.post(
        f"/requests/{ng_case.request}/move",
        headers={"HX-Request": "true"},
        data={"csrf": creds["officer"].csrf, "transition": "provide-additional-information",
              "why": "The bank's export."},
        files={"files": ("../../../etc/cron.d/statement.csv.gz", bomb, "application/gzip")},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text[:300]
    sha = hashlib.sha256(bomb).hexdigest()
    kept = node.settings.data_dir / DOCUMENTS_DIR / sha[:2] / sha
    assert kept.read_bytes() == bomb
    stored = [p for p in (node.settings.data_dir / DOCUMENTS_DIR).rglob("*") if p.is_file()]
    assert stored == [kept]
    got = client.get(f"/requests/{ng_case.request}/documents/{sha}")
    assert got.status_code == 200 and got.content == bomb
    assert got.headers["content-disposition"].startswith('attachment; filename="statement.csv.gz"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in got.headers
