"""Handling codes and use limitation: what a receiving node may do with what it was sent.

Every message and every item carries a ``Handling``: its confidentiality level and the uses
it may be put to. The rules come from:

- UNCAC Art. 46(19): information or evidence is used only for the investigations,
  prosecutions or proceedings named in the request, unless the requested state consents
  beforehand; exculpatory information may be disclosed, with notice to the originator
  beforehand (or straight after, if prior notice is impossible).
- UNCAC Art. 46(20): the fact and substance of a request may have to stay confidential.
- UNCAC Art. 46(5) and Art. 56: spontaneous information comes with the transmitter's
  restrictions on use, which the receiver must respect.
- SIENA handling codes (Council manual on law-enforcement information exchange): H0 use only
  for preventing and combating crime; H1 not to be used in judicial proceedings without the
  provider's permission; H2 not to be disseminated without the provider's permission; H3 other
  restrictions. Europol Regulation 2016/794 Art. 19: the provider sets purposes and
  restrictions, and another purpose needs its authorisation.
- EU classification levels (Council Decision 2013/488/EU Art. 2): a system handles
  information up to the level it is accredited for.

The decision functions (``may_use``, ``may_export``, ``may_forward``) are pure, fail closed
(anything not granted is refused) and return a ``Decision`` that names its reason and
article, so each refusal explains itself to the officer and to a court.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    StrictBool,
    StrictStr,
    field_serializer,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from repatria.errors import InvalidInput
from repatria.exchange.canonical import MESSAGE_ID, NODE_ID, format_time
from repatria.exchange.wire import (
    WIRE_CONFIG,
    WireTime,
    canonical_bytes,
    items,
    read_wire,
    require,
    text,
    to_wire,
)

_Case = Annotated[StrictStr, AfterValidator(text(max_length=100))]
_Condition = Annotated[StrictStr, AfterValidator(text(max_length=2000))]


class Confidentiality(StrEnum):
    """Levels in increasing order (EU classified information, Decision 2013/488/EU Art. 2)."""

    UNCLASSIFIED = "unclassified"
    RESTRICTED = "restricted"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # nosec B105  # the EU classification level SECRET, not a credential

    @property
    def rank(self) -> int:
        return _LEVELS.index(self)


_LEVELS = list(Confidentiality)


class HandlingCode(StrEnum):
    """SIENA handling codes."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"


class Purpose(StrEnum):
    """What information may be used for; all but intelligence lead to proceedings."""

    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    JUDICIAL_PROCEEDINGS = "judicial-proceedings"
    ASSET_RECOVERY = "asset-recovery"
    INTELLIGENCE = "intelligence"


CRIME_PURPOSES = frozenset(
    {Purpose.INVESTIGATION, Purpose.PROSECUTION, Purpose.JUDICIAL_PROCEEDINGS,
     Purpose.ASSET_RECOVERY, Purpose.INTELLIGENCE}
)  # fmt: skip
"""H0: use only to prevent and combat crime. Every purpose we model is one of them."""


class ConsentKind(StrEnum):
    """What a consent grants: another use (46(19)), onward transmission (H2), or export."""

    USE = "use"
    FORWARD = "forward"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class Use:
    """A use of information: a purpose within one case (the proceedings of 46(19))."""

    purpose: Purpose
    case: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of a handling rule: allowed or not, why, under which article, and duties."""

    allowed: bool
    reason: str
    article: str
    obligations: tuple[str, ...] = ()


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Handling:
    """The conditions under which an item or message may be used.

    ``purposes`` and ``cases`` are what the originator allowed (46(19): "the
    investigations, prosecutions or judicial proceedings stated in the request");
    ``court`` says whether it may be used before a court without further consent (H1
    withdraws that), ``forward`` whether it may go to a third party (H2 withdraws that),
    ``export`` whether it may leave the receiving node as a file or print.
    ``conditions`` are H3's other restrictions and the conditions agreed under 46(26),
    as text shown wherever the item is shown. ``originator`` is the node whose consent
    lifts a restriction.
    """

    originator: Annotated[StrictStr, AfterValidator(text(pattern=NODE_ID))]
    level: Confidentiality = Confidentiality.RESTRICTED
    codes: Annotated[frozenset[HandlingCode], AfterValidator(items(4))] = field(
        default_factory=frozenset
    )
    purposes: frozenset[Purpose] = field(default_factory=frozenset)
    cases: Annotated[tuple[_Case, ...], AfterValidator(items(100))] = ()
    court: StrictBool = False
    forward: StrictBool = False
    export: StrictBool = False
    confidential_request: StrictBool = False
    conditions: Annotated[tuple[_Condition, ...], AfterValidator(items(100))] = ()

    @model_validator(mode="before")
    @classmethod
    def _all_on_the_wire(cls, value: object) -> object:
        return require(value, _HANDLING_FIELDS)

    def __post_init__(self) -> None:
        if not NODE_ID.match(self.originator):
            raise InvalidInput(
                f"originator {self.originator!r} is not a node id", where="handling.originator"
            )
        if HandlingCode.H1 in self.codes and self.court:
            raise InvalidInput(
                "H1 forbids judicial use without the provider's permission, yet court is true",
                where="handling.court",
            )
        if HandlingCode.H2 in self.codes and self.forward:
            raise InvalidInput(
                "H2 forbids dissemination without the provider's permission, yet forward is true",
                where="handling.forward",
            )
        if HandlingCode.H3 in self.codes and not self.conditions:
            raise InvalidInput(
                "H3 (other restrictions) needs the restrictions stated in conditions",
                where="handling.conditions",
            )

    @field_serializer("codes", "purposes")
    def _sorted(self, value: frozenset[StrEnum]) -> list[str]:
        """Sets travel sorted, so one handling has one canonical form (RFC 8785)."""
        return sorted(v.value for v in value)

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    def canonical_bytes(self) -> bytes:
        """The handling's RFC 8785 bytes."""
        return canonical_bytes(self)

    @classmethod
    def from_dict(cls, value: object, *, where: str = "handling") -> Handling:
        return read_wire(cls, value, where)


_HANDLING_FIELDS = ("originator", "level", "codes", "purposes", "cases", "court", "forward",
                    "export", "confidential_request", "conditions")  # fmt: skip


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class ConsentRecord:
    """The originator's signed answer to a consent request (46(19); Europol Reg. Art. 19).

    Built only from a verified consent-answer message (``messages.ConsentAnswer``), so it
    binds who consented (``granted_by``), when, in which signed message
    (``consent_message``), for which original message (``original_message``) and for what:
    a new ``use`` (purpose and case), forwarding to ``recipient``, or export.
    """

    consent_message: str
    original_message: str
    granted_by: str
    granted_at: WireTime
    kind: ConsentKind
    use: Use | None = None
    recipient: str | None = None
    conditions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("consent_message", "original_message"):
            if not MESSAGE_ID.match(getattr(self, name)):
                raise InvalidInput("expected a message id (64 hex digits)", where=name)
        if self.kind is ConsentKind.USE and self.use is None:
            raise InvalidInput("a consent to another use names the use", where="use")
        if self.kind is ConsentKind.FORWARD and self.recipient is None:
            raise InvalidInput("a consent to forward names the recipient", where="recipient")

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The use as its ``purpose`` and ``case``, as a consent answer carries them."""
        body: dict[str, Any] = handler(self)
        use = body.pop("use")
        names = ("consent_message", "original_message", "granted_by", "granted_at", "kind")
        return {n: body[n] for n in names} | {
            "purpose": use["purpose"] if use else None,
            "case": use["case"] if use else None,
            "recipient": body["recipient"],
            "conditions": body["conditions"],
        }

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)


def may_use(
    handling: Handling,
    use: Use,
    consents: Iterable[ConsentRecord] = (),
    *,
    message_id: str,
) -> Decision:
    """May the item received in ``message_id`` be used for ``use``?

    Allowed when the originator allowed this purpose for this case (and, before a court,
    did not withhold judicial use); otherwise only with the originator's recorded consent
    to exactly this use (46(19)). Fails closed: no purposes or cases means no use.
    """
    if HandlingCode.H0 in handling.codes and use.purpose not in CRIME_PURPOSES:
        return Decision(
            False,
            f"H0: use only to prevent and combat crime; {use.purpose.value} is not such a use",
            "SIENA H0",
        )
    in_scope = use.purpose in handling.purposes and use.case in handling.cases
    court_barred = use.purpose is Purpose.JUDICIAL_PROCEEDINGS and not handling.court
    if in_scope and not court_barred:
        return Decision(
            True,
            f"{use.purpose.value} in case {use.case} is a use the originator allowed",
            "UNCAC 46(19)",
            handling.conditions,
        )
    granted = _consent(handling, consents, message_id, ConsentKind.USE, use=use)
    if granted is not None:
        return Decision(
            True,
            f"{use.purpose.value} in case {use.case}: consent given by {granted.granted_by} "
            f"in message {granted.consent_message} on {format_time(granted.granted_at)}",
            "UNCAC 46(19)",
            handling.conditions + granted.conditions,
        )
    if court_barred and in_scope:
        code = "H1: " if HandlingCode.H1 in handling.codes else ""
        return Decision(
            False,
            f"{code}use before a court needs {handling.originator}'s permission; ask for "
            "consent to judicial use",
            "SIENA H1; UNCAC 46(19)",
        )
    allowed = ", ".join(sorted(p.value for p in handling.purposes)) or "none"
    cases = ", ".join(handling.cases) or "none"
    return Decision(
        False,
        f"{use.purpose.value} in case {use.case} is outside what {handling.originator} allowed "
        f"(purposes: {allowed}; cases: {cases}); its prior consent is needed: send a "
        "consent request",
        "UNCAC 46(19)",
    )


def may_disclose_exculpatory(handling: Handling, case: str) -> Decision:
    """46(19), second sentence: exculpatory information may always be disclosed in the
    requesting state's proceedings, with notice to the originator beforehand (or straight
    after, if notice beforehand is impossible) and consultation if it asks."""
    return Decision(
        True,
        f"disclosure of exculpatory information in case {case} is allowed by the Convention",
        "UNCAC 46(19)",
        (
            (
                f"notify {handling.originator} before disclosing (or straight after, if prior "
                "notice is impossible) and consult it if it asks"
            ),
        ),
    )


def may_export(
    handling: Handling, consents: Iterable[ConsentRecord] = (), *, message_id: str
) -> Decision:
    """May the item leave the receiving node as a file or print?

    Confidential and secret material never leaves on the export path (it goes only to
    accredited systems); otherwise the originator's ``export`` flag or its consent decides.
    """
    if handling.level.rank >= Confidentiality.CONFIDENTIAL.rank:
        return Decision(
            False,
            f"{handling.level.value} material is not exported from an accredited system",
            "Council Decision 2013/488/EU Art. 2; Europol Reg. Art. 19",
        )
    if handling.export:
        return Decision(True, "the originator allowed export", "Europol Reg. Art. 19(2)",
                        handling.conditions)  # fmt: skip
    granted = _consent(handling, consents, message_id, ConsentKind.EXPORT)
    if granted is not None:
        return Decision(
            True,
            f"export: consent given by {granted.granted_by} in message {granted.consent_message}",
            "Europol Reg. Art. 19(2)",
            handling.conditions + granted.conditions,
        )
    return Decision(
        False,
        f"export needs {handling.originator}'s permission; ask for consent to export",
        "Europol Reg. Art. 19(2)",
    )


def may_forward(
    handling: Handling,
    recipient: str,
    recipient_level: Confidentiality | None,
    consents: Iterable[ConsentRecord] = (),
    *,
    message_id: str,
) -> Decision:
    """May the item be passed on to ``recipient`` (another node or authority)?

    Refused when the recipient is not accredited for the item's level (an unknown level
    counts as not accredited), when H2 or the originator withheld dissemination and no
    consent names this recipient, and always allowed back to the originator.
    """
    if recipient == handling.originator:
        return Decision(True, "returning information to its originator", "UNCAC 46(19)")
    if recipient_level is None or recipient_level.rank < handling.level.rank:
        have = recipient_level.value if recipient_level else "unknown"
        return Decision(
            False,
            f"{recipient} is accredited up to {have}, the item is {handling.level.value}",
            "Council Decision 2013/488/EU Art. 2",
        )
    if handling.forward:
        return Decision(True, "the originator allowed onward transmission", "UNCAC 46(19)",
                        handling.conditions)  # fmt: skip
    granted = _consent(handling, consents, message_id, ConsentKind.FORWARD, recipient=recipient)
    if granted is not None:
        return Decision(
            True,
            f"forwarding to {recipient}: consent given by {granted.granted_by} in message "
            f"{granted.consent_message}",
            "UNCAC 46(19)",
            handling.conditions + granted.conditions,
        )
    code = "H2: " if HandlingCode.H2 in handling.codes else ""
    return Decision(
        False,
        f"{code}passing it to {recipient} needs {handling.originator}'s prior consent",
        "SIENA H2; UNCAC 46(19)",
    )


def _consent(
    handling: Handling,
    consents: Iterable[ConsentRecord],
    message_id: str,
    kind: ConsentKind,
    *,
    use: Use | None = None,
    recipient: str | None = None,
) -> ConsentRecord | None:
    for consent in consents:
        if (
            consent.kind is kind
            and consent.original_message == message_id
            and consent.granted_by == handling.originator
            and consent.use == use
            and consent.recipient == recipient
        ):
            return consent
    return None
