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

Each payload is a declarative wire object (``exchange.wire``: a frozen pydantic dataclass
whose annotated fields are the format). ``Message.from_dict`` reads the payload its ``type``
names strictly and names the field that is wrong (``message.payload.measures[0]``); large
evidence is referred to by content hash (``EvidenceRef``). Small documents (a court order,
supplementary evidence) travel inline with additional information and execution reports
(``AttachedFile``), at most ``ATTACHED_LIMIT`` bytes in all per message, each checked
against its SHA-256 when read, so a document that does not match its hash refuses the
whole message.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_serializer,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from repatria.domain.language import parse_language
from repatria.domain.lifecycle import RequestState, Side, TransitionName
from repatria.domain.measure import Measure, parse_measure
from repatria.domain.refusal import GROUND_ARTICLES, RefusalGround, parse_refusal_grounds
from repatria.errors import InvalidInput
from repatria.exchange.canonical import MESSAGE_ID, NODE_ID, canonical_json, parse_enum
from repatria.exchange.handling import ConsentKind, ConsentRecord, Handling, Purpose, Use
from repatria.exchange.wire import (
    WIRE_CONFIG,
    Base64,
    WireDate,
    canonical_bytes,
    domain_rule,
    integer,
    items,
    on_the_wire,
    read_wire,
    refuse,
    require,
    text,
    to_wire,
)

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,99}$")
_MEDIA = re.compile(r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")
_LONG = 20_000


def _language(value: str, info: ValidationInfo) -> str:
    return domain_rule(parse_language, value) if on_the_wire(info) else value


def _measures(value: object, info: ValidationInfo) -> object:
    if not on_the_wire(info) or not isinstance(value, list):
        return value
    return [
        domain_rule(parse_measure, m, at=f"[{i}]") if isinstance(m, str) else m
        for i, m in enumerate(value)
    ]


def _grounds(value: object, info: ValidationInfo) -> object:
    """Refusal grounds through ``parse_refusal_grounds`` (46(21); 46(8): not bank secrecy)."""
    if not on_the_wire(info) or not isinstance(value, list) or not value:
        return value
    if all(isinstance(g, str) for g in value):
        return domain_rule(parse_refusal_grounds, value)
    return value


def _at_least_one(message: str) -> Any:
    def check(value: tuple[object, ...], info: ValidationInfo) -> tuple[object, ...]:
        if on_the_wire(info) and not value:
            raise refuse(message)
        return value

    return AfterValidator(check)


Reference = Annotated[StrictStr, AfterValidator(text(100, _REFERENCE))]
"""A case or request reference, e.g. ``NG-2025-0042/1``."""
MessageId = Annotated[StrictStr, AfterValidator(text(pattern=MESSAGE_ID))]
LongText = Annotated[StrictStr, AfterValidator(text(_LONG))]
Texts = Annotated[
    tuple[Annotated[StrictStr, AfterValidator(text(2000))], ...], AfterValidator(items(100))
]
Grounds = Annotated[tuple[RefusalGround, ...], BeforeValidator(_grounds), AfterValidator(items(8))]


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


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class EvidenceRef:
    """An evidence item by content: SHA-256 of its plaintext, name, media type and size."""

    sha256: MessageId
    name: Annotated[StrictStr, AfterValidator(text())]
    media_type: Annotated[StrictStr, AfterValidator(text(100, _MEDIA))]
    size: Annotated[StrictInt, AfterValidator(integer())]

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    def canonical_bytes(self) -> bytes:
        return canonical_bytes(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> EvidenceRef:
        return read_wire(cls, value, where)


Evidence = Annotated[tuple[EvidenceRef, ...], AfterValidator(items(1000))]

ATTACHED_LIMIT = 512 * 1024
"""Bytes of documents carried inline in one message, in all: base64 makes them a third
larger, and the sealed envelope must stay well under the receiver's body limit (1 MiB by
default, ``Settings.max_body_bytes``). Larger evidence travels by the evidence transfer."""

ATTACHED_FILES = 20
"""Documents one message carries inline, at most."""


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class AttachedFile:
    """A document carried inline: name, media type, size, SHA-256 and base64 content.

    Read from the wire, the content must have the size and hash declared: a document
    altered on its way, or mislabelled by its sender, refuses the message it came in."""

    name: Annotated[StrictStr, AfterValidator(text())]
    media_type: Annotated[StrictStr, AfterValidator(text(100, _MEDIA))]
    size: Annotated[StrictInt, AfterValidator(integer(0, ATTACHED_LIMIT))]
    sha256: MessageId
    content: Base64

    @model_validator(mode="after")
    def _matches_its_hash(self, info: ValidationInfo) -> AttachedFile:
        if not on_the_wire(info):
            return self
        if len(self.content) != self.size:
            raise refuse(f"{self.name!r} has {len(self.content)} bytes, not the {self.size}"
                         " declared", at=".size")  # fmt: skip
        if hashlib.sha256(self.content).hexdigest() != self.sha256:
            raise refuse(f"{self.name!r} does not match its SHA-256; the document was altered"
                         " or mislabelled", at=".sha256")  # fmt: skip
        return self

    @classmethod
    def of(cls, name: str, media_type: str, content: bytes) -> AttachedFile:
        return cls(name, media_type, len(content), hashlib.sha256(content).hexdigest(), content)


def _within_limit(
    value: tuple[AttachedFile, ...] | None, info: ValidationInfo
) -> tuple[AttachedFile, ...] | None:
    if on_the_wire(info) and value:
        total = sum(f.size for f in value)
        if total > ATTACHED_LIMIT:
            raise refuse(f"documents of {total} bytes in all, at most {ATTACHED_LIMIT}")
    return value


Files = Annotated[
    tuple[AttachedFile, ...] | None,
    AfterValidator(lambda v, i: items(ATTACHED_FILES)(v, i) if v else v),
    AfterValidator(_within_limit),
]
"""Documents carried inline; left out of the wire object when there are none, so messages
without them keep their bytes."""


class Payload:
    """Base of the payloads: each knows its wire type, sender side, article and transition.

    Subclasses are wire objects; ``to_dict`` is their JSON value (canonical once signed)."""

    TYPE: ClassVar[MessageType]
    SIDE: ClassVar[Side | None]
    ARTICLE: ClassVar[str]
    TRANSITION: ClassVar[TransitionName | None] = None

    def implied_transition(self) -> TransitionName | None:
        """The lifecycle transition the receiving node records for this message."""
        return self.TRANSITION

    def to_dict(self) -> dict[str, Any]:
        """The payload as its wire object, fields without a value left out."""
        return {k: v for k, v in to_wire(self).items() if v is not None}

    def canonical_bytes(self) -> bytes:
        """The payload's RFC 8785 bytes."""
        return canonical_json(self.to_dict())


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Request(Payload):
    """A request for assistance with the contents of 46(15) and a deadline with reasons."""

    TYPE = MessageType.REQUEST
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(13)-(15)"

    reference: Reference
    measures: Annotated[
        tuple[Measure, ...],
        BeforeValidator(_measures),
        AfterValidator(items(len(Measure))),
        _at_least_one("name at least one measure (UNCAC 46(3))"),
    ]
    summary: LongText
    purpose: LongText
    language: Annotated[StrictStr, AfterValidator(text(10)), AfterValidator(_language)]
    confidential: StrictBool
    deadline: WireDate | None = None
    deadline_reason: Annotated[StrictStr, AfterValidator(text(2000))] | None = None
    attachments: Evidence = ()
    title: Annotated[StrictStr, AfterValidator(text(300))] | None = None
    legal_basis: Annotated[StrictStr, AfterValidator(text(300))] | None = None
    urgent: StrictBool = False
    document: dict[str, Any] | None = None
    """The structured request with every content of 46(15)-(16) (``drafting``), so the
    requested state reads exactly what the requesting state approved and signed."""

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        return require(value, ("attachments",))

    @model_validator(mode="after")
    def _deadline_has_reasons(self, info: ValidationInfo) -> Request:
        if on_the_wire(info) and self.deadline is not None and self.deadline_reason is None:
            raise refuse("a requested deadline needs its reasons (UNCAC 46(24))",
                         at=".deadline_reason")  # fmt: skip
        return self

    @field_serializer("urgent")
    def _urgent(self, urgent: bool) -> bool | None:
        """Only an urgent request says so, so older requests keep their bytes."""
        return urgent or None


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Acknowledgement(Payload):
    TYPE = MessageType.ACKNOWLEDGEMENT
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(13)"
    TRANSITION = TransitionName.ACKNOWLEDGE

    reference: Reference
    their_reference: Reference | None = None
    note: LongText | None = None
    """What the requested state says with its acknowledgement (who handles the request,
    what it needs first); left out when empty, so older acknowledgements keep their bytes."""


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class AdditionalInformationRequest(Payload):
    TYPE = MessageType.ADDITIONAL_INFORMATION_REQUEST
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(16)"
    TRANSITION = TransitionName.REQUEST_ADDITIONAL_INFORMATION

    reference: Reference
    questions: Annotated[Texts, _at_least_one("ask at least one question")]
    reason: LongText


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class AdditionalInformation(Payload):
    """The requesting state's reply to a request for additional information."""

    TYPE = MessageType.ADDITIONAL_INFORMATION
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(16)"
    TRANSITION = TransitionName.PROVIDE_ADDITIONAL_INFORMATION

    reference: Reference
    answers: LongText
    attachments: Evidence = ()
    files: Files = None

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        return require(value, ("attachments",))


class Intention(StrEnum):
    REFUSAL = "refusal"
    POSTPONEMENT = "postponement"


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Consultation(Payload):
    """46(26): before refusing or postponing, ask whether assistance can go ahead on
    conditions."""

    TYPE = MessageType.CONSULTATION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(26)"
    TRANSITION = TransitionName.OPEN_CONSULTATION

    reference: Reference
    intended: Intention
    reason: LongText
    grounds: tuple[RefusalGround, ...] = ()
    conditions: Texts = ()

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        """Grounds belong to an intended refusal, and are read as a refusal's are."""
        value = require(value, ("grounds", "conditions"))
        if not isinstance(value, dict) or not isinstance(value.get("grounds"), list):
            return value
        if len(value["grounds"]) > 8:
            raise refuse(f"list has {len(value['grounds'])} items, at most 8", at=".grounds")
        if value.get("intended") == Intention.REFUSAL.value:
            return value | {
                "grounds": domain_rule(parse_refusal_grounds, value["grounds"], at=".grounds")
            }
        if value["grounds"]:
            raise refuse("grounds belong to an intended refusal", at=".grounds")
        return value


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class ConsultationAnswer(Payload):
    """The requesting state accepts or declines the conditions offered (46(26))."""

    TYPE = MessageType.CONSULTATION_ANSWER
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(26)"

    reference: Reference
    consultation: MessageId
    accepted: StrictBool
    note: LongText | None = None

    def implied_transition(self) -> TransitionName | None:
        """None: the answer is recorded, and the requested state's central authority then
        agrees the conditions (its own move, which it reports back), postpones or refuses.
        Agreeing is its decision under 46(26), not an automatic effect of the answer."""
        return None


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Postponement(Payload):
    TYPE = MessageType.POSTPONEMENT
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(25)"
    TRANSITION = TransitionName.POSTPONE

    reference: Reference
    reason: LongText
    until: WireDate | None = None


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _Execution(Payload):
    reference: Reference
    evidence: Evidence
    note: LongText | None = None
    files: Files = None

    @model_validator(mode="after")
    def _says_what_was_done(self, info: ValidationInfo) -> _Execution:
        if on_the_wire(info) and not self.evidence and self.note is None and not self.files:
            raise refuse(
                "an execution report carries evidence references or a note saying what was done",
                at=".evidence",
            )
        return self


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class PartialExecution(_Execution):
    TYPE = MessageType.PARTIAL_EXECUTION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.EXECUTE_PARTIALLY


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class FinalExecution(_Execution):
    TYPE = MessageType.FINAL_EXECUTION
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.COMPLETE_EXECUTION


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Refusal(Payload):
    """A refusal on grounds of 46(21)(a)-(d), with reasons (46(23)), after the consultation
    of 46(26), which it names."""

    TYPE = MessageType.REFUSAL
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(21), 46(23), 46(26)"
    TRANSITION = TransitionName.REFUSE

    reference: Reference
    grounds: Annotated[
        Grounds, _at_least_one("a refusal must name at least one ground of UNCAC 46(21)(a)-(d)")
    ]
    reasons: LongText
    consultation: MessageId

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(GROUND_ARTICLES[g] for g in self.grounds)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Withdrawal(Payload):
    TYPE = MessageType.WITHDRAWAL
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(24)"
    TRANSITION = TransitionName.WITHDRAW

    reference: Reference
    reason: LongText


class SpontaneousBasis(StrEnum):
    GENERAL = "46(4)"
    PROCEEDS = "56"


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class SpontaneousInformation(Payload):
    """Information sent without a request (46(4); on proceeds of offences, 56); the
    restrictions travel in the message's handling."""

    TYPE = MessageType.SPONTANEOUS_INFORMATION
    SIDE = None
    ARTICLE = "UNCAC 46(4)-(5), 56"

    basis: SpontaneousBasis
    summary: LongText
    items: Evidence = ()

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        return require(value, ("items",))


def _read_grant(value: object) -> object:
    """The wire's flat ``kind``/``purpose``/``case``/``recipient`` as ``use`` and
    ``recipient``: purpose and case only for a consent to another use, the recipient only
    for a consent to forward (46(19); SIENA H2)."""
    if not isinstance(value, dict):
        return value
    value = dict(value)
    kind = value.get("kind")
    purpose, case = value.pop("purpose", None), value.pop("case", None)
    if kind == ConsentKind.USE.value:
        try:
            chosen = parse_enum(Purpose, purpose, "")
        except InvalidInput as exc:
            raise refuse(exc.message, at=".purpose") from None
        if not isinstance(case, str) or not _REFERENCE.match(case):
            raise refuse(f"{case!r} does not match {_REFERENCE.pattern}", at=".case")
        value["use"] = Use(chosen, case)
    elif purpose is not None or case is not None:
        raise refuse(f"purpose and case belong to a consent of kind use, not {kind}",
                     at=".purpose")  # fmt: skip
    if kind == ConsentKind.FORWARD.value:
        recipient = value.get("recipient")
        if not isinstance(recipient, str) or not NODE_ID.match(recipient):
            raise refuse(f"{recipient!r} does not match {NODE_ID.pattern}", at=".recipient")
    elif value.get("recipient") is not None:
        raise refuse(f"recipient belongs to a consent of kind forward, not {kind}",
                     at=".recipient")  # fmt: skip
    return value


def _grant_dict(data: dict[str, Any]) -> dict[str, Any]:
    use = data.pop("use", None)
    return data | {
        "purpose": use["purpose"] if use else None,
        "case": use["case"] if use else None,
    }


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class ConsentRequest(Payload):
    """Ask the originator's prior consent to another use, to forwarding, or to export
    (46(19); SIENA H1/H2; Europol Reg. Art. 19)."""

    TYPE = MessageType.CONSENT_REQUEST
    SIDE = None
    ARTICLE = "UNCAC 46(19)"

    original_message: MessageId
    kind: ConsentKind
    reason: LongText
    use: Use | None = None
    recipient: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        return _read_grant(value)

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _grant_dict(handler(self))


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class ConsentAnswer(Payload):
    """The originator's answer; a granted answer, once verified, is a ``ConsentRecord``."""

    TYPE = MessageType.CONSENT_ANSWER
    SIDE = None
    ARTICLE = "UNCAC 46(19)"

    consent_request: MessageId
    original_message: MessageId
    granted: StrictBool
    kind: ConsentKind
    use: Use | None = None
    recipient: str | None = None
    conditions: Texts = ()

    @model_validator(mode="before")
    @classmethod
    def _on_the_wire(cls, value: object) -> object:
        return _read_grant(require(value, ("conditions",)))

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _grant_dict(handler(self))

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


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class StatusInquiry(Payload):
    TYPE = MessageType.STATUS_INQUIRY
    SIDE = Side.REQUESTING
    ARTICLE = "UNCAC 46(24)"

    reference: Reference
    question: LongText | None = None


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class StatusAnswer(Payload):
    """46(24): the requested state must answer reasonable inquiries on status and progress."""

    TYPE = MessageType.STATUS_ANSWER
    SIDE = Side.REQUESTED
    ARTICLE = "UNCAC 46(24)"

    reference: Reference
    state: RequestState
    note: LongText | None = None
    expected_completion: WireDate | None = None


PAYLOADS: dict[MessageType, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        Request, Acknowledgement, AdditionalInformationRequest, AdditionalInformation,
        Consultation, ConsultationAnswer, Postponement, PartialExecution, FinalExecution,
        Refusal, Withdrawal, SpontaneousInformation, ConsentRequest, ConsentAnswer,
        StatusInquiry, StatusAnswer,
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Message:
    """What a sender says: the payload, the case it belongs to and how it must be handled.

    ``case`` is the sender's case reference; ``in_reply_to`` the id of the message answered.
    The wire object is ``{"case", "handling", "in_reply_to", "payload", "type"}``, where
    ``type`` says which payload class reads ``payload``.
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
        return {
            "type": self.type.value,
            "case": self.case,
            "handling": self.handling.to_dict(),
            "in_reply_to": self.in_reply_to,
            "payload": self.payload.to_dict(),
        }

    def canonical_bytes(self) -> bytes:
        """The message's RFC 8785 bytes, as they sit in the signed content."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, value: object, where: str = "message") -> Message:
        envelope = read_wire(_MessageFields, value, where)
        kind = parse_enum(MessageType, envelope.type, f"{where}.type")
        return cls(
            payload=read_wire(PAYLOADS[kind], envelope.payload, f"{where}.payload"),
            case=envelope.case,
            handling=Handling.from_dict(envelope.handling, where=f"{where}.handling"),
            in_reply_to=envelope.in_reply_to,
        )


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _MessageFields:
    """The outer fields of a message, before ``type`` picks the payload's class."""

    type: object
    case: Reference
    handling: object
    payload: object
    in_reply_to: Annotated[StrictStr, AfterValidator(text(64, MESSAGE_ID))] | None = None
