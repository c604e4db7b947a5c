"""Pro rata ("rolling charge", "haircut"): every withdrawal is tainted in proportion.

Each payment out carries taint in the proportion the pool holds at that moment, so every
contributor to a mixed fund shares in each withdrawal. *Barlow Clowes International Ltd v
Vaughan* [1992] 4 All ER 22 (CA) set aside Clayton's case between innocent investors in
favour of pro rata sharing; the Ontario Court of Appeal did the same in *Law Society of
Upper Canada v Toronto-Dominion Bank* (1998) 42 OR (3d) 257. Rounding is to the cent,
half up, on what is left (``pool.share``), so a pool drained to zero gives back all its taint.
"""

from __future__ import annotations

from repatria.tracing.rules.pool import share

__all__ = ["ProportionalPool"]


class ProportionalPool:
    """A pool that is one mixture: tainted cents out of total cents."""

    __slots__ = ("_balance", "_tainted")

    def __init__(self, opening: int = 0) -> None:
        self._balance = max(opening, 0)
        self._tainted = 0

    @property
    def balance(self) -> int:
        return self._balance

    @property
    def tainted(self) -> int:
        return self._tainted

    def deposit(self, cents: int, tainted: int) -> None:
        self._balance += cents
        self._tainted += tainted

    def withdraw(self, cents: int) -> int:
        take = min(cents, self._balance)
        if take == 0:
            return 0
        part = share(take, self._tainted, self._balance)
        self._balance -= take
        self._tainted -= part
        return part
