"""Names and titles are shown as typed: no control or direction-override characters (13.7)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.domain.case import CaseInput
from repatria.domain.entities import validate_entity
from repatria.domain.request import RequestInput
from repatria.domain.text import (
    BIDI_CONTROLS,
    SHOWN_LINE,
    SHOWN_TEXT,
    SHOWN_WORDS,
    check_shown_text,
)
from repatria.errors import InvalidInput

SHOWN = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=BIDI_CONTROLS),
    max_size=40,
)


@given(SHOWN)
def test_text_that_can_be_shown_is_kept_as_typed(value: str) -> None:
    assert check_shown_text(value, where="title") == value


@given(SHOWN, SHOWN, st.sampled_from(sorted(BIDI_CONTROLS | {"\x00", "\x1b", "\x7f", "\x85"})))
def test_a_control_anywhere_is_refused_naming_its_place(before: str, after: str, bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_shown_text(before + bad + after, where="title")
    assert refused.value.where == "title"
    assert f"character {len(before) + 1} " in refused.value.message
    assert f"U+{ord(bad):04X}" in refused.value.message


def test_right_to_left_scripts_and_line_breaks_in_long_text_stay() -> None:
    arabic = "\u0627\u0644\u0646\u064a\u0627\u0628\u0629 \u0627\u0644\u0639\u0627\u0645\u0629"
    assert check_shown_text(arabic + " \u200f(RLM)", where="title") == arabic + " \u200f(RLM)"
    assert check_shown_text("line one\nline two\tend", where="summary", multiline=True)
    with pytest.raises(InvalidInput, match="a line break"):
        check_shown_text("line one\nline two", where="title")


@pytest.mark.parametrize("bad", ["Delta\x00bribes", "invoice \u202egpj.exe"])
def test_a_case_title_with_a_nul_or_an_override_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        CaseInput.from_dict({"title": bad})
    assert refused.value.where == "title"
    assert "U+0000" in refused.value.message or "RIGHT-TO-LEFT OVERRIDE" in refused.value.message


@pytest.mark.parametrize(
    ("field", "bad"),
    [("title", "Freeze \x00 now"), ("summary", "paid to \u202eKCOLB"),
     ("deadline_reason", "hearing\x1b[2J"), ("foreign_reference", "UK\u2066-1")],
)  # fmt: skip
def test_a_request_refuses_hidden_characters_in_what_both_states_read(field: str, bad: str) -> None:
    base: dict[str, object] = {
        "requesting_state": "NG", "requested_state": "GB", "measures": ["freezing"], "title": "Freeze the account",
        "deadline": "2099-01-01", "deadline_reason": "hearing",
    }  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        RequestInput.from_dict(base | {field: bad}, node_jurisdiction="NG")
    assert refused.value.where == field and "U+" in refused.value.message


@pytest.mark.parametrize("bad", ["Chukwuemeka\u202e Okonkwo", "Delta\x00Holdings"])
def test_an_entity_name_with_a_control_is_refused_naming_the_value(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_entity({"id": "p1", "schema": "Person", "properties": {"name": [bad]}})
    assert refused.value.where == "properties.name[0]"
    multiline = validate_entity({"id": "a1", "schema": "Address",
                                 "properties": {"full": ["12 Marina Road\nLagos"]}})  # fmt: skip
    assert multiline.get("full")  # a postal address may span lines (FtM joins them)


# No lone surrogates: the patterns leave them out (see SHOWN_LINE), the check refuses them.
ANY = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12) | st.text(
    alphabet=st.sampled_from(
        sorted(BIDI_CONTROLS | {"\x00", "\n", "\t", "\x85", "a", " ", "\u3000", "\ue000"})
    ),
    max_size=6,
)


def _accepted(value: str, multiline: bool) -> bool:
    try:
        check_shown_text(value, where="title", multiline=multiline)
    except InvalidInput:
        return False
    return True


@given(ANY)
def test_the_published_patterns_accept_exactly_what_the_check_accepts(value: str) -> None:
    """The API schema states SHOWN_LINE/SHOWN_TEXT (issue 13.8): same verdict as the check."""
    assert (re.fullmatch(SHOWN_LINE, value) is not None) == _accepted(value, multiline=False)
    assert (re.fullmatch(SHOWN_TEXT, value) is not None) == _accepted(value, multiline=True)
    # a title: shown as typed and not only spaces (CaseInput, RequestInput strip it)
    title = _accepted(value, multiline=False) and bool(value.strip())
    assert (re.fullmatch(SHOWN_WORDS, value) is not None) == title


def test_private_use_and_newer_unicode_characters_are_kept() -> None:
    """A character newer than this Python's Unicode tables may be assigned at the other node."""
    for char in ("\ue000", "\U00031350", "\U000e0100"):
        assert check_shown_text(f"name {char}", where="title") == f"name {char}"
