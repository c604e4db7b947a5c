"""The question the engine answers: who asks whom, for what, about which offence, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from repatria.domain.jurisdiction import Jurisdiction, parse_jurisdiction
from repatria.domain.measure import Measure, parse_measure
from repatria.errors import InvalidInput
from repatria.law.dates import parse_date
from repatria.law.offences import Offence, parse_offence


@dataclass(frozen=True, slots=True)
class Question:
    """A parsed, valid question; build it with ``Question.ask``."""

    requesting: Jurisdiction
    requested: Jurisdiction
    measure: Measure
    offence: Offence | None
    on: date

    @classmethod
    def ask(
        cls,
        requesting: object,
        requested: object,
        measure: object,
        offence: object = None,
        on: object = None,
    ) -> Question:
        """Parse every part at the boundary; without a date the date is today."""
        asking = _jurisdiction(requesting, "requesting")
        asked = _jurisdiction(requested, "requested")
        if asking.code == asked.code:
            raise InvalidInput(
                f"requesting and requested state are both {asking.code}; mutual legal "
                "assistance needs two different states",
                where="requested",
            )
        return cls(
            requesting=asking,
            requested=asked,
            measure=measure if isinstance(measure, Measure) else parse_measure(str(measure)),
            offence=None if offence is None else parse_offence(offence),
            on=date.today() if on is None else parse_date(on, where="date"),
        )


def _jurisdiction(value: object, where: str) -> Jurisdiction:
    if isinstance(value, Jurisdiction):
        return value
    return parse_jurisdiction(value, where=where)
