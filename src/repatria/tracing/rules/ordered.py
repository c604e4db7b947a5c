"""FIFO and LIFO: the pool is a queue (or a stack) of deposits.

**FIFO, the rule in Clayton's case** (*Devaynes v Noble, Clayton's Case* (1816) 1 Mer 572):
in a running account, the first sum paid in is the first drawn out. English courts applied
it to mixed trust funds in bank accounts (*Re Hallett's Estate* (1880) 13 Ch D 696 kept it
between beneficiaries), though later cases treat it as a rule of convenience that yields
where it is unjust (*Barlow Clowes International v Vaughan* [1992] 4 All ER 22 (CA);
*Russell-Cooke Trust Co v Prentis* [2002] EWHC 2227 (Ch)).

**LIFO**: the last sum paid in is the first drawn out, the mirror convention; some
jurisdictions and forensic accountants use it, and it is the natural reading of a stack of
deposits when the latest money is the most identifiable.

Each deposit keeps its own tainted share. A withdrawal drains whole deposits from the
front (FIFO) or the back (LIFO); within one deposit the money is mixed, so a partial draw
takes taint in proportion (``pool.share``). Adjacent deposits that are wholly clean, or
wholly tainted, are merged: that changes no result and keeps clean accounts at one entry.
"""

from __future__ import annotations

from collections import deque

from repatria.tracing.rules.pool import share

__all__ = ["FifoPool", "LifoPool"]


class _DepositQueue:
    __slots__ = ("_balance", "_deposits", "_tainted")

    def __init__(self, opening: int = 0) -> None:
        # Each entry is [tainted cents, total cents] of one deposit (or of merged pure ones).
        self._deposits: deque[list[int]] = deque()
        self._balance = 0
        self._tainted = 0
        if opening > 0:
            self.deposit(opening, 0)

    @property
    def balance(self) -> int:
        return self._balance

    @property
    def tainted(self) -> int:
        return self._tainted

    def deposit(self, cents: int, tainted: int) -> None:
        self._balance += cents
        self._tainted += tainted
        if self._deposits:
            last = self._deposits[-1]
            pure_clean = tainted == 0 and last[0] == 0
            pure_tainted = tainted == cents and last[0] == last[1]
            if pure_clean or pure_tainted:
                last[0] += tainted
                last[1] += cents
                return
        self._deposits.append([tainted, cents])

    def _take(self, cents: int, from_front: bool) -> int:
        need = min(cents, self._balance)
        taken_taint = 0
        deposits = self._deposits
        while need > 0:
            entry = deposits[0] if from_front else deposits[-1]
            t, total = entry
            if total <= need:
                taken_taint += t
                need -= total
                if from_front:
                    deposits.popleft()
                else:
                    deposits.pop()
            else:
                part = share(need, t, total)
                taken_taint += part
                entry[0] = t - part
                entry[1] = total - need
                need = 0
        self._balance -= min(cents, self._balance)
        self._tainted -= taken_taint
        return taken_taint


class FifoPool(_DepositQueue):
    """First in, first out (Clayton's case)."""

    __slots__ = ()

    def withdraw(self, cents: int) -> int:
        return self._take(cents, True)


class LifoPool(_DepositQueue):
    """Last in, first out."""

    __slots__ = ()

    def withdraw(self, cents: int) -> int:
        return self._take(cents, False)
