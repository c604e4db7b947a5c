"""Grounds on which a requested state may refuse assistance.

UNCAC Art. 46(21) lists the only grounds; 46(23) requires reasons for any
refusal; 46(8) forbids refusal on the ground of bank secrecy and 46(22) on the
sole ground that the offence involves fiscal matters. A refusal that names no
ground, or only a forbidden one, is refused itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from repatria.errors import InvalidInput


class RefusalGround(StrEnum):
    NOT_IN_CONFORMITY = "not-in-conformity"
    ESSENTIAL_INTERESTS = "essential-interests"
    DOMESTIC_LAW_PROHIBITS = "domestic-law-prohibits"
    CONTRARY_TO_LEGAL_SYSTEM = "contrary-to-legal-system"


GROUND_ARTICLES: dict[RefusalGround, str] = {
    RefusalGround.NOT_IN_CONFORMITY: "UNCAC 46(21)(a)",
    RefusalGround.ESSENTIAL_INTERESTS: "UNCAC 46(21)(b)",
    RefusalGround.DOMESTIC_LAW_PROHIBITS: "UNCAC 46(21)(c)",
    RefusalGround.CONTRARY_TO_LEGAL_SYSTEM: "UNCAC 46(21)(d)",
}

FORBIDDEN_GROUNDS: dict[str, str] = {
    "bank-secrecy": "UNCAC 46(8) forbids refusing assistance on the ground of bank secrecy",
    "fiscal-matters": (
        "UNCAC 46(22) forbids refusing solely because the offence involves fiscal matters"
    ),
}


def parse_refusal_grounds(values: Iterable[str], *, where: str = "grounds") -> list[RefusalGround]:
    """Parse the grounds given for a refusal; at least one permitted ground is needed."""
    grounds: list[RefusalGround] = []
    for i, raw in enumerate(values):
        value = raw.strip().lower()
        if value in FORBIDDEN_GROUNDS:
            raise InvalidInput(FORBIDDEN_GROUNDS[value], where=f"{where}[{i}]")
        try:
            ground = RefusalGround(value)
        except ValueError:
            accepted = ", ".join(g.value for g in RefusalGround)
            raise InvalidInput(
                f"unknown refusal ground {raw!r}; UNCAC 46(21) allows only: {accepted}",
                where=f"{where}[{i}]",
            ) from None
        if ground not in grounds:
            grounds.append(ground)
    if not grounds:
        raise InvalidInput(
            "a refusal must name at least one ground of UNCAC 46(21)(a)-(d)", where=where
        )
    return grounds
