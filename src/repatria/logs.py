"""Operator logs (structlog), with secrets redacted before anything is written.

Logs are for operators; the record of who did what is the ``events`` table
and the ledger, never a log line (style.md principle 14). A processor blanks
any field whose name says it holds a secret, so a password or token passed by
mistake never reaches a file.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_FIELDS = ("password", "token", "secret", "private_key", "cookie", "authorization")


def redact_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    for key in list(event):
        if any(marker in key.lower() for marker in SECRET_FIELDS):
            event[key] = "[redacted]"
    return event


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
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
