"""Waiting for a condition with a deadline, the one way a test waits.

A test that sleeps a fixed time assumes how fast the machine is: too short on a loaded
machine (the test fails), too long on a quiet one (the suite is slow). Every wait in the
suite polls a predicate instead, with a generous deadline, and fails naming what it waited
for and, when given, the state it found last.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

# Generous on purpose: a deadline is there to end a hung test, not to measure speed; on a
# 2-core machine at load average 5 a node process takes several seconds to answer.
DEFAULT_TIMEOUT = 60.0

# How often to look again. Polling is not a fixed wait: the loop ends as soon as the condition
# holds, whatever the machine's speed.
POLL = 0.05


def wait_until(
    predicate: Callable[[], T | None],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    describe: Callable[[], str] | None = None,
    interval: float = POLL,
) -> T:
    """Poll ``predicate`` until it returns something truthy and return that.

    Fails with ``AssertionError`` after ``timeout`` seconds, saying ``what`` was awaited and
    (``describe``) the state found last. The predicate is tried once more at the deadline, so
    a condition that holds by then is never reported as missed.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            state = f"; last state: {describe()}" if describe is not None else ""
            raise AssertionError(f"waited {timeout:.0f} s for {what}{state}")
        time.sleep(interval)


def wait_for_a_later_second(than: datetime) -> None:
    """Wait until the UTC clock reads a whole second later than ``than``.

    Times on the wire are whole seconds (RFC 3339 without fractions), so two events are told
    apart by their times only in different seconds; waiting for the clock to pass says so,
    where a fixed one-second sleep would only hope so.
    """
    second = than.astimezone(UTC).replace(microsecond=0)
    wait_until(
        lambda: datetime.now(UTC).replace(microsecond=0) > second,
        what=f"the clock to pass {second.isoformat()}",
        timeout=10,
        interval=0.01,
    )
