"""Accounts, passwords and credentials.

Passwords are hashed with Argon2id (argon2-cffi's defaults follow RFC 9106's
recommended parameters). Bearer tokens and UI sessions are random 256-bit
secrets; the node stores only their SHA-256, so a copy of the database does
not let anyone log in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from repatria.domain.access import Action, Role, parse_roles
from repatria.domain.event import EventKind
from repatria.domain.text import check_shown_text
from repatria.errors import AuthenticationRequired, Conflict, InvalidInput, PermissionDenied
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.sign_in_guard import record_failure, refuse_if_paused
from repatria.store.base import utcnow
from repatria.store.tables import CredentialRow, UserRow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that timing does not tell
    which usernames are real.

    Made on the first log-in rather than at import: an Argon2 hash costs a third of a second on
    purpose, and every ``repatria`` command imports this module (issue 11, point 7).
    """
    return _hasher.hash("repatria-timing-equaliser")


@dataclass(frozen=True, slots=True)
class Credential:
    """A freshly issued secret: shown once, never stored in clear."""

    secret: str
    expires_at: datetime
    csrf_token: str | None = None


def _actor(row: UserRow) -> Actor:
    return Actor(row.id, row.username, row.display_name, frozenset(Role(r) for r in row.roles))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_user(
    node: Node,
    actor: Actor | None,
    *,
    username: str,
    password: str,
    roles: list[str],
    display_name: str | None = None,
) -> Actor:
    """Create an account. Only a node administrator may, except the very first one."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput(
            "2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            where="username",
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"at least {MIN_PASSWORD} characters", where="password")
    parsed = parse_roles(roles)
    if display_name is not None:
        check_shown_text(display_name, where="display_name")  # issue 13.7
    if actor is not None:
        authorize(
            node, actor, Action.USER_MANAGE, refusal="only a node administrator may create accounts"
        )
    with node.transaction() as session:
        has_users = session.scalar(select(UserRow.id).limit(1)) is not None
        if has_users and actor is None:
            raise PermissionDenied("only a node administrator may create accounts")
        if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
            raise Conflict(f"user {name!r} already exists", where="username")
        row = UserRow(
            username=name,
            display_name=(display_name or name).strip()[:200],
            password_hash=_hasher.hash(password),
            roles=sorted(r.value for r in parsed),
            active=True,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor=actor.username if actor else "system",
            action=EventKind.USER_CREATED,
            why="account created",
            details={"username": name, "roles": row.roles},
        )
        return _actor(row)


@dataclass(frozen=True, slots=True)
class UserView:
    """An account as an administrator sees it: never its password hash or credentials."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "roles": list(self.roles),
            "active": self.active,
        }


def list_users(node: Node, actor: Actor) -> list[UserView]:
    authorize(
        node, actor, Action.USER_MANAGE, refusal="only a node administrator may list accounts"
    )
    with node.transaction() as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        return [UserView(r.username, r.display_name, tuple(r.roles), r.active) for r in rows]


def set_user_active(node: Node, actor: Actor, username: str, *, active: bool, why: str) -> None:
    """Disable (or re-enable) an account; a disabled account's credentials stop at once."""
    authorize(
        node, actor, Action.USER_MANAGE, refusal="only a node administrator may disable accounts"
    )
    with node.transaction() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise InvalidInput(f"no user {username!r}", where="username")
        row.active = active
        record_event(
            session,
            actor=actor.username,
            action=EventKind.USER_ENABLED if active else EventKind.USER_DISABLED,
            why=why,
            details={"username": username},
        )


def authenticate_password(
    node: Node, username: str, password: str, *, source: str = "local"
) -> Actor:
    """Check a username and password; the same error whatever was wrong.

    ``source`` is where the attempt comes from (the client address, or ``local`` for the
    CLI). Failures are counted and logged, and repeated ones pause sign-in for the account
    and the source (``sign_in_guard``; ASVS V2.2.1).
    """
    name = username.strip().lower()
    refuse_if_paused(node, name, source)
    with node.transaction() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == name))
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            row = None
        if row is not None and row.active:
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return _actor(row)
    record_failure(node, name, source)
    raise AuthenticationRequired("wrong username or password")


def issue_credential(
    node: Node, actor: Actor, *, kind: str, lifetime: timedelta, name: str = ""
) -> Credential:
    """Issue a bearer token (``api``) or a UI session (``session``)."""
    if kind not in ("api", "session"):
        raise InvalidInput("kind must be 'api' or 'session'", where="kind")
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    expires = utcnow() + lifetime
    with node.transaction() as session:
        session.add(
            CredentialRow(
                user_id=actor.user_id,
                kind=kind,
                secret_hash=_digest(secret),
                name=name[:200],
                csrf_token=csrf,
                expires_at=expires,
            )
        )
        record_event(
            session,
            actor=actor.username,
            action=EventKind.credential_issued(kind),
            why=name or kind,
            details={"expires_at": expires.isoformat()},
        )
    return Credential(secret, expires, csrf)


def resolve_credential(node: Node, secret: str, *, kind: str) -> tuple[Actor, str | None]:
    """Return the actor behind a live credential and, for sessions, its CSRF token."""
    if not secret:
        raise AuthenticationRequired("credentials are required")
    with node.transaction() as session:
        row = session.scalar(
            select(CredentialRow).where(
                CredentialRow.secret_hash == _digest(secret), CredentialRow.kind == kind
            )
        )
        if (
            row is None
            or row.revoked_at is not None
            or row.expires_at <= utcnow()
            or not row.user.active
        ):
            raise AuthenticationRequired("the credentials are invalid or have expired")
        return _actor(row.user), row.csrf_token


def revoke_credential(node: Node, secret: str) -> None:
    with node.transaction() as session:
        row = session.scalar(
            select(CredentialRow).where(CredentialRow.secret_hash == _digest(secret))
        )
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
            record_event(
                session,
                actor=row.user.username,
                action=EventKind.credential_revoked(row.kind),
                why="signed out",
                details={},
            )


def find_user(node: Node, username: str) -> Actor:
    with node.transaction() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        if row is None:
            raise InvalidInput(f"no user {username!r}", where="username")
        return _actor(row)
