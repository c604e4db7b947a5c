"""The standard MLA request, schema version 1.0, as a pydantic model.

Every field is optional at this level: a draft is saved and validated while it is
being written, so a missing item is a *finding* of ``validate`` (with its article),
not a parse failure. What the model does refuse is a value of the wrong shape or an
unknown code (language, state, measure, currency), because such a value cannot be
shown or checked at all.

The field descriptions carry the article each field answers to (``x-article``);
the shipped JSON Schema (``schema/request-1.0.schema.json``) is generated from
this model and a test keeps the two identical. People, companies, accounts and
assets are FollowTheMoney entities kept as FtM JSON here and validated by
``repatria.domain.entities.validate_entity`` during validation (style.md
principle 4), so the paths of their problems can name the exact property.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.language import parse_language
from repatria.domain.measure import Measure
from repatria.errors import InvalidInput

SCHEMA_VERSION = "1.0"


def _error(kind: str, message: str) -> PydanticCustomError:
    # The message goes in as context, not as the template, so braces in a user's
    # value cannot break pydantic's formatting.
    return PydanticCustomError(kind, "{message}", {"message": message})


def _language(value: str) -> str:
    try:
        return parse_language(value)
    except InvalidInput as error:
        raise _error("language", error.message) from None


def _jurisdiction(value: str) -> str:
    try:
        return parse_jurisdiction(value).code
    except InvalidInput as error:
        raise _error("jurisdiction", error.message) from None


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in list_currencies():
        raise _error("currency", f"{value!r} is not an ISO 4217 currency code (e.g. GBP, NGN, USD)")
    return code


Language = Annotated[
    str,
    AfterValidator(_language),
    Field(description="ISO 639-1 language code (ISO 639-3 where there is none)"),
]
StateCode = Annotated[
    str, AfterValidator(_jurisdiction), Field(description="ISO 3166-1 alpha-2 code")
]
Currency = Annotated[str, AfterValidator(_currency), Field(description="ISO 4217 code")]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]


_FTM_ENTITY: dict[str, Any] = {
    "required": ["id", "schema"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "schema": {"type": "string", "description": "FollowTheMoney schema name"},
        "properties": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
"""The shape of FtM JSON; the values themselves are checked against the FtM model."""


def _article(article: str) -> dict[str, Any]:
    return {"x-article": article}


class TranslationStatus(StrEnum):
    """Where a free text stands as a translation (UNCAC Art. 46(14): acceptable language).

    ``original``: written in this language; ``machine``: a machine translation nobody
    certified; ``certified``: a certified translation (the user's job, the tool only
    records it); ``pending``: the translation has been ordered and this is not it yet.
    """

    ORIGINAL = "original"
    MACHINE = "machine"
    CERTIFIED = "certified"
    PENDING = "pending"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class TranslatedText(_Model):
    """The text put into another language, kept beside the original (UNCAC Art. 46(14)).

    A requested state reads a request in a language it accepts; the drafter
    enters the translation next to the original so both travel together and
    the rendered document can print the translation while saying it is one.
    """

    text: str = Field(min_length=1, max_length=50_000)
    lang: Language
    status: Literal["machine", "certified", "pending"] = "pending"


class LocalisedText(_Model):
    """Free text with its language and translation status, and optionally its translation.

    ``translated`` (added in 1.0 without breaking it: absent means none) holds
    the text in the requested state's language (UNCAC Art. 46(14)).
    """

    text: str = Field(min_length=1, max_length=50_000)
    lang: Language
    translation: TranslationStatus = TranslationStatus.ORIGINAL
    translated_from: Language | None = Field(
        default=None, description="Language of the original, for a translation"
    )
    translated: TranslatedText | None = Field(
        default=None,
        description="Its translation into the requested state's language",
        json_schema_extra=_article("UNCAC Art. 46(14)"),
    )


Text = LocalisedText | None


class Authority(_Model):
    """An authority: its name, its functions and where it sits."""

    name: Text = None
    functions: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(15)(b)"))
    address: ShortText | None = None
    state: StateCode | None = None


class Channel(StrEnum):
    """How the request travels (UNCAC Art. 46(13))."""

    CENTRAL_AUTHORITY = "central-authority"
    DIPLOMATIC = "diplomatic"
    INTERPOL = "interpol"
    DIRECT = "direct"


class ProceedingKind(StrEnum):
    """UNCAC Art. 46(15)(b): investigation, prosecution or judicial proceeding."""

    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    JUDICIAL_PROCEEDING = "judicial-proceeding"


class Proceedings(_Model):
    """UNCAC Art. 46(15)(b): subject and nature, and the authority conducting them."""

    kind: ProceedingKind | None = None
    reference: ShortText | None = None
    subject: Text = Field(default=None, description="Subject and nature of the proceedings")
    authority: Authority | None = Field(
        default=None, description="Name and functions of the authority conducting them"
    )


class Offence(_Model):
    """An offence under investigation, with the text of the provision (practice; Art. 46(9))."""

    name: Text = None
    offence_id: ShortText | None = Field(
        default=None,
        description="Offence id of the legal-basis engine (repatria.law), for scope checks",
    )
    provision: ShortText | None = Field(default=None, description="Citation of the provision")
    text: Text = Field(default=None, description="Text of the provision")
    penalty: Text = Field(default=None, description="Maximum penalty")


class Period(_Model):
    """A period of records sought, both ends included."""

    start: dt.date | None = None
    end: dt.date | None = None


class MeasureSought(_Model):
    """UNCAC Art. 46(15)(d): the assistance sought and any procedure to follow (46(17))."""

    measure: Measure
    description: Text = None
    procedure: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(17)"))
    targets: tuple[ShortText, ...] = Field(
        default=(), description="Ids of the persons and assets the measure concerns"
    )
    period: Period | None = Field(default=None, description="Period of records sought")


class Role(StrEnum):
    SUSPECT = "suspect"
    ACCUSED = "accused"
    WITNESS = "witness"
    VICTIM = "victim"
    ACCOUNT_HOLDER = "account-holder"
    THIRD_PARTY = "third-party"
    OTHER = "other"


class PersonConcerned(_Model):
    """UNCAC Art. 46(15)(e): identity, location and nationality, as a FtM entity."""

    role: Role | None = None
    entity: dict[str, Any] = Field(
        description="FollowTheMoney entity (Person, Company, ...)", json_schema_extra=_FTM_ENTITY
    )


class AssetConcerned(_Model):
    """An account or asset with its identifiers, as a FtM entity (practice; Art. 55(3)(a))."""

    entity: dict[str, Any] = Field(
        description="FollowTheMoney entity (BankAccount, RealEstate, Vehicle, CryptoWallet, ...)",
        json_schema_extra=_FTM_ENTITY,
    )
    holders: tuple[ShortText, ...] = Field(default=(), description="Ids of persons concerned")
    link: Text = Field(default=None, description="How this asset is linked to the offence")


class LegalBasis(_Model):
    """The basis chosen (an instrument id of the legal-basis engine) and its articles."""

    instrument: ShortText | None = None
    articles: tuple[ShortText, ...] = ()
    reciprocity_assurance: Text = None


class Urgency(_Model):
    urgent: bool = False
    reasons: Text = None


class Deadline(_Model):
    """UNCAC Art. 46(24): a deadline suggested with its reasons."""

    date: dt.date | None = None
    reasons: Text = None


class Confidentiality(_Model):
    """UNCAC Art. 46(20): the fact and substance of the request to stay confidential."""

    requested: bool = False
    reasons: Text = None


class UseLimitation(_Model):
    """UNCAC Art. 46(19): no other use without the requested state's prior consent."""

    accepted: bool = False


class ContactPoint(_Model):
    name: ShortText | None = None
    function: Text = None
    email: ShortText | None = None
    phone: ShortText | None = None
    languages: tuple[Language, ...] = ()


class AttachmentKind(StrEnum):
    ORDER = "order"
    LEGISLATION = "legislation"
    EVIDENCE = "evidence"
    IDENTITY = "identity"
    OTHER = "other"


class Attachment(_Model):
    id: ShortText
    title: Text = None
    kind: AttachmentKind = AttachmentKind.OTHER
    certified_copy: bool = False
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class Order(_Model):
    """A court order: freezing, seizure or confiscation."""

    court: Text = None
    reference: ShortText | None = None
    date: dt.date | None = None
    final: bool | None = None
    attachment: ShortText | None = Field(default=None, description="Id of the attached copy")


class ConfiscationRoute(StrEnum):
    """UNCAC Art. 55(1): a new order in the requested state, or enforcing ours."""

    DOMESTIC_ORDER = "domestic-order"
    FOREIGN_ORDER = "foreign-order"


class Confiscation(_Model):
    """UNCAC Art. 55(3)(a)-(b): the extra contents of a confiscation request."""

    route: ConfiscationRoute | None = None
    order: Order | None = None
    extent: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 55(3)(b)"))
    third_party_notice: Text = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 55(3)(b)")
    )
    finality_statement: Text = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 55(3)(b)")
    )


class Freezing(_Model):
    """UNCAC Art. 55(3)(c) and 54(2): what to freeze and on what basis."""

    action: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 55(3)(c)"))
    reasonable_basis: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 54(2)(b)"))
    order: Order | None = None


class Signature(_Model):
    """Who signs, for authenticity (UNCAC Art. 46(14))."""

    name: ShortText | None = None
    function: Text = None
    place: ShortText | None = None
    date: dt.date | None = None


class Amount(_Model):
    amount: Decimal = Field(ge=0)
    currency: Currency


class RequestDocument(_Model):
    """A request for mutual legal assistance (UNCAC Art. 46(15)-(16), 55(3))."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="repatria MLA request",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://repatria.invalid/schema/request-1.0.schema.json",
        },
    )

    schema_version: Literal["1.0"] | None = None
    reference: ShortText | None = None
    date: dt.date | None = None
    language: Language | None = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(14)"))
    requesting_state: StateCode | None = None
    requested_state: StateCode | None = None
    requesting_authority: Authority | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(15)(a)")
    )
    addressee: Authority | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(13)")
    )
    channel: Channel | None = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(13)"))
    proceedings: Proceedings | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(15)(b)")
    )
    offences: tuple[Offence, ...] = ()
    facts: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(15)(c)"))
    measures: tuple[MeasureSought, ...] = Field(
        default=(), json_schema_extra=_article("UNCAC Art. 46(15)(d)")
    )
    persons: tuple[PersonConcerned, ...] = Field(
        default=(), json_schema_extra=_article("UNCAC Art. 46(15)(e)")
    )
    assets: tuple[AssetConcerned, ...] = Field(
        default=(), json_schema_extra=_article("UNCAC Art. 55(3)(a)")
    )
    link_to_offence: Text = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 54(2)(b), 55(3)")
    )
    purpose: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(15)(f)"))
    legal_basis: LegalBasis | None = None
    dual_criminality: Text = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(9)(b)"))
    urgency: Urgency | None = None
    deadline: Deadline | None = Field(default=None, json_schema_extra=_article("UNCAC Art. 46(24)"))
    confidentiality: Confidentiality | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(20)")
    )
    use_limitation: UseLimitation | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(19)")
    )
    contact: ContactPoint | None = None
    additional_information: Text = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(16)")
    )
    confiscation: Confiscation | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 55(3)(a)-(b)")
    )
    freezing: Freezing | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 55(3)(c)")
    )
    attachments: tuple[Attachment, ...] = ()
    signature: Signature | None = Field(
        default=None, json_schema_extra=_article("UNCAC Art. 46(14)")
    )

    def texts(self) -> list[tuple[str, LocalisedText]]:
        """Every free text in the document with its path, for language checks."""
        found: list[tuple[str, LocalisedText]] = []
        _collect(self, "", found)
        return found


def _collect(value: object, path: str, found: list[tuple[str, LocalisedText]]) -> None:
    if isinstance(value, LocalisedText):
        found.append((path, value))
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect(getattr(value, name), f"{path}.{name}" if path else name, found)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            _collect(item, f"{path}[{i}]", found)
