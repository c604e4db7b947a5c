"""Throttled sign-in: repeated failures pause an account and a source, and leave a trace.

Guessing passwords must be slow and visible (OWASP ASVS V2.2.1; NIST SP 800-63B §5.2.2, "rate
limiting"). Failures are counted in a moving window per account and per source address with
the ``limits`` library; past the limit, sign-in is paused for that account (or source) until
the oldest failure leaves the window, whatever password is then given, so a pause cannot be
used to test passwords. Every failure and every pause is an event on the log, and a pause
raises an alarm the node administrator sees (``repatria ledger alarms``).

The counts live in the serving process's memory: a restart forgets them (the events remain).
"""

from __future__ import annotations

import math
import time
import weakref

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from repatria.domain.event import EventKind
from repatria.errors import TooManyAttempts
from repatria.service.events import record_event
from repatria.service.ledger.alarms import add_alarm_once
from repatria.service.node import Node

PAUSED_ALARM = "sign-in-paused"
_GUARDS: weakref.WeakKeyDictionary[Node, SignInGuard] = weakref.WeakKeyDictionary()


class SignInGuard:
    """The failure counts of one node, per account and per source."""

    def __init__(self, node: Node) -> None:
        settings = node.settings
        window = settings.sign_in_window_minutes
        self.per_account = RateLimitItemPerMinute(settings.sign_in_failures_per_account, window)
        self.per_source = RateLimitItemPerMinute(settings.sign_in_failures_per_source, window)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _limits(self, username: str, source: str) -> list[tuple[RateLimitItemPerMinute, str]]:
        return [(self.per_account, f"account:{username}"), (self.per_source, f"source:{source}")]

    def paused_for(self, username: str, source: str) -> int:
        """Seconds until sign-in may be tried again for this account from this source (0: now)."""
        wait = 0.0
        for item, key in self._limits(username, source):
            if not self.limiter.test(item, key):
                reset = self.limiter.get_window_stats(item, key).reset_time
                wait = max(wait, reset - time.time())
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, username: str, source: str) -> None:
        for item, key in self._limits(username, source):
            self.limiter.hit(item, key)


def guard_of(node: Node) -> SignInGuard:
    guard = _GUARDS.get(node)
    if guard is None:
        guard = _GUARDS[node] = SignInGuard(node)
    return guard


def refuse_if_paused(node: Node, username: str, source: str) -> None:
    """Refuse at once (no password is checked) while the account or the source is paused."""
    wait = guard_of(node).paused_for(username, source)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyAttempts(
            f"too many failed sign-ins; sign-in is paused, try again in {minutes} minute(s)"
            " or ask the node administrator",
            retry_after=wait,
        )


def record_failure(node: Node, username: str, source: str) -> None:
    """Count one failure and log it; when it pauses sign-in, log that and tell the admin."""
    guard = guard_of(node)
    guard.failed(username, source)
    paused = guard.paused_for(username, source)
    shown = username[:64]
    with node.transaction() as session:
        record_event(session, actor=f"sign-in:{source}"[:100], action=EventKind.SIGN_IN_FAILED,
                     why=f"wrong username or password for {shown!r}",
                     details={"username": shown, "source": source})  # fmt: skip
        if paused:
            record_event(session, actor=f"sign-in:{source}"[:100],
                         action=EventKind.SIGN_IN_PAUSED,
                         why=f"sign-in paused for {paused} s after repeated failures",
                         details={"username": shown, "source": source, "seconds": paused})  # fmt: skip
            add_alarm_once(
                session, node.config.node_id, PAUSED_ALARM,
                f"sign-in paused after repeated failures for account {shown!r} or source"
                f" {source}; check the sign-in events (user.sign-in-failed)",
            )  # fmt: skip


def record_forged_form(node: Node, username: str, source: str) -> None:
    """Log a sign-in form posted without the token of a form this node served (login CSRF,
    OWASP CSRF Prevention Cheat Sheet, "Login CSRF"). No password was checked, so the
    attempt is not counted towards a pause: a forged form must not lock the victim out."""
    shown = username[:64]
    with node.transaction() as session:
        record_event(session, actor=f"sign-in:{source}"[:100], action=EventKind.SIGN_IN_FAILED,
                     why=f"sign-in form for {shown!r} refused: not a form this node served",
                     details={"username": shown, "source": source, "reason": "csrf"})  # fmt: skip
