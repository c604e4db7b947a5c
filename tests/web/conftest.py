from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from repatria.service import users
from repatria.service.node import Node
from tests.conftest import People


@dataclass
class Credentials:
    token: str
    session: str
    csrf: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def credentials_for(node: Node, people: People, name: str) -> Credentials:
    actor = people.by_name(name)
    token = users.issue_credential(node, actor, kind="api", lifetime=timedelta(hours=1))
    session = users.issue_credential(node, actor, kind="session", lifetime=timedelta(hours=1))
    return Credentials(token.secret, session.secret, session.csrf_token or "")


@pytest.fixture
def creds(node: Node, people: People) -> dict[str, Credentials]:
    names = ("supervisor", "officer", "reviewer", "auditor", "outsider", "admin")
    return {name: credentials_for(node, people, name) for name in names}
