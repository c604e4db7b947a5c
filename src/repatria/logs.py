"""Operator logs (structlog), with secrets redacted before anything is written.

Logs are for operators; the record of who did what is the ``events`` table
and the ledger, never a log line (style.md principle 14). A processor blanks
any field whose name says it holds a secret, so a password or token passed by
mistake never reaches a file, and a second escapes control characters in every value, so
text that came from outside (a peer's answer, a path) cannot forge a line or colour a terminal
(reliability.md R19; OWASP ASVS 5.0 V16.4.1, log injection).
"""

from __future__ import annotations

import copy
import logging
import re
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_FIELDS = (
    "password",
    "passphrase",
    "token",
    "secret",
    "private_key",
    "credential",
    "cookie",
    "authorization",
)
"""A field whose name contains one of these is blanked, whatever its value."""

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (CR, LF, ESC among them), DEL and the bidirectional marks that reorder
what a terminal shows (Unicode UAX #9)."""


def redact_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    for key in list(event):
        if any(marker in key.lower() for marker in SECRET_FIELDS):
            event[key] = "[redacted]"
    return event


def escape_controls(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    """Write each control character of a text value as a ``\\xNN``/``\\uNNNN`` escape."""
    for key, value in event.items():
        if isinstance(value, str) and _CONTROLS.search(value):
            event[key] = _CONTROLS.sub(_escaped, value)
    return event


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    """Set up logging for an entry point (CLI or server); libraries never call this."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            escape_controls,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


class ServerRecords(logging.Filter):
    """The web server's own records, made safe before its handler writes them.

    Starlette hands every unhandled exception back to the server after our handler has
    answered 500, and uvicorn logs it with its text. That text can carry case content or a
    secret (a database error quotes the values it was given), so only the class and the frames
    (file, line, function) are written, and control characters are escaped (R19).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = _CONTROLS.sub(_escaped, record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, frames = record.exc_info
            message += f": {kind.__name__} (its text is not logged)\n" + "".join(
                traceback.format_tb(frames)
            ).rstrip("\n")
            record.exc_info = None
            record.exc_text = None
        record.msg = message
        record.args = None
        return True


def server_log_config(base: dict[str, Any]) -> dict[str, Any]:
    """A copy of the server's ``dictConfig`` settings with ``ServerRecords`` on every handler."""
    config = copy.deepcopy(base)
    config["filters"] = {"server_records": {"()": ServerRecords}}
    for handler in config["handlers"].values():
        handler["filters"] = ["server_records"]
    return config


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
