"""Operator logs carry no secret and no forged line (reliability.md R19, OWASP ASVS 5.0 V16.4.1).

The web server's own records are checked through a real uvicorn server on loopback, with the
settings ``repatria serve`` gives it: an exception whose text holds a planted secret reaches the
server after the node has answered 500, and only its class and frames may be written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
import structlog
import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from repatria.logs import ServerRecords, configure, escape_controls, server_log_config
from repatria.service.node import Node
from repatria.web.app import create_app
from tests.ledger.served import free_port
from tests.waiting import wait_until

PLANTED = "planted-Secret-7f3a9c"


@pytest.fixture(autouse=True)
def default_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()


@pytest.mark.parametrize(
    "field", ["password", "key_passphrase", "bearer_token", "client_secret", "credential"]
)
def test_a_field_named_for_a_secret_is_blanked(
    capsys: pytest.CaptureFixture[str], field: str
) -> None:
    configure("console")
    structlog.get_logger("test").warning("signing in", **{field: PLANTED})
    written = capsys.readouterr().err
    assert "signing in" in written
    assert PLANTED not in written
    assert f"{field}=[redacted]" in written


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_control_characters_from_outside_are_written_escaped(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    configure(log_format)
    forged = "peer said no\r\n2026-12-03 [info] admin signed in\x1b[2J\u202etxt.exe"
    structlog.get_logger("test").warning("delivery.waiting", reason=forged)
    written = capsys.readouterr().err
    assert written.count("\n") == 1, written  # one record, one line
    for raw in ("\r", "\x1b", "\u202e"):
        assert raw not in written
    assert "\\x0d\\x0a" in written.replace("\\\\", "\\")
    assert "\\u202e" in written.replace("\\\\", "\\")


def test_escape_controls_leaves_ordinary_text_alone() -> None:
    event = {"event": "ok", "who": "Adaeze Okafor – Abuja", "count": 3}
    assert escape_controls(None, "info", dict(event)) == event


def test_a_server_record_keeps_the_frames_but_not_the_text_of_an_exception() -> None:
    try:
        raise RuntimeError(f"INSERT failed for password {PLANTED}")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in %s\n", ("ASGI",), None
        )
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert ServerRecords().filter(record)
    text = logging.Formatter().format(record)
    assert PLANTED not in text
    assert "Exception in ASGI\\x0a: RuntimeError (its text is not logged)" in text
    assert "test_a_server_record_keeps_the_frames" in text  # the frame, for the operator


@pytest.mark.process
def test_the_served_node_logs_no_text_of_an_unexpected_error(
    node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    """A route that fails with a secret in its exception text, on a real uvicorn server."""
    app: FastAPI = create_app(node.settings)

    def fails() -> None:
        raise ValueError(f"the account's password is {PLANTED}")

    app.add_api_route("/api/fails-for-the-test", fails)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            log_config=server_log_config(LOGGING_CONFIG),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, what="the test server to start")
        answer = httpx.get(f"http://127.0.0.1:{port}/api/fails-for-the-test", timeout=30)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert answer.status_code == 500
    assert PLANTED not in answer.text
    assert answer.json()["error"]["correlation_id"]
    written = capsys.readouterr()
    log = written.err + written.out
    assert "ValueError (its text is not logged)" in log, log
    assert PLANTED not in log
