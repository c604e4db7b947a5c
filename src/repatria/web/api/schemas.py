"""Wire models of the HTTP API, with examples; the OpenAPI document comes from these.

They describe shapes only. The rules (ISO codes, lifecycle, FtM schemata)
are checked by the domain, which names the failing field in its message.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from repatria.domain.authority import ContactPoint
from repatria.domain.case import Case
from repatria.domain.entities import concrete_schema_names
from repatria.domain.event import Event
from repatria.domain.jurisdiction import all_jurisdictions
from repatria.domain.lifecycle import Direction, Transition, TransitionName
from repatria.domain.measure import Measure
from repatria.domain.request import Request
from repatria.domain.text import SHOWN_LINE, SHOWN_TEXT, SHOWN_WORDS

# Values inside bodies, each published with what its check accepts (web/api/params.py says why).
JurisdictionCode = Annotated[
    str,
    Field(max_length=8, json_schema_extra={"enum": sorted(j.code for j in all_jurisdictions())}),
]
MeasureName = Annotated[str, Field(json_schema_extra={"enum": [m.value for m in Measure]})]
OffenceName = Annotated[str, Field(max_length=300, json_schema_extra={"pattern": SHOWN_WORDS})]
NOT_BLANK = r"\S"
"""Something other than spaces (an unanchored pattern matches anywhere, JSON Schema §6.3.3)."""
EntityRef = Annotated[str, Field(max_length=200, json_schema_extra={"pattern": NOT_BLANK})]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    username: str = Field(max_length=64, examples=["officer.ng"])
    password: str = Field(max_length=1024)
    name: str = Field(default="", max_length=200, description="What the token is for.")


class TokenOut(BaseModel):
    token: str
    expires_at: datetime
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    node_id: str
    jurisdiction: str
    authority: str


class HealthOut(BaseModel):
    status: str
    version: str
    node_id: str
    jurisdiction: str
    database: str


class CaseIn(Strict):
    title: str = Field(
        max_length=300,
        examples=["Bribery of officials in the Delta oil licences"],
        json_schema_extra={"pattern": SHOWN_WORDS},
    )
    summary: str = Field(default="", max_length=20_000, json_schema_extra={"pattern": SHOWN_TEXT})
    offences: list[OffenceName] = Field(default_factory=list, max_length=50)


class CaseOut(BaseModel):
    reference: str
    title: str
    summary: str
    offences: list[str]
    status: str
    jurisdiction: str
    created_at: datetime
    created_by: str
    members: list[str]

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls(
            reference=case.reference,
            title=case.title,
            summary=case.summary,
            offences=list(case.offences),
            status=case.status.value,
            jurisdiction=case.jurisdiction,
            created_at=case.created_at,
            created_by=case.created_by,
            members=list(case.members),
        )


class MemberIn(Strict):
    username: str = Field(max_length=64)
    why: str = Field(
        max_length=2000,
        description="Why this person needs to know.",
        json_schema_extra={"pattern": NOT_BLANK},
    )


class RequestIn(Strict):
    direction: str = Field(
        default="outgoing",
        examples=["outgoing"],
        json_schema_extra={"enum": [d.value for d in Direction]},
    )
    requesting_state: JurisdictionCode = Field(examples=["NG"])
    requested_state: JurisdictionCode = Field(examples=["GB"])
    measures: list[MeasureName] = Field(
        max_length=12, examples=[["records", "freezing"]], json_schema_extra={"minItems": 1}
    )
    title: str = Field(max_length=300, json_schema_extra={"pattern": SHOWN_WORDS})
    summary: str = Field(default="", max_length=20_000, json_schema_extra={"pattern": SHOWN_TEXT})
    legal_basis: str | None = Field(
        default=None, max_length=300, examples=["UNCAC"], json_schema_extra={"pattern": SHOWN_LINE}
    )
    deadline: date | None = None
    deadline_reason: str | None = Field(
        default=None, max_length=2000, json_schema_extra={"pattern": SHOWN_TEXT}
    )
    urgent: bool = False
    confidential: bool = True
    subjects: list[EntityRef] = Field(default_factory=list, max_length=200)
    foreign_reference: str | None = Field(
        default=None, max_length=100, json_schema_extra={"pattern": SHOWN_LINE}
    )


class RequestOut(BaseModel):
    reference: str
    case: str
    direction: str
    requesting_state: str
    requested_state: str
    measures: list[str]
    state: str
    title: str
    summary: str
    legal_basis: str | None
    deadline: date | None
    deadline_reason: str | None
    overdue: bool
    urgent: bool
    confidential: bool
    subjects: list[str]
    foreign_reference: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Request, today: date) -> RequestOut:
        return cls(
            reference=r.reference,
            case=r.case_reference,
            direction=r.direction.value,
            requesting_state=r.requesting_state,
            requested_state=r.requested_state,
            measures=[m.value for m in r.measures],
            state=r.state.value,
            title=r.title,
            summary=r.summary,
            legal_basis=r.legal_basis,
            deadline=r.deadline,
            deadline_reason=r.deadline_reason,
            overdue=r.is_overdue(today),
            urgent=r.urgent,
            confidential=r.confidential,
            subjects=list(r.subjects),
            foreign_reference=r.foreign_reference,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class TransitionIn(Strict):
    transition: str = Field(
        examples=["acknowledge"], json_schema_extra={"enum": [t.value for t in TransitionName]}
    )
    why: str = Field(default="", max_length=20_000)
    grounds: list[str] = Field(
        default_factory=list, max_length=4, description="Refusal grounds (UNCAC 46(21))."
    )
    expected_state: str | None = Field(
        default=None, description="Refuse the move if the request is no longer in this state."
    )


class TransitionOut(BaseModel):
    transition: str
    target: str
    side: str
    article: str
    summary: str
    needs_reason: bool

    @classmethod
    def of(cls, t: Transition) -> TransitionOut:
        return cls(
            transition=t.name.value,
            target=t.target.value,
            side=t.side.value,
            article=t.article,
            summary=t.summary,
            needs_reason=t.needs_reason,
        )


class InquiryIn(Strict):
    question: str = Field(max_length=5000)


class AnswerIn(Strict):
    answer: str = Field(max_length=20_000, json_schema_extra={"pattern": NOT_BLANK})


class InquiryOut(BaseModel):
    id: int
    asked_at: str
    asked_by: str
    question: str
    answered_at: str | None
    answered_by: str | None
    answer: str | None


def _concrete_schemata(schema: dict[str, Any]) -> None:
    # called when the OpenAPI document is built, so FtM loads then, not at import
    schema["enum"] = concrete_schema_names()


class EntityIn(Strict):
    id: str = Field(
        max_length=200, examples=["person-okafor"], json_schema_extra={"pattern": r"\S"}
    )
    schema_: str = Field(alias="schema", examples=["Person"], json_schema_extra=_concrete_schemata)
    properties: dict[str, list[str]] = Field(default_factory=dict)


class EventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    why: str
    case: str | None
    request: str | None
    entity: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            why=e.why,
            case=e.case_reference,
            request=e.request_reference,
            entity=e.entity_id,
            details=e.details,
        )


class ContactPointIn(Strict):
    key: str = Field(max_length=64, examples=["gb-uk-central-authority"])
    name: str = Field(max_length=200)
    role: str = Field(examples=["central-authority"])
    jurisdiction: str = Field(max_length=8, examples=["GB"])
    languages: list[str] = Field(examples=[["en"]])
    channels: list[str] = Field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    urgent_24_7: bool = False


class ContactPointOut(BaseModel):
    key: str
    name: str
    role: str
    jurisdiction: str
    languages: list[str]
    channels: list[str]
    email: str | None
    phone: str | None
    urgent_24_7: bool

    @classmethod
    def of(cls, c: ContactPoint) -> ContactPointOut:
        return cls.model_validate(c.to_dict())


class UserIn(Strict):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    roles: list[str]
    display_name: str | None = Field(
        default=None, max_length=200, json_schema_extra={"pattern": SHOWN_LINE}
    )


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    active: bool


class AccessDecisionOut(BaseModel):
    at: str
    actor: str
    action: str
    case: str | None
    allowed: bool
    reason: str


class ErrorDetail(BaseModel):
    type: str
    message: str
    where: str | None
    correlation_id: str


class ErrorOut(BaseModel):
    error: ErrorDetail
