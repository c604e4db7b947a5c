"""Clean-first and taint-first: the order of spending is chosen by presumption.

**Clean-first, Re Hallett's Estate** (*Re Hallett's Estate, Knatchbull v Hallett* (1880)
13 Ch D 696 (CA), Jessel MR): a trustee who mixes trust money with his own is presumed to
spend his own money first, since he is presumed to act honestly. Withdrawals therefore
take clean money before tainted money. The consequence is the **lowest intermediate
balance rule** (*James Roscoe (Bolton) Ltd v Winder* [1915] 1 Ch 62): the taint left in
an account can never exceed the lowest balance the account fell to after the taint came
in, because later clean deposits are not presumed to repay the trust (and here they never
do: a clean deposit only adds clean money).

**Taint-first**: withdrawals take tainted money before clean money. This is the other
presumption, the one a claimant may ask for where the wrongdoer's withdrawals bought
assets that are still traceable (*Re Oatway* [1903] 2 Ch 356: the beneficiary may claim
the first withdrawal's investment when the rest of the fund was dissipated; *Foskett v
McKeown* [2001] 1 AC 102 on the claimant's election). It follows taint furthest from the
account, so it gives the most tainted outflows and the least tainted balances.
"""

from __future__ import annotations

__all__ = ["CleanFirstPool", "TaintFirstPool"]


class _TwoPartPool:
    __slots__ = ("_clean", "_tainted")

    def __init__(self, opening: int = 0) -> None:
        self._clean = max(opening, 0)
        self._tainted = 0

    @property
    def balance(self) -> int:
        return self._clean + self._tainted

    @property
    def tainted(self) -> int:
        return self._tainted

    def deposit(self, cents: int, tainted: int) -> None:
        self._tainted += tainted
        self._clean += cents - tainted


class CleanFirstPool(_TwoPartPool):
    """Own (clean) money is spent first: Re Hallett's Estate, lowest intermediate balance."""

    __slots__ = ()

    def withdraw(self, cents: int) -> int:
        from_clean = min(cents, self._clean)
        self._clean -= from_clean
        from_tainted = min(cents - from_clean, self._tainted)
        self._tainted -= from_tainted
        return from_tainted


class TaintFirstPool(_TwoPartPool):
    """Tainted money is spent first (the claimant's election, Re Oatway)."""

    __slots__ = ()

    def withdraw(self, cents: int) -> int:
        from_tainted = min(cents, self._tainted)
        self._tainted -= from_tainted
        self._clean -= min(cents - from_tainted, self._clean)
        return from_tainted
