from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.jurisdiction import all_jurisdictions, parse_jurisdiction
from repatria.errors import InvalidInput


def test_known_codes_in_any_case() -> None:
    assert parse_jurisdiction("ng").code == "NG"
    assert parse_jurisdiction(" GB ").name == "United Kingdom"


@pytest.mark.parametrize(
    ("value", "hint"),
    [("UK", "did you mean GB"), ("GBR", "did you mean GB"), ("Nigeria", "did you mean NG")],
)
def test_common_mistakes_get_a_hint(value: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=hint):
        parse_jurisdiction(value)


@pytest.mark.parametrize("value", ["XX", "", "EU", "ZZ", "N1"])
def test_non_iso_codes_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not an ISO 3166-1 alpha-2 country code"):
        parse_jurisdiction(value)


def test_the_table_is_iso_shaped() -> None:
    codes = [j.code for j in all_jurisdictions()]
    assert len(codes) == len(set(codes)) > 240
    assert all(len(c) == 2 and c.isupper() for c in codes)


@given(st.sampled_from(all_jurisdictions()))
def test_every_listed_code_parses_to_itself(j: object) -> None:
    from repatria.domain.jurisdiction import Jurisdiction

    assert isinstance(j, Jurisdiction)
    assert parse_jurisdiction(j.code.lower()) == j
