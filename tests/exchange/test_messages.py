"""Message types: round trips, strict parsing naming the field, and implied transitions."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.domain.lifecycle import RequestState, Side, TransitionName, transition
from repatria.domain.measure import Measure
from repatria.domain.refusal import RefusalGround
from repatria.errors import InvalidInput
from repatria.exchange.handling import ConsentKind, Purpose, Use
from repatria.exchange.messages import (
    ATTACHED_LIMIT,
    PAYLOADS,
    Acknowledgement,
    AdditionalInformation,
    AdditionalInformationRequest,
    AttachedFile,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    ConsultationAnswer,
    EvidenceRef,
    FinalExecution,
    Intention,
    Message,
    MessageType,
    PartialExecution,
    Payload,
    Postponement,
    Refusal,
    Request,
    SpontaneousBasis,
    SpontaneousInformation,
    StatusAnswer,
    StatusInquiry,
    Withdrawal,
)

from .network import NOW, handling

MID = "ab" * 32
OTHER = "cd" * 32
REF = "NG-2025-0042/1"
EVIDENCE = EvidenceRef("12" * 32, "statement-2019.pdf", "application/pdf", 48213)

EXAMPLES: list[Payload] = [
    Request(REF, (Measure.RECORDS,), "Facts.", "Trace proceeds.", "en", False,
            date(2025, 6, 30), "Trial opens in July.", (EVIDENCE,)),
    Acknowledgement(REF, "UKCA/2025/118"),
    AdditionalInformationRequest(REF, ("Which accounts?",), "Accounts are not named."),
    AdditionalInformation(REF, "Accounts 1 and 2.", (EVIDENCE,)),
    Consultation(REF, Intention.REFUSAL, "Would prejudice an inquiry.",
                 (RefusalGround.ESSENTIAL_INTERESTS,), ("Delay until September",)),
    Consultation(REF, Intention.POSTPONEMENT, "Ongoing inquiry."),
    ConsultationAnswer(REF, MID, True, "Conditions accepted."),
    ConsultationAnswer(REF, MID, False),
    Postponement(REF, "Ongoing inquiry.", date(2025, 9, 1)),
    PartialExecution(REF, (EVIDENCE,)),
    FinalExecution(REF, (), "Account frozen under order 2025/77."),
    Refusal(REF, (RefusalGround.DOMESTIC_LAW_PROHIBITS,), "Statute bars the measure.", MID),
    Withdrawal(REF, "Proceedings discontinued."),
    SpontaneousInformation(SpontaneousBasis.PROCEEDS, "Funds moved to Zurich.", (EVIDENCE,)),
    ConsentRequest(MID, ConsentKind.USE, "Tax case.", use=Use(Purpose.PROSECUTION, "NG-2025-7")),
    ConsentRequest(MID, ConsentKind.FORWARD, "Share with Swiss authority.", recipient="ch-fojo"),
    ConsentAnswer(OTHER, MID, True, ConsentKind.EXPORT, conditions=("Redact names",)),
    StatusInquiry(REF, "Any progress?"),
    StatusAnswer(REF, RequestState.IN_EXECUTION, "Bank has been served.", date(2025, 5, 1)),
]  # fmt: skip


def wrap(payload: Payload, **kwargs: Any) -> Message:
    return Message(payload, "NG-2025-0042", handling(), **kwargs)


def test_every_type_has_an_example() -> None:
    assert {p.TYPE for p in EXAMPLES} == set(MessageType) == set(PAYLOADS)


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.TYPE.value)
def test_round_trip(payload: Payload) -> None:
    message = wrap(payload, in_reply_to=OTHER)
    assert Message.from_dict(message.to_dict()) == message


@given(text=st.text(min_size=1, max_size=500).filter(str.strip), accepted=st.booleans())
@settings(max_examples=50, deadline=None)
def test_round_trip_any_text(text: str, accepted: bool) -> None:
    for payload in (Withdrawal(REF, text), ConsultationAnswer(REF, MID, accepted, text)):
        assert Message.from_dict(wrap(payload).to_dict()).payload == payload


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.TYPE.value)
def test_implied_transition_belongs_to_the_sending_side(payload: Payload) -> None:
    """The transition a message implies is the sender's side's, as the receiver records it;
    the one exception is accepting conditions (46(26)), which the lifecycle gives to the
    requested side, the receiver of the requesting state's answer."""
    name = payload.implied_transition()
    if name is None:
        return
    assert payload.SIDE is not None
    if isinstance(payload, ConsultationAnswer):
        assert transition(name).side is Side.REQUESTED
        assert payload.SIDE is Side.REQUESTING
    else:
        assert transition(name).side is payload.SIDE


def test_implied_transitions() -> None:
    implied = {type(p).__name__: wrap(p).implied_transition() for p in EXAMPLES}
    assert implied["Request"] is None
    assert implied["Acknowledgement"] is TransitionName.ACKNOWLEDGE
    assert implied["Refusal"] is TransitionName.REFUSE
    assert implied["FinalExecution"] is TransitionName.COMPLETE_EXECUTION
    assert implied["PartialExecution"] is TransitionName.EXECUTE_PARTIALLY
    assert implied["Withdrawal"] is TransitionName.WITHDRAW
    assert implied["StatusInquiry"] is None
    # an answer to conditions moves nothing by itself: the requested state decides (46(26))
    assert ConsultationAnswer(REF, MID, True).implied_transition() is None
    assert ConsultationAnswer(REF, MID, False).implied_transition() is None
    assert Refusal(REF, (RefusalGround.ESSENTIAL_INTERESTS,), "x", MID).articles == (
        "UNCAC 46(21)(b)",
    )
    assert Request.SIDE is Side.REQUESTING


def mutated(payload: Payload, change: Any) -> dict[str, Any]:
    value = copy.deepcopy(wrap(payload).to_dict())
    change(value)
    return value


@pytest.mark.parametrize(
    ("payload", "change", "where", "message"),
    [
        (EXAMPLES[0], lambda m: m.update(type="letter"), "message.type", "accepted: request"),
        (EXAMPLES[0], lambda m: m["payload"].update(measures=[]), "message.payload.measures",
         r"46\(3\)"),
        (EXAMPLES[0], lambda m: m["payload"].update(measures=["telepathy"]),
         "message.payload.measures[0]", ""),
        (EXAMPLES[0], lambda m: m["payload"].pop("deadline_reason"),
         "message.payload.deadline_reason", r"46\(24\)"),
        (EXAMPLES[0], lambda m: m["payload"].update(deadline="30/06/2025"),
         "message.payload.deadline", "date like"),
        (EXAMPLES[0], lambda m: m["payload"].update(language="Klingon"),
         "message.payload.language", "ISO 639"),
        (EXAMPLES[0], lambda m: m["payload"]["attachments"][0].update(sha256="xyz"),
         "message.payload.attachments[0].sha256", "does not match"),
        (EXAMPLES[0], lambda m: m["payload"].update(colour="red"), "message.payload",
         "unknown field"),
        (EXAMPLES[2], lambda m: m["payload"].update(questions=[]), "message.payload.questions",
         "at least one question"),
        (EXAMPLES[4], lambda m: m["payload"].update(grounds=["bank-secrecy"]),
         "message.payload.grounds[0]", r"46\(8\)"),
        (EXAMPLES[5], lambda m: m["payload"].update(grounds=["essential-interests"]),
         "message.payload.grounds", "intended refusal"),
        (EXAMPLES[9], lambda m: m["payload"].update(evidence=[]), "message.payload.evidence",
         "evidence references or a note"),
        (EXAMPLES[11], lambda m: m["payload"].update(grounds=[]), "message.payload.grounds",
         "at least one ground"),
        (EXAMPLES[11], lambda m: m["payload"].pop("consultation"), "message.payload",
         "missing field"),
        (EXAMPLES[14], lambda m: m["payload"].pop("purpose"), "message.payload.purpose",
         "unknown value None"),
        (EXAMPLES[15], lambda m: m["payload"].update(purpose="investigation"),
         "message.payload.purpose", "kind use"),
        (EXAMPLES[18], lambda m: m["payload"].update(state="lost"), "message.payload.state",
         "accepted: draft"),
        (EXAMPLES[12], lambda m: m.update(case="bad case ref"), "message.case", ""),
        (EXAMPLES[12], lambda m: m.update(in_reply_to="123"), "message.in_reply_to", ""),
        (EXAMPLES[12], lambda m: m["handling"].update(level="cosmic"), "message.handling.level",
         "accepted: unclassified"),
    ],
)  # fmt: skip
def test_bad_fields_are_named(payload: Payload, change: Any, where: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message or None) as info:
        Message.from_dict(mutated(payload, change))
    assert info.value.where == where


def test_consent_answer_becomes_a_record_only_when_granted() -> None:
    granted = ConsentAnswer(OTHER, MID, True, ConsentKind.USE,
                            use=Use(Purpose.PROSECUTION, "NG-2025-7"))  # fmt: skip
    record = granted.record("ef" * 32, "gb-uka", NOW)
    assert record is not None
    assert (record.granted_by, record.original_message, record.use) == (
        "gb-uka", MID, Use(Purpose.PROSECUTION, "NG-2025-7"),
    )  # fmt: skip
    refused = ConsentAnswer(OTHER, MID, False, ConsentKind.USE, use=granted.use)
    assert refused.record("ef" * 32, "gb-uka", NOW) is None


def test_an_acknowledgement_carries_its_note_and_keeps_old_bytes_without_one() -> None:
    assert Acknowledgement(REF, "UKCA/1").to_dict() == {
        "reference": REF,
        "their_reference": "UKCA/1",
    }
    noted = Acknowledgement(REF, "UKCA/1", "Assigned to J. Smith.")
    back = Message.from_dict(wrap(noted).to_dict())
    assert (
        isinstance(back.payload, Acknowledgement) and back.payload.note == "Assigned to J. Smith."
    )


def test_documents_travel_inline_and_are_left_out_when_there_are_none() -> None:
    order = AttachedFile.of("order.pdf", "application/pdf", b"%PDF-1.4 order")
    assert "files" not in AdditionalInformation(REF, "Accounts 1 and 2.").to_dict()
    assert "files" not in FinalExecution(REF, (), "Frozen.").to_dict()
    sent = wrap(PartialExecution(REF, (), "2019 statements.", (order,)))
    back = Message.from_dict(sent.to_dict())
    assert isinstance(back.payload, PartialExecution)
    assert back.payload.files == (order,) and back.canonical_bytes() == sent.canonical_bytes()


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"sha256": "00" * 32}, ".files[0].sha256", "does not match its SHA-256"),
        ({"size": 3}, ".files[0].size", "not the 3 declared"),
        ({"size": ATTACHED_LIMIT + 1}, ".files[0].size", "expected an integer"),
        ({"media_type": "PDF"}, ".files[0].media_type", "does not match"),
    ],
)
def test_a_document_must_match_what_it_declares(change: Any, where: str, message: str) -> None:
    value = wrap(AdditionalInformation(REF, "See the order.", (),
                                       (AttachedFile.of("o.txt", "text/plain", b"order"),))).to_dict()  # fmt: skip
    value["payload"]["files"][0] |= change
    with pytest.raises(InvalidInput, match=message) as refused:
        Message.from_dict(value)
    assert refused.value.where == f"message.payload{where}"


def test_documents_over_the_limit_refuse_the_message() -> None:
    half = b"x" * (ATTACHED_LIMIT // 2 + 1)
    files = (AttachedFile.of("a.bin", "application/octet-stream", half),
             AttachedFile.of("b.bin", "application/octet-stream", half + b"y"))  # fmt: skip
    with pytest.raises(InvalidInput, match=f"at most {ATTACHED_LIMIT}"):
        Message.from_dict(wrap(AdditionalInformation(REF, "See.", (), files)).to_dict())
