from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.jurisdiction import (
    all_jurisdictions,
    answering_state,
    is_state,
    jurisdiction_name,
    parse_jurisdiction,
    parse_state_party,
    states,
)
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


def test_english_names_are_english() -> None:
    # rigour's name for NR is the endonym "Naoero"; a list an officer reads says "Nauru"
    assert jurisdiction_name("NR") == "Nauru"
    assert {s.code: s.name for s in states("en")}["NR"] == "Nauru"


def test_states_are_un_members_and_observers_only() -> None:
    codes = [s.code for s in states("en")]
    assert len(codes) == len(set(codes)) == 195
    assert {"NG", "GB", "CH", "AE", "VA", "PS"} <= set(codes)
    assert not {"IP", "AQ", "GI", "HK", "AW", "EU", "XK"} & set(codes)


def test_states_are_named_and_sorted_in_the_readers_language() -> None:
    french = {s.code: s.name for s in states("fr")}
    assert french["DE"] == "Allemagne" and french["GB"] == "Royaume-Uni"
    names = [s.name for s in states("fr")]
    assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne")
    with pytest.raises(InvalidInput, match="not a known language") as info:
        states("xx-nowhere")
    assert info.value.where == "lang"


@pytest.mark.parametrize(("territory", "state"), [("GI", "GB"), ("HK", "CN"), ("AW", "NL")])
def test_a_territory_names_the_state_that_answers_for_it(territory: str, state: str) -> None:
    assert not is_state(territory) and answering_state(territory) == state
    with pytest.raises(InvalidInput, match=f"territory, not a state.*{state} ") as info:
        parse_state_party(territory, where="requested_state")
    assert info.value.where == "requested_state"


@pytest.mark.parametrize("value", ["IP", "AQ"])
def test_non_states_without_an_answering_state_are_refused(value: str) -> None:
    assert answering_state(value) is None
    with pytest.raises(InvalidInput, match="is not a state"):
        parse_state_party(value)


def test_every_territory_answered_for_names_a_state() -> None:
    for j in all_jurisdictions():
        answer = answering_state(j.code)
        assert answer is None or is_state(answer), j.code
        assert not (answer and is_state(j.code)), j.code
