"""The path and query parameters routes share, each published with the rule its check applies.

A bare ``str`` parameter tells a client that any text is fine, and then the use case refuses
most of it with 422: valid by the published schema, refused by the node (issue 13.8). Each
parameter here states in the OpenAPI document, as a JSON Schema pattern or enum (§6.1.2,
§6.3.3), the values its check accepts; the check itself stays in the domain, where its message
is in the officer's words ("not a case reference (expected e.g. NG-2026-0001)") for the CLI,
the pages and the API alike. FastAPI does not enforce ``json_schema_extra``; the checks do, and
tests/web/test_api_params.py holds each published rule to its check.

A published rule may be narrower than its check (the check also takes "ng-2026-0001" and
surrounding spaces, as people type them); it must never be wider.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from repatria.domain.case import CASE_REFERENCE_PATTERN, CaseStatus
from repatria.domain.jurisdiction import all_jurisdictions
from repatria.domain.language import UN_LANGUAGES
from repatria.domain.lifecycle import Direction, RequestState
from repatria.domain.measure import Measure
from repatria.domain.request import REQUEST_REFERENCE_PATTERN
from repatria.exchange.canonical import MESSAGE_ID
from repatria.law.offences import all_offences
from repatria.service.deliveries import STATES as OUTBOX_STATES
from repatria.service.drafting import FORMATS
from repatria.service.trace_facts import TRACE_ID_PATTERN


def _enum(values: list[str]) -> dict[str, Any]:
    return {"enum": values}


JURISDICTIONS = sorted(j.code for j in all_jurisdictions())
OFFENCES = sorted(o.id for o in all_offences())

CaseReference = Annotated[
    str,
    Path(description="A case reference, e.g. NG-2026-0001",
         json_schema_extra={"pattern": CASE_REFERENCE_PATTERN}),
]  # fmt: skip
RequestReference = Annotated[
    str,
    Path(description="A request reference, e.g. NG-2026-0001-R01",
         json_schema_extra={"pattern": REQUEST_REFERENCE_PATTERN}),
]  # fmt: skip
MessageId = Annotated[
    str,
    Path(description="A message id (the SHA-256 of its signed content, 64 hex digits)",
         json_schema_extra={"pattern": MESSAGE_ID.pattern}),
]  # fmt: skip
TraceId = Annotated[
    str,
    Path(description="A trace id (16 hex digits)", json_schema_extra={"pattern": TRACE_ID_PATTERN}),
]

CaseFilter = Annotated[
    str | None,
    Query(description="Only this case (its reference)",
          json_schema_extra={"pattern": CASE_REFERENCE_PATTERN}),
]  # fmt: skip
CaseStatusFilter = Annotated[
    str | None, Query(json_schema_extra=_enum([s.value for s in CaseStatus]))
]
RequestStateFilter = Annotated[
    str | None, Query(json_schema_extra=_enum([s.value for s in RequestState]))
]
DirectionFilter = Annotated[
    str | None, Query(json_schema_extra=_enum([d.value for d in Direction]))
]
MeasureFilter = Annotated[str | None, Query(json_schema_extra=_enum([m.value for m in Measure]))]
JurisdictionFilter = Annotated[
    str | None,
    Query(description="An ISO 3166-1 alpha-2 code", json_schema_extra=_enum(JURISDICTIONS)),
]
OutboxStateFilter = Annotated[str | None, Query(json_schema_extra=_enum(list(OUTBOX_STATES)))]

Jurisdiction = Annotated[
    str, Query(description="An ISO 3166-1 alpha-2 code", json_schema_extra=_enum(JURISDICTIONS))
]
MeasureName = Annotated[str, Query(json_schema_extra=_enum([m.value for m in Measure]))]
OffenceFilter = Annotated[
    str | None,
    Query(description="An offence id (ICCS codes are accepted too)",
          json_schema_extra=_enum(OFFENCES)),
]  # fmt: skip
DateFilter = Annotated[
    str | None, Query(description="A date (ISO 8601)", json_schema_extra={"format": "date"})
]
Language = Annotated[
    str,
    Query(description="One of the six UN languages", json_schema_extra=_enum(list(UN_LANGUAGES))),
]
DocumentFormat = Annotated[str, Query(json_schema_extra=_enum(sorted(FORMATS)))]
