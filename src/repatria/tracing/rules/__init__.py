"""The tracing rules, by name, each with its legal source.

========================  =============================================================
rule                      source
========================  =============================================================
``fifo``                  Clayton's case, *Devaynes v Noble* (1816) 1 Mer 572
``lifo``                  last in, first out (the mirror convention)
``proportional``          pro rata, *Barlow Clowes v Vaughan* [1992] 4 All ER 22 (CA)
``clean-first``           *Re Hallett's Estate* (1880) 13 Ch D 696; lowest intermediate
                          balance, *Roscoe v Winder* [1915] 1 Ch 62
``taint-first``           the claimant's election, *Re Oatway* [1903] 2 Ch 356
``poison``                reach only: every account touched is wholly tainted
========================  =============================================================

A rule is a pool class (see ``pool.Pool``); :func:`new_pool` makes one for an account
whose clean balance so far is ``opening``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from repatria.errors import InvalidInput
from repatria.tracing.rules.hallett import CleanFirstPool, TaintFirstPool
from repatria.tracing.rules.ordered import FifoPool, LifoPool
from repatria.tracing.rules.poison import PoisonPool
from repatria.tracing.rules.pool import Pool
from repatria.tracing.rules.proportional import ProportionalPool

__all__ = ["RULES", "Pool", "Rule", "RuleInfo", "new_pool", "parse_rule"]


class Rule(StrEnum):
    """A tracing rule, by its wire name."""

    FIFO = "fifo"
    LIFO = "lifo"
    PROPORTIONAL = "proportional"
    CLEAN_FIRST = "clean-first"
    TAINT_FIRST = "taint-first"
    POISON = "poison"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule is called in court, where it comes from, and whether taint is conserved."""

    rule: Rule
    title: str
    source: str
    conserves_taint: bool


RULES: dict[Rule, RuleInfo] = {
    Rule.FIFO: RuleInfo(
        Rule.FIFO,
        "first in, first out (Clayton's case)",
        "Devaynes v Noble, Clayton's Case (1816) 1 Mer 572",
        True,
    ),
    Rule.LIFO: RuleInfo(Rule.LIFO, "last in, first out", "mirror of Clayton's case", True),
    Rule.PROPORTIONAL: RuleInfo(
        Rule.PROPORTIONAL,
        "pro rata (rolling charge)",
        "Barlow Clowes International Ltd v Vaughan [1992] 4 All ER 22 (CA)",
        True,
    ),
    Rule.CLEAN_FIRST: RuleInfo(
        Rule.CLEAN_FIRST,
        "own money spent first; lowest intermediate balance",
        "Re Hallett's Estate (1880) 13 Ch D 696; James Roscoe (Bolton) Ltd v Winder [1915] 1 Ch 62",
        True,
    ),
    Rule.TAINT_FIRST: RuleInfo(
        Rule.TAINT_FIRST,
        "tainted money spent first (claimant's election)",
        "Re Oatway [1903] 2 Ch 356",
        True,
    ),
    Rule.POISON: RuleInfo(
        Rule.POISON,
        "poison: any account touched is wholly tainted (reach only)",
        "investigative reach, UNCAC art. 31 and 54(2)",
        False,
    ),
}

_POOLS: dict[Rule, Callable[[int], Pool]] = {
    Rule.FIFO: FifoPool,
    Rule.LIFO: LifoPool,
    Rule.PROPORTIONAL: ProportionalPool,
    Rule.CLEAN_FIRST: CleanFirstPool,
    Rule.TAINT_FIRST: TaintFirstPool,
    Rule.POISON: PoisonPool,
}


def parse_rule(value: object, *, where: str = "rule") -> Rule:
    """The rule named ``value`` (e.g. ``"fifo"``), or an error listing the accepted names."""
    if isinstance(value, Rule):
        return value
    raw = value.strip().lower().replace("_", "-") if isinstance(value, str) else ""
    try:
        return Rule(raw)
    except ValueError:
        accepted = ", ".join(r.value for r in Rule)
        raise InvalidInput(
            f"unknown tracing rule {value!r}; expected one of {accepted}", where=where
        ) from None


def new_pool(rule: Rule, opening: int = 0) -> Pool:
    """A pool for ``rule`` holding ``opening`` clean cents."""
    return _POOLS[rule](opening)
