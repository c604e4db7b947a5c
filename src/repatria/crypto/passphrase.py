"""Where the passphrase that encrypts the node's private keys comes from.

ASVS 5.0 V13.3.1 wants secrets kept out of source and config files. The operator should
set ``REPATRIA_KEY_PASSPHRASE`` (from a secrets manager or the service's environment).
When it is absent we do not refuse to start, because a node that cannot start cannot
record anything; instead a random passphrase is generated once into ``keys/passphrase``
(mode 0600, inside the 0700 ``keys/`` directory) and a warning says so every time it is
used. That file gives encryption at rest against a copied database or a stray backup of
the key files alone, not against someone who can read the whole data directory: docs/keys.md
says so. The passphrase itself is never logged or printed.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from repatria.errors import InvalidInput

PASSPHRASE_FILE = "passphrase"  # nosec B105  # the file's name inside keys/, not a passphrase
MIN_LENGTH = 16
"""Shortest passphrase accepted from the environment, in characters."""

_log = logging.getLogger(__name__)  # stderr even when no entry point configured logs
_warned: set[Path] = set()
"""Files already warned about in this process: once per process is loud enough."""


def resolve_passphrase(configured: str | None, keys_dir: Path) -> bytes:
    """Return the key passphrase: the configured one, else the generated file's, created once."""
    if configured is not None:
        if len(configured) < MIN_LENGTH:
            raise InvalidInput(
                f"REPATRIA_KEY_PASSPHRASE has {len(configured)} characters, want at least "
                f"{MIN_LENGTH}",
                where="key_passphrase",
            )
        return configured.encode("utf-8")
    path = keys_dir / PASSPHRASE_FILE
    if not path.exists():
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_secret(path, secrets.token_urlsafe(32))
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise InvalidInput(
            f"{path} has mode {mode:04o}; want 0600 (only the node's user may read it)",
            where="key_passphrase",
        )
    if path not in _warned:
        _warned.add(path)
        _log.warning(
            "WARNING: key passphrase read from %s, next to the keys it protects; "
            "set REPATRIA_KEY_PASSPHRASE (docs/keys.md)",
            path,
        )
    return path.read_text(encoding="ascii").strip().encode("utf-8")


def _write_secret(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value.encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
