"""Shared fixtures: a node on SQLite or PostgreSQL, and the people who use it.

Fixture strategy (pick the smallest that has what the test needs):
- ``settings``: a data directory and a database, nothing in it;
- ``node``: an initialised Nigerian node, no users;
- ``people``: the node plus one user per role (and an ``outsider`` officer);
- ``ng_case``: people plus a case (supervisor and officer assigned) with one
  entity and one outgoing draft request.

The database is SQLite unless ``REPATRIA_TEST_DATABASE_URL`` names a
PostgreSQL database. Every test that reaches ``settings`` (through ``pg_engine``) is marked
``db`` at collection (``tests/markers.py``); ``.ci/run`` runs the whole suite on SQLite and the
``db`` tests again on PostgreSQL. A test that starts a process or a server must be marked
``process``; collection fails it otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, select, text

from repatria.service import cases, drafting, entities, requests, users
from repatria.service.actor import Actor
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import Base
from repatria.store.db import make_engine, migrate
from repatria.web.app import create_app
from tests import markers


def _database_of_this_worker(url: str | None) -> str | None:
    """The PostgreSQL database this test process uses.

    Tests empty every table before they start (``_truncate``), so two pytest-xdist workers
    cannot share one database: each worker gets its own, created once on the same server and
    named after the worker (``repatria_test_gw0``). The URL is put back into the environment,
    so that a node process a test starts uses the same database.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    server = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    mine = given.set(database=name).render_as_string(hide_password=False)
    os.environ["REPATRIA_TEST_DATABASE_URL"] = mine
    return mine


PG_URL = _database_of_this_worker(os.environ.get("REPATRIA_TEST_DATABASE_URL"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    markers.apply(items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    markers.refuse_unmarked(item)


@pytest.fixture(autouse=True)
def fresh_cli_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI keeps ``--data-dir``/``--user`` (or their environment variables) in a module
    global set by the top-level callback; a test that calls a sub-app directly must not
    inherit the node or the user of an earlier test."""
    from repatria.cli.context import STATE

    monkeypatch.setattr(STATE, "data_dir", None)
    monkeypatch.setattr(STATE, "user", None)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id with minimal cost parameters in tests only.

    Production keeps argon2-cffi's RFC 9106 defaults; the tests create
    hundreds of accounts, and the algorithm and checks are the same.
    """
    from argon2 import PasswordHasher

    from repatria.service import users as user_module

    saved = user_module._hasher
    user_module._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    user_module._hasher = saved


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "repatria.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine | None]:
    if not PG_URL:
        yield None
        return
    engine = make_engine(PG_URL)
    migrate(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path, pg_engine: Engine | None) -> Settings:
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    if pg_engine is not None:
        _truncate(pg_engine)
        return Settings(data_dir=data_dir, database_url=PG_URL)
    shutil.copy(sqlite_template, data_dir / "repatria.db")
    return Settings(data_dir=data_dir)


@pytest.fixture
def node(settings: Settings) -> Iterator[Node]:
    init_ng_node(settings)
    opened = open_node(settings)
    yield opened
    opened.close()


def init_ng_node(settings: Settings) -> None:
    """The Nigerian test node the ``node`` fixture opens."""
    init_node(
        settings,
        node_id="ng-test",
        jurisdiction="NG",
        authority="Central Authority of Nigeria (test)",
        languages=["en"],
    )


PASSWORD = "correct horse battery staple"


@dataclass
class People:
    admin: Actor
    supervisor: Actor
    officer: Actor
    reviewer: Actor
    auditor: Actor
    outsider: Actor

    def by_name(self, name: str) -> Actor:
        actor: Actor = getattr(self, name)
        return actor


@pytest.fixture
def people(node: Node) -> People:
    return make_people(node)


def make_people(node: Node) -> People:
    """The six accounts the tests speak of, one per role (and an officer outside the case)."""
    admin = users.create_user(node, None, username="admin", password=PASSWORD, roles=["node-admin"])

    def make(name: str, role: str) -> Actor:
        return users.create_user(node, admin, username=name, password=PASSWORD, roles=[role])

    return People(
        admin=admin,
        supervisor=make("supervisor", "supervisor"),
        officer=make("officer", "case-officer"),
        reviewer=make("reviewer", "privilege-reviewer"),
        auditor=make("auditor", "auditor"),
        outsider=make("outsider", "case-officer"),
    )


@dataclass
class CaseFixture:
    case: str
    request: str
    entity: str


REQUEST_BODY = {
    "requesting_state": "NG",
    "requested_state": "GB",
    "measures": ["records"],
    "title": "Records of account GB29NWBK60161331926819",
    "summary": "Bribe payments reached this account in 2019.",
    "legal_basis": "UNCAC",
    "subjects": ["person-1"],
}


EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"


def complete_document(reference: str, example: str = "records") -> dict[str, Any]:
    """A complete drafted request (the shipped example), dated today, for ``reference``."""
    document: dict[str, Any] = json.loads((EXAMPLES / f"{example}.json").read_text())
    today = date.today()
    document["reference"] = reference
    document["date"] = today.isoformat()
    if "deadline" in document:
        document["deadline"]["date"] = (today + timedelta(days=90)).isoformat()
    if "signature" in document:
        document["signature"]["date"] = today.isoformat()
    return document


@pytest.fixture
def ng_case(node: Node, people: People) -> CaseFixture:
    return make_ng_case(node, people)


def make_ng_case(node: Node, people: People) -> CaseFixture:
    """Delta: a case with the officer, reviewer and auditor on it and a complete draft."""
    case = cases.open_case(node, people.supervisor, {"title": "Delta bribes", "summary": "s"})
    for name in ("officer", "reviewer", "auditor"):
        cases.assign_member(node, people.supervisor, case.reference, name, "needs to know")
    entities.put_entity(
        node,
        people.officer,
        case.reference,
        {"id": "person-1", "schema": "Person", "properties": {"name": ["Ada Obi"]}},
    )
    request = requests.open_request(node, people.officer, case.reference, REQUEST_BODY)
    drafting.save_document(
        node, people.officer, request.reference, complete_document(request.reference)
    )
    return CaseFixture(case.reference, request.reference, "person-1")


def snapshot(node: Node, *, skip: tuple[str, ...] = ("access_decisions", "access_chain")) -> str:
    """A digest of every row of every table, to prove a failed call changed nothing.

    Access decisions (and the head of their chain) are left out: a refused call is recorded
    there on purpose.
    """
    digest = hashlib.sha256()
    with node.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{len(rows)}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    """The node's web app in process (API and pages), server errors as 500 answers."""
    with TestClient(create_app(node.settings, node), raise_server_exceptions=False) as c:
        yield c


def sign_in_form(client: TestClient, username: str, password: str) -> dict[str, str]:
    """The fields of the sign-in form as the node served it: its token, and the cookie the
    node set beside it stays in ``client`` (the login form's CSRF check)."""
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return {"username": username, "password": password, "csrf": token}
