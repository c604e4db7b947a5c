"""Poison: any account that received tainted money is wholly tainted from then on.

This is a rule of *reach*, not of amounts: it answers "which accounts and payments could
the proceeds have touched", the question an investigator asks before choosing the accounts
to freeze or the banks to ask (UNCAC art. 31(1)-(2) and art. 54(2) on identifying and
freezing proceeds; FATF Recommendation 4 on provisional measures). Every payment out of a
poisoned account counts at its full amount, and the whole balance of a poisoned account is
reported as tainted. Taint is therefore not conserved under this rule: it only grows, and
the reach it reports contains the reach of every other rule.
"""

from __future__ import annotations

__all__ = ["PoisonPool"]


class PoisonPool:
    """A poisoned account: all it holds and all it pays out is tainted."""

    __slots__ = ("_balance",)

    def __init__(self, opening: int = 0) -> None:
        self._balance = max(opening, 0)

    @property
    def balance(self) -> int:
        return self._balance

    @property
    def tainted(self) -> int:
        return self._balance

    def deposit(self, cents: int, tainted: int) -> None:
        self._balance += cents

    def withdraw(self, cents: int) -> int:
        held = self._balance
        self._balance = held - cents if held > cents else 0
        return cents
