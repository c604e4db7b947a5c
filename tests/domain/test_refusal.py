from __future__ import annotations

import pytest

from repatria.domain.refusal import RefusalGround, parse_refusal_grounds
from repatria.errors import InvalidInput


def test_grounds_of_46_21_are_accepted_once_each() -> None:
    grounds = parse_refusal_grounds(
        ["essential-interests", "ESSENTIAL-INTERESTS", "not-in-conformity"]
    )
    assert grounds == [RefusalGround.ESSENTIAL_INTERESTS, RefusalGround.NOT_IN_CONFORMITY]


@pytest.mark.parametrize(
    ("ground", "article"),
    [("bank-secrecy", r"46\(8\)"), ("fiscal-matters", r"46\(22\)")],
)
def test_forbidden_grounds_are_refused_with_their_article(ground: str, article: str) -> None:
    with pytest.raises(InvalidInput, match=article) as info:
        parse_refusal_grounds(["essential-interests", ground])
    assert info.value.where == "grounds[1]"


def test_a_refusal_needs_a_ground() -> None:
    with pytest.raises(InvalidInput, match=r"at least one ground of UNCAC 46\(21\)"):
        parse_refusal_grounds([])


def test_unknown_ground_lists_the_accepted() -> None:
    with pytest.raises(InvalidInput, match="allows only: not-in-conformity, essential-interests"):
        parse_refusal_grounds(["politics"])
