"""Handling codes and use limitation: each decision, its reason and article; failing closed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.exchange.handling import (
    Confidentiality,
    ConsentKind,
    ConsentRecord,
    Handling,
    HandlingCode,
    Purpose,
    Use,
    may_disclose_exculpatory,
    may_export,
    may_forward,
    may_use,
)

from .network import NOW

MID = "ab" * 32
CASE = "NG-2025-0042"
BASE = Handling(
    originator="gb-uka",
    level=Confidentiality.RESTRICTED,
    codes=frozenset({HandlingCode.H0, HandlingCode.H1, HandlingCode.H2}),
    purposes=frozenset({Purpose.INVESTIGATION, Purpose.JUDICIAL_PROCEEDINGS}),
    cases=(CASE,),
)


def consent(kind: ConsentKind, **kwargs: object) -> ConsentRecord:
    fields: dict[str, object] = {
        "consent_message": "cd" * 32,
        "original_message": MID,
        "granted_by": "gb-uka",
        "granted_at": NOW,
        "kind": kind,
    }
    fields.update(kwargs)
    return ConsentRecord(**fields)  # type: ignore[arg-type]


def test_allowed_use_cites_46_19_and_carries_conditions() -> None:
    handling = replace(BASE, codes=frozenset({HandlingCode.H3}), conditions=("No press",))
    decision = may_use(handling, Use(Purpose.INVESTIGATION, CASE), message_id=MID)
    assert decision.allowed and decision.article == "UNCAC 46(19)"
    assert decision.obligations == ("No press",)


def test_another_case_needs_consent() -> None:
    use = Use(Purpose.INVESTIGATION, "NG-2025-0099")
    refused = may_use(BASE, use, message_id=MID)
    assert not refused.allowed
    assert "consent" in refused.reason and "NG-2025-0099" in refused.reason
    granted = may_use(BASE, use, [consent(ConsentKind.USE, use=use)], message_id=MID)
    assert granted.allowed and "cd" * 32 in granted.reason


def test_consent_must_match_message_use_and_originator() -> None:
    use = Use(Purpose.PROSECUTION, CASE)
    wrong = [
        consent(ConsentKind.USE, use=use, original_message="ef" * 32),
        consent(ConsentKind.USE, use=Use(Purpose.PROSECUTION, "other")),
        consent(ConsentKind.USE, use=use, granted_by="ch-fojo"),
        consent(ConsentKind.EXPORT),
    ]
    assert not may_use(BASE, use, wrong, message_id=MID).allowed


def test_h1_bars_court_use_without_permission() -> None:
    use = Use(Purpose.JUDICIAL_PROCEEDINGS, CASE)
    decision = may_use(BASE, use, message_id=MID)
    assert not decision.allowed and decision.reason.startswith("H1")
    assert may_use(BASE, use, [consent(ConsentKind.USE, use=use)], message_id=MID).allowed
    open_court = replace(BASE, codes=frozenset(), court=True)
    assert may_use(open_court, use, message_id=MID).allowed


def test_exculpatory_disclosure_is_allowed_with_notice() -> None:
    decision = may_disclose_exculpatory(BASE, CASE)
    assert decision.allowed and "notify gb-uka" in decision.obligations[0]


def test_forwarding() -> None:
    refused = may_forward(BASE, "ch-fojo", Confidentiality.SECRET, message_id=MID)
    assert not refused.allowed and refused.reason.startswith("H2")
    granted = may_forward(BASE, "ch-fojo", Confidentiality.SECRET,
                          [consent(ConsentKind.FORWARD, recipient="ch-fojo")],
                          message_id=MID)  # fmt: skip
    assert granted.allowed
    other = may_forward(BASE, "fr-pnf", Confidentiality.SECRET,
                        [consent(ConsentKind.FORWARD, recipient="ch-fojo")],
                        message_id=MID)  # fmt: skip
    assert not other.allowed
    assert may_forward(BASE, "gb-uka", None, message_id=MID).allowed


@given(
    level=st.sampled_from(list(Confidentiality)),
    accredited=st.one_of(st.none(), st.sampled_from(list(Confidentiality))),
)
@settings(max_examples=40, deadline=None)
def test_never_forward_above_the_recipients_accreditation(
    level: Confidentiality, accredited: Confidentiality | None
) -> None:
    handling = replace(BASE, level=level, codes=frozenset(), forward=True)
    decision = may_forward(handling, "ch-fojo", accredited, message_id=MID)
    assert decision.allowed == (accredited is not None and accredited.rank >= level.rank)


def test_export() -> None:
    assert not may_export(BASE, message_id=MID).allowed
    assert may_export(BASE, [consent(ConsentKind.EXPORT)], message_id=MID).allowed
    assert may_export(replace(BASE, export=True), message_id=MID).allowed
    secret = replace(BASE, level=Confidentiality.CONFIDENTIAL, export=True)
    decision = may_export(secret, [consent(ConsentKind.EXPORT)], message_id=MID)
    assert not decision.allowed and "2013/488" in decision.article


@given(
    purposes=st.sets(st.sampled_from(list(Purpose))),
    purpose=st.sampled_from(list(Purpose)),
    court=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_fails_closed_without_matching_scope_or_consent(
    purposes: set[Purpose], purpose: Purpose, court: bool
) -> None:
    handling = Handling("gb-uka", purposes=frozenset(purposes), cases=(CASE,), court=court)
    decision = may_use(handling, Use(purpose, CASE), message_id=MID)
    expected = purpose in purposes and (purpose is not Purpose.JUDICIAL_PROCEEDINGS or court)
    assert decision.allowed == expected
    assert decision.reason and decision.article
    nothing = Handling("gb-uka")
    assert not may_use(nothing, Use(purpose, CASE), message_id=MID).allowed


def test_inconsistent_handling_is_refused() -> None:
    with pytest.raises(InvalidInput, match="H1"):
        Handling("gb-uka", codes=frozenset({HandlingCode.H1}), court=True)
    with pytest.raises(InvalidInput, match="H2"):
        Handling("gb-uka", codes=frozenset({HandlingCode.H2}), forward=True)
    with pytest.raises(InvalidInput, match="H3"):
        Handling("gb-uka", codes=frozenset({HandlingCode.H3}))
    with pytest.raises(InvalidInput, match="names the use"):
        consent(ConsentKind.USE)


def test_handling_round_trip() -> None:
    handling = replace(BASE, codes=frozenset({HandlingCode.H3}), conditions=("No press",))
    assert Handling.from_dict(handling.to_dict()) == handling
