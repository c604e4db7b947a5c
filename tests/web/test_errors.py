"""The class-to-status table, row by row, and one error body for all."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from repatria import errors
from repatria.web.errors import STATUS, install

EXPECTED = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.InvalidTransition: 409,
    errors.Conflict: 409,
    errors.PermissionDenied: 403,
    errors.AuthenticationRequired: 401,
    errors.TooManyAttempts: 429,
    errors.VerificationFailed: 422,
    errors.PeerUnavailable: 503,
    errors.HostIncomplete: 503,
}


def test_table_covers_every_error_class() -> None:
    """Every class of ``repatria.errors`` has its row; others inherit their base's status."""
    subclasses = {
        c for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.RepatriaError) and c is not errors.RepatriaError
    }  # fmt: skip
    assert set(STATUS) == subclasses == set(EXPECTED)


@pytest.mark.parametrize(("cls", "status"), sorted(EXPECTED.items(), key=lambda kv: kv[0].__name__))
def test_each_row(cls: type[errors.RepatriaError], status: int) -> None:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise cls("it went wrong", where="field.x")

    response = TestClient(app).get("/boom")
    assert response.status_code == status
    body = response.json()["error"]
    assert body["type"] == cls.kind
    assert body["message"] == "it went wrong" and body["where"] == "field.x"
    assert len(body["correlation_id"]) == 32


def test_unexpected_errors_hide_their_text() -> None:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret case detail")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["error"]["type"] == "internal_error"
