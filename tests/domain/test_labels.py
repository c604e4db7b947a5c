"""Every direction, measure, case status, role and action has words an officer reads."""

from __future__ import annotations

from enum import StrEnum

import pytest

from repatria.domain.access import Action, Role
from repatria.domain.case import CaseStatus
from repatria.domain.labels import (
    ACTION_LABELS,
    CASE_STATUS_LABELS,
    DIRECTION_LABELS,
    MEASURE_LABELS,
    ROLE_LABELS,
)
from repatria.domain.lifecycle import Direction
from repatria.domain.measure import Measure

MAPS: list[tuple[type[StrEnum], dict[object, str]]] = [
    (Direction, DIRECTION_LABELS),  # type: ignore[list-item]
    (Measure, MEASURE_LABELS),  # type: ignore[list-item]
    (CaseStatus, CASE_STATUS_LABELS),  # type: ignore[list-item]
    (Role, ROLE_LABELS),  # type: ignore[list-item]
    (Action, ACTION_LABELS),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("kind", "labels"), MAPS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_value_has_words_that_are_not_its_machine_name(
    kind: type[StrEnum], labels: dict[object, str]
) -> None:
    assert set(labels) == set(kind)
    for value, words in labels.items():
        assert words and words != str(value)
        assert "-" not in words.split("(")[0] and "." not in words, words
    assert len(set(labels.values())) == len(labels), "two values read the same"


def test_directions_say_who_asks() -> None:
    assert DIRECTION_LABELS[Direction.OUTGOING] == "Outgoing (we ask)"
    assert DIRECTION_LABELS[Direction.INCOMING] == "Incoming (we are asked)"
