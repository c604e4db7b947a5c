"""What every tracing rule is: a pool of deposits that outflows draw on.

An account is a pool of the money paid into it, in time order (timestamp, then transaction
id). A payment out of the account takes money from the pool; the rule decides *which*
money, and so how much of the payment is tainted. Money an account spends beyond what the
data shows it received is clean money from outside the data: the pool never goes below
zero, and the excess carries no taint.

Amounts are integer cents throughout, so that the law of conservation (tainted in =
tainted out + tainted balance) holds to the cent. Where a rule splits a withdrawal in
proportion, :func:`share` rounds half up and each later split works on what is left, so
that a deposit drawn down in full always gives back exactly its tainted cents.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Pool", "share"]


class Pool(Protocol):
    """The money held in one account, as a rule sees it."""

    @property
    def balance(self) -> int:
        """All money in the pool, in cents."""
        ...

    @property
    def tainted(self) -> int:
        """The tainted part of :attr:`balance`, in cents."""
        ...

    def deposit(self, cents: int, tainted: int) -> None:
        """Add a payment in of ``cents``, of which ``tainted`` are proceeds."""
        ...

    def withdraw(self, cents: int) -> int:
        """Take a payment out of ``cents`` and return how many of them are tainted."""
        ...


def share(take: int, tainted: int, total: int) -> int:
    """The tainted cents in ``take`` out of ``total`` holding ``tainted``, rounded half up.

    Never more than ``tainted``, and ``take - share`` never more than the clean part, because
    the exact fraction lies between 0 and ``tainted`` and both bounds are whole cents.
    """
    if take >= total:
        return tainted
    return (2 * take * tainted + total) // (2 * total)
