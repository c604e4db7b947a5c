"""The messages of the MLA dialogue between two nodes, each a frozen typed payload.

One type per step of UNCAC Art. 46 (and Art. 56), so a receiving node knows what the step
means without reading prose:

| wire type                          | sent by    | article            | transition on receipt          |
|------------------------------------|------------|--------------------|--------------------------------|
| ``request``                        | requesting | 46(13)-(15)        | none: creates the request      |
| ``acknowledgement``                | requested  | 46(13)             | acknowledge                    |
| ``additional-information-request`` | requested  | 46(16)             | request-additional-information |
| ``additional-information``         | requesting | 46(16)             | provide-additional-information |
| ``consultation``                   | requested  | 46(26)             | open-consultation              |
| ``consultation-answer``            | requesting | 46(26)             | agree-conditions, if accepted  |
| ``postponement``                   | requested  | 46(25)             | postpone                       |
| ``partial-execution``              | requested  | 46(24)             | execute-partially              |
| ``final-execution``                | requested  | 46(24)             | complete-execution             |
| ``refusal``                        | requested  | 46(21), 46(23)     | refuse                         |
| ``withdrawal``                     | requesting | 46(24)             | withdraw                       |
| ``spontaneous-information``        | either     | 46(4), 56          | none                           |
| ``consent-request``                | either     | 46(19)             | none                           |
| ``consent-answer``                 | either     | 46(19)             | none (becomes a consent record)|
| ``status-inquiry``                 | requesting | 46(24)             | none                           |
| ``status-answer``                  | requested  | 46(24)             | none                           |

``Message.from_dict`` validates every field and names the one that is wrong; evidence is
referred to by content hash (``EvidenceRef``), never embedded.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from repatria.domain.language import parse_language
from repatria.domain.lifecycle import RequestState, Side, TransitionName
from repatria.domain.measure import Measure, parse_measure
from repatria.domain.refusal import GROUND_ARTICLES, RefusalGround, parse_refusal_grounds
from repatria.errors import InvalidInput
from repatria.exchange.canonical import MESSAGE_ID, NODE_ID, WireObject, parse_enum
from repatria.exchange.handling import ConsentKind, ConsentRecord, Handling, Purpose, Use

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,99}$")
_MEDIA = re.compile(r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")
_LONG = 20_000


class MessageType(StrEnum):
    REQUEST = "request"
    ACKNOWLEDGEMENT = "acknowledgement"
    ADDITIONAL_INFORMATION_REQUEST = "additional-information-request"
    ADDITIONAL_INFORMATION = "additional-information"
    CONSULTATION = "consultation"
    CONSULTATION_ANSWER = "consultation-answer"
    POSTPONEMENT = "postponement"
    PARTIAL_EXECUTION = "partial-execution"
    FINAL_EXECUTION = "final-execution"
    REFUSAL = "refusal"
    WITHDRAWAL = "withdrawal"
    SPONTANEOUS_INFORMATION = "spontaneous-information"
    CONSENT_REQUEST = "consent-request"
    CONSENT_ANSWER = "consent-answer"
    STATUS_INQUIRY = "status-inquiry"
    STATUS_ANSWER = "status-answer"


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """An evidence item by content: SHA-256 of its plaintext, name, media type and size."""

    sha256: str
    name: str
    media_type: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, value: object, where: str) -> EvidenceRef:
        obj = WireObject(value, where, ("sha256", "name", "media_type", "size"))
        return cls(
            sha256=obj.text("sha256", pattern=MESSAGE_ID),
            name=obj.text("name"),
            media_type=obj.text("media_type", max_length=100, pattern=_MEDIA),
            size=obj.integer("size"),
        )


class Payload(ABC):
    """Base of the payloads: each knows its wire type, sender side, article and transition."""

    TYPE: ClassVar[MessageType]
    SIDE: ClassVar[Side | None]
    ARTICLE: ClassVar[str]
    TRANSITION: ClassVar[TransitionName | None] = None

    def implied_transition(self) -> TransitionName | None:
        """The lifecycle transition the receiving node records for this message."""
        return self.TRANSITION

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The payload as its wire object (canonical JSON once signed)."""

    @classmethod
    @abstractmethod
    def read(cls, obj: WireObject) -> Payload:
        """Read and check the payload's wire object; raises ``InvalidInput`` naming the field."""


@dataclass(frozen=True, slots=True)
class Request(Payload):
    """A request for assistance with the contents of 46(15) and a deadline with reasons."""

    TYPE = MessageType.REQUEST
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(13)-(15)"

    reference: str
    measures: tuple[Measure, ...]
    summary: str
    purpose: str
    language: str
    confidential: bool
    deadline: date | None = None
    deadline_reason: str | None = None
    attachments: tuple[EvidenceRef, ...] = ()
    title: str | None = None
    legal_basis: str | None = None
    urgent: bool = False
    document: dict[str, Any] | None = None
    """The structured request with every content of 46(15)-(16) (``drafting``), so the
    requested state reads exactly what the requesting state approved and signed."""

    def to_dict(self) -> dict[str, Any]:
        optional = {
            "title": self.title,
            "legal_basis": self.legal_basis,
            "urgent": self.urgent or None,
            "document": self.document,
        }
        return {
            "reference": self.reference,
            "measures": [m.value for m in self.measures],
            "summary": self.summary,
            "purpose": self.purpose,
            "language": self.language,
            "confidential": self.confidential,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_reason": self.deadline_reason,
            "attachments": [a.to_dict() for a in self.attachments],
        } | {k: v for k, v in optional.items() if v is not None}

    @classmethod
    def read(cls, obj: WireObject) -> Request:
        measures = tuple(
            parse_measure(m, where=f"{obj.at('measures')}[{i}]")
            for i, m in enumerate(obj.texts("measures", max_items=len(Measure)))
        )
        if not measures:
            raise InvalidInput("name at least one measure (UNCAC 46(3))", where=obj.at("measures"))
        deadline = _optional_date(obj, "deadline")
        reason = obj.optional_text("deadline_reason", max_length=2000)
        if deadline is not None and reason is None:
            raise InvalidInput(
                "a requested deadline needs its reasons (UNCAC 46(24))",
                where=obj.at("deadline_reason"),
            )
        return cls(
            reference=_reference(obj),
            measures=measures,
            summary=obj.text("summary", max_length=_LONG),
            purpose=obj.text("purpose", max_length=_LONG),
            language=parse_language(obj.text("language", max_length=10), where=obj.at("language")),
            confidential=obj.boolean("confidential"),
            deadline=deadline,
            deadline_reason=reason,
            attachments=_evidence(obj, "attachments"),
            title=obj.optional_text("title", max_length=300),
            legal_basis=obj.optional_text("legal_basis", max_length=300),
            urgent=obj.boolean("urgent") if obj.has("urgent") else False,
            document=_document(obj),
        )


def _document(obj: WireObject) -> dict[str, Any] | None:
    value = obj.raw("document")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput(
            f"expected the request document as a JSON object, found {type(value).__name__}",
            where=obj.at("document"),
        )
    return value


@dataclass(frozen=True, slots=True)
class Acknowledgement(Payload):
    TYPE = MessageType.ACKNOWLEDGEMENT
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(13)"
    TRANSITION = TransitionName.ACKNOWLEDGE

    reference: str
    their_reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "their_reference": self.their_reference}

    @classmethod
    def read(cls, obj: WireObject) -> Acknowledgement:
        return cls(
            _reference(obj),
            obj.optional_text("their_reference", max_length=100, pattern=_REFERENCE),
        )


@dataclass(frozen=True, slots=True)
class AdditionalInformationRequest(Payload):
    TYPE = MessageType.ADDITIONAL_INFORMATION_REQUEST
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(16)"
    TRANSITION = TransitionName.REQUEST_ADDITIONAL_INFORMATION

    reference: str
    questions: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "questions": list(self.questions),
                "reason": self.reason}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> AdditionalInformationRequest:
        questions = obj.texts("questions")
        if not questions:
            raise InvalidInput("ask at least one question", where=obj.at("questions"))
        return cls(_reference(obj), questions, obj.text("reason", max_length=_LONG))


@dataclass(frozen=True, slots=True)
class AdditionalInformation(Payload):
    """The requesting state's reply to a request for additional information."""

    TYPE = MessageType.ADDITIONAL_INFORMATION
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(16)"
    TRANSITION = TransitionName.PROVIDE_ADDITIONAL_INFORMATION

    reference: str
    answers: str
    attachments: tuple[EvidenceRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "answers": self.answers,
            "attachments": [a.to_dict() for a in self.attachments],
        }

    @classmethod
    def read(cls, obj: WireObject) -> AdditionalInformation:
        return cls(
            _reference(obj), obj.text("answers", max_length=_LONG), _evidence(obj, "attachments")
        )


class Intention(StrEnum):
    REFUSAL = "refusal"
    POSTPONEMENT = "postponement"


@dataclass(frozen=True, slots=True)
class Consultation(Payload):
    """46(26): before refusing or postponing, ask whether assistance can go ahead on
    conditions."""

    TYPE = MessageType.CONSULTATION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(26)"
    TRANSITION = TransitionName.OPEN_CONSULTATION

    reference: str
    intended: Intention
    reason: str
    grounds: tuple[RefusalGround, ...] = ()
    conditions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "intended": self.intended.value,
            "reason": self.reason,
            "grounds": [g.value for g in self.grounds],
            "conditions": list(self.conditions),
        }

    @classmethod
    def read(cls, obj: WireObject) -> Consultation:
        intended = parse_enum(Intention, obj.raw("intended"), obj.at("intended"))
        raw_grounds = obj.texts("grounds", max_items=8)
        grounds: tuple[RefusalGround, ...] = ()
        if intended is Intention.REFUSAL:
            grounds = tuple(parse_refusal_grounds(raw_grounds, where=obj.at("grounds")))
        elif raw_grounds:
            raise InvalidInput("grounds belong to an intended refusal", where=obj.at("grounds"))
        return cls(
            _reference(obj),
            intended,
            obj.text("reason", max_length=_LONG),
            grounds,
            obj.texts("conditions"),
        )


@dataclass(frozen=True, slots=True)
class ConsultationAnswer(Payload):
    """The requesting state accepts or declines the conditions offered (46(26))."""

    TYPE = MessageType.CONSULTATION_ANSWER
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(26)"

    reference: str
    consultation: str
    accepted: bool
    note: str | None = None

    def implied_transition(self) -> TransitionName | None:
        """None: the answer is recorded, and the requested state's central authority then
        agrees the conditions (its own move, which it reports back), postpones or refuses.
        Agreeing is its decision under 46(26), not an automatic effect of the answer."""
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "consultation": self.consultation,
                "accepted": self.accepted, "note": self.note}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> ConsultationAnswer:
        return cls(
            _reference(obj),
            obj.text("consultation", pattern=MESSAGE_ID),
            obj.boolean("accepted"),
            obj.optional_text("note", max_length=_LONG),
        )


@dataclass(frozen=True, slots=True)
class Postponement(Payload):
    TYPE = MessageType.POSTPONEMENT
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(25)"
    TRANSITION = TransitionName.POSTPONE

    reference: str
    reason: str
    until: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "reason": self.reason,
                "until": self.until.isoformat() if self.until else None}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> Postponement:
        return cls(
            _reference(obj), obj.text("reason", max_length=_LONG), _optional_date(obj, "until")
        )


@dataclass(frozen=True, slots=True)
class _Execution(Payload):
    reference: str
    evidence: tuple[EvidenceRef, ...]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "evidence": [e.to_dict() for e in self.evidence],
                "note": self.note}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> _Execution:
        evidence = _evidence(obj, "evidence")
        note = obj.optional_text("note", max_length=_LONG)
        if not evidence and note is None:
            raise InvalidInput(
                "an execution report carries evidence references or a note saying what was done",
                where=obj.at("evidence"),
            )
        return cls(_reference(obj), evidence, note)


@dataclass(frozen=True, slots=True)
class PartialExecution(_Execution):
    TYPE = MessageType.PARTIAL_EXECUTION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.EXECUTE_PARTIALLY


@dataclass(frozen=True, slots=True)
class FinalExecution(_Execution):
    TYPE = MessageType.FINAL_EXECUTION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.COMPLETE_EXECUTION


@dataclass(frozen=True, slots=True)
class Refusal(Payload):
    """A refusal on grounds of 46(21)(a)-(d), with reasons (46(23)), after the consultation
    of 46(26), which it names."""

    TYPE = MessageType.REFUSAL
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(21), 46(23), 46(26)"
    TRANSITION = TransitionName.REFUSE

    reference: str
    grounds: tuple[RefusalGround, ...]
    reasons: str
    consultation: str

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(GROUND_ARTICLES[g] for g in self.grounds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "grounds": [g.value for g in self.grounds],
            "reasons": self.reasons,
            "consultation": self.consultation,
        }

    @classmethod
    def read(cls, obj: WireObject) -> Refusal:
        grounds = parse_refusal_grounds(obj.texts("grounds", max_items=8), where=obj.at("grounds"))
        return cls(
            _reference(obj),
            tuple(grounds),
            obj.text("reasons", max_length=_LONG),
            obj.text("consultation", pattern=MESSAGE_ID),
        )


@dataclass(frozen=True, slots=True)
class Withdrawal(Payload):
    TYPE = MessageType.WITHDRAWAL
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.WITHDRAW

    reference: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "reason": self.reason}

    @classmethod
    def read(cls, obj: WireObject) -> Withdrawal:
        return cls(_reference(obj), obj.text("reason", max_length=_LONG))


class SpontaneousBasis(StrEnum):
    GENERAL = "46(4)"
    PROCEEDS = "56"


@dataclass(frozen=True, slots=True)
class SpontaneousInformation(Payload):
    """Information sent without a request (46(4); on proceeds of offences, 56); the
    restrictions travel in the message's handling."""

    TYPE = MessageType.SPONTANEOUS_INFORMATION
    SIDE = None
    ARTICLE = "UNCAC 46(4)-(5), 56"

    basis: SpontaneousBasis
    summary: str
    items: tuple[EvidenceRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"basis": self.basis.value, "summary": self.summary,
                "items": [i.to_dict() for i in self.items]}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> SpontaneousInformation:
        return cls(
            parse_enum(SpontaneousBasis, obj.raw("basis"), obj.at("basis")),
            obj.text("summary", max_length=_LONG),
            _evidence(obj, "items"),
        )


@dataclass(frozen=True, slots=True)
class ConsentRequest(Payload):
    """Ask the originator's prior consent to another use, to forwarding, or to export
    (46(19); SIENA H1/H2; Europol Reg. Art. 19)."""

    TYPE = MessageType.CONSENT_REQUEST
    SIDE = None
    ARTICLE = "UNCAC 46(19)"

    original_message: str
    kind: ConsentKind
    reason: str
    use: Use | None = None
    recipient: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"original_message": self.original_message, "reason": self.reason,
                **_grant_dict(self.kind, self.use, self.recipient)}  # fmt: skip

    @classmethod
    def read(cls, obj: WireObject) -> ConsentRequest:
        kind, use, recipient = _read_grant(obj)
        return cls(
            obj.text("original_message", pattern=MESSAGE_ID),
            kind,
            obj.text("reason", max_length=_LONG),
            use,
            recipient,
        )


@dataclass(frozen=True, slots=True)
class ConsentAnswer(Payload):
    """The originator's answer; a granted answer, once verified, is a ``ConsentRecord``."""

    TYPE = MessageType.CONSENT_ANSWER
    SIDE = None
    ARTICLE = "UNCAC 46(19)"

    consent_request: str
    original_message: str
    granted: bool
    kind: ConsentKind
    use: Use | None = None
    recipient: str | None = None
    conditions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "consent_request": self.consent_request,
            "original_message": self.original_message,
            "granted": self.granted,
            "conditions": list(self.conditions),
            **_grant_dict(self.kind, self.use, self.recipient),
        }

    @classmethod
    def read(cls, obj: WireObject) -> ConsentAnswer:
        kind, use, recipient = _read_grant(obj)
        return cls(
            obj.text("consent_request", pattern=MESSAGE_ID),
            obj.text("original_message", pattern=MESSAGE_ID),
            obj.boolean("granted"),
            kind,
            use,
            recipient,
            obj.texts("conditions"),
        )

    def record(self, message_id: str, sender: str, sent_at: datetime) -> ConsentRecord | None:
        """The consent record this answer makes, given the verified envelope's id, sender and
        creation time; ``None`` when consent was refused."""
        if not self.granted:
            return None
        return ConsentRecord(
            consent_message=message_id,
            original_message=self.original_message,
            granted_by=sender,
            granted_at=sent_at,
            kind=self.kind,
            use=self.use,
            recipient=self.recipient,
            conditions=self.conditions,
        )


@dataclass(frozen=True, slots=True)
class StatusInquiry(Payload):
    TYPE = MessageType.STATUS_INQUIRY
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(24)"

    reference: str
    question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "question": self.question}

    @classmethod
    def read(cls, obj: WireObject) -> StatusInquiry:
        return cls(_reference(obj), obj.optional_text("question", max_length=_LONG))


@dataclass(frozen=True, slots=True)
class StatusAnswer(Payload):
    """46(24): the requested state must answer reasonable inquiries on status and progress."""

    TYPE = MessageType.STATUS_ANSWER
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"

    reference: str
    state: RequestState
    note: str | None = None
    expected_completion: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "state": self.state.value,
            "note": self.note,
            "expected_completion": self.expected_completion.isoformat()
            if self.expected_completion
            else None,
        }

    @classmethod
    def read(cls, obj: WireObject) -> StatusAnswer:
        return cls(
            _reference(obj),
            parse_enum(RequestState, obj.raw("state"), obj.at("state")),
            obj.optional_text("note", max_length=_LONG),
            _optional_date(obj, "expected_completion"),
        )


PAYLOADS: dict[MessageType, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        Request, Acknowledgement, AdditionalInformationRequest, AdditionalInformation,
        Consultation, ConsultationAnswer, Postponement, PartialExecution, FinalExecution,
        Refusal, Withdrawal, SpontaneousInformation, ConsentRequest, ConsentAnswer,
        StatusInquiry, StatusAnswer,
    )
}  # fmt: skip

_FIELDS: dict[MessageType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    MessageType.REQUEST: (
        ("reference", "measures", "summary", "purpose", "language", "confidential",
         "attachments"),
        ("deadline", "deadline_reason", "title", "legal_basis", "urgent", "document"),
    ),
    MessageType.ACKNOWLEDGEMENT: (("reference",), ("their_reference",)),
    MessageType.ADDITIONAL_INFORMATION_REQUEST: (("reference", "questions", "reason"), ()),
    MessageType.ADDITIONAL_INFORMATION: (("reference", "answers", "attachments"), ()),
    MessageType.CONSULTATION: (
        ("reference", "intended", "reason", "grounds", "conditions"), (),
    ),
    MessageType.CONSULTATION_ANSWER: (("reference", "consultation", "accepted"), ("note",)),
    MessageType.POSTPONEMENT: (("reference", "reason"), ("until",)),
    MessageType.PARTIAL_EXECUTION: (("reference", "evidence"), ("note",)),
    MessageType.FINAL_EXECUTION: (("reference", "evidence"), ("note",)),
    MessageType.REFUSAL: (("reference", "grounds", "reasons", "consultation"), ()),
    MessageType.WITHDRAWAL: (("reference", "reason"), ()),
    MessageType.SPONTANEOUS_INFORMATION: (("basis", "summary", "items"), ()),
    MessageType.CONSENT_REQUEST: (
        ("original_message", "kind", "reason"), ("purpose", "case", "recipient"),
    ),
    MessageType.CONSENT_ANSWER: (
        ("consent_request", "original_message", "granted", "kind", "conditions"),
        ("purpose", "case", "recipient"),
    ),
    MessageType.STATUS_INQUIRY: (("reference",), ("question",)),
    MessageType.STATUS_ANSWER: (("reference", "state"), ("note", "expected_completion")),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Message:
    """What a sender says: the payload, the case it belongs to and how it must be handled.

    ``case`` is the sender's case reference; ``in_reply_to`` the id of the message answered.
    """

    payload: Payload
    case: str
    handling: Handling
    in_reply_to: str | None = None

    def __post_init__(self) -> None:
        if not _REFERENCE.match(self.case):
            raise InvalidInput(f"case reference {self.case!r} is malformed", where="message.case")
        if self.in_reply_to is not None and not MESSAGE_ID.match(self.in_reply_to):
            raise InvalidInput("expected a message id (64 hex digits)", where="message.in_reply_to")

    @property
    def type(self) -> MessageType:
        return self.payload.TYPE

    def implied_transition(self) -> TransitionName | None:
        return self.payload.implied_transition()

    def to_dict(self) -> dict[str, Any]:
        payload = {k: v for k, v in self.payload.to_dict().items() if v is not None}
        return {
            "type": self.type.value,
            "case": self.case,
            "handling": self.handling.to_dict(),
            "in_reply_to": self.in_reply_to,
            "payload": payload,
        }

    @classmethod
    def from_dict(cls, value: object, where: str = "message") -> Message:
        obj = WireObject(value, where, ("type", "case", "handling", "payload"), ("in_reply_to",))
        kind = parse_enum(MessageType, obj.raw("type"), obj.at("type"))
        required, optional = _FIELDS[kind]
        payload = PAYLOADS[kind].read(WireObject(obj.raw("payload"), obj.at("payload"),
                                                 required, optional))  # fmt: skip
        return cls(
            payload=payload,
            case=obj.text("case", max_length=100, pattern=_REFERENCE),
            handling=Handling.from_dict(obj.raw("handling"), where=obj.at("handling")),
            in_reply_to=obj.optional_text("in_reply_to", max_length=64, pattern=MESSAGE_ID),
        )


def _reference(obj: WireObject) -> str:
    return obj.text("reference", max_length=100, pattern=_REFERENCE)


def _evidence(obj: WireObject, name: str) -> tuple[EvidenceRef, ...]:
    return tuple(
        EvidenceRef.from_dict(v, f"{obj.at(name)}[{i}]") for i, v in enumerate(obj.list(name))
    )


def _optional_date(obj: WireObject, name: str) -> date | None:
    value = obj.raw(name)
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidInput(f"expected a date like 2025-01-31, found {value!r}", where=obj.at(name))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date", where=obj.at(name)) from None


def _grant_dict(kind: ConsentKind, use: Use | None, recipient: str | None) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "purpose": use.purpose.value if use else None,
        "case": use.case if use else None,
        "recipient": recipient,
    }


def _read_grant(obj: WireObject) -> tuple[ConsentKind, Use | None, str | None]:
    kind = parse_enum(ConsentKind, obj.raw("kind"), obj.at("kind"))
    use = None
    if kind is ConsentKind.USE:
        use = Use(
            parse_enum(Purpose, obj.raw("purpose"), obj.at("purpose")),
            obj.text("case", max_length=100, pattern=_REFERENCE),
        )
    elif obj.has("purpose") or obj.has("case"):
        raise InvalidInput(f"purpose and case belong to a consent of kind use, not {kind.value}",
                           where=obj.at("purpose"))  # fmt: skip
    recipient = None
    if kind is ConsentKind.FORWARD:
        recipient = obj.text("recipient", max_length=64, pattern=NODE_ID)
    elif obj.has("recipient"):
        raise InvalidInput(f"recipient belongs to a consent of kind forward, not {kind.value}",
                           where=obj.at("recipient"))  # fmt: skip
    return kind, use, recipient
