"""Measures of assistance: what a request asks the requested state to do.

The closed list follows UNCAC Art. 46(3)(a)-(k), with Art. 56 (spontaneous
information) and a residual ``other`` for 46(3)(i) ("any other type of
assistance that is not contrary to the domestic law of the requested State
Party"). The identifiers are the wire strings used on the CLI, the API and in
files, so they never change once published.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from repatria.errors import InvalidInput


class Measure(StrEnum):
    RECORDS = "records"
    SEARCH_SEIZURE = "search-seizure"
    TESTIMONY = "testimony"
    VIDEOCONFERENCE = "videoconference"
    SERVICE_OF_DOCUMENTS = "service-of-documents"
    EXAMINATION = "examination"
    TRACING = "tracing"
    FREEZING = "freezing"
    CONFISCATION = "confiscation"
    ASSET_RETURN = "asset-return"
    SPONTANEOUS_INFORMATION = "spontaneous-information"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    """What the law says about one measure.

    ``coercive`` marks measures that compel someone or interfere with property:
    UNCAC Art. 46(9)(b) lets a requested state refuse those for lack of dual
    criminality while it must still give non-coercive assistance.
    """

    measure: Measure
    label: str
    articles: tuple[str, ...]
    coercive: bool


MEASURES: dict[Measure, MeasureInfo] = {
    info.measure: info
    for info in (
        MeasureInfo(
            Measure.RECORDS,
            "Production of bank, company, tax and other records",
            ("UNCAC 46(3)(e)", "UNCAC 46(3)(f)"),
            coercive=True,
        ),
        MeasureInfo(
            Measure.SEARCH_SEIZURE,
            "Search and seizure",
            ("UNCAC 46(3)(c)",),
            coercive=True,
        ),
        MeasureInfo(
            Measure.TESTIMONY,
            "Taking evidence or statements from persons",
            ("UNCAC 46(3)(a)", "UNCAC 46(3)(h)"),
            coercive=False,
        ),
        MeasureInfo(
            Measure.VIDEOCONFERENCE,
            "Hearing of a witness or expert by videoconference",
            ("UNCAC 46(18)",),
            coercive=False,
        ),
        MeasureInfo(
            Measure.SERVICE_OF_DOCUMENTS,
            "Service of judicial documents",
            ("UNCAC 46(3)(b)",),
            coercive=False,
        ),
        MeasureInfo(
            Measure.EXAMINATION,
            "Examination of objects and sites",
            ("UNCAC 46(3)(d)",),
            coercive=False,
        ),
        MeasureInfo(
            Measure.TRACING,
            "Identification and tracing of proceeds of crime",
            ("UNCAC 46(3)(g)", "UNCAC 46(3)(j)", "UNCAC 55(2)"),
            coercive=False,
        ),
        MeasureInfo(
            Measure.FREEZING,
            "Freezing or seizure of proceeds for eventual confiscation",
            ("UNCAC 46(3)(c)", "UNCAC 46(3)(j)", "UNCAC 54(2)", "UNCAC 55(2)"),
            coercive=True,
        ),
        MeasureInfo(
            Measure.CONFISCATION,
            "Confiscation, or enforcement of a foreign confiscation order",
            ("UNCAC 46(3)(k)", "UNCAC 54(1)", "UNCAC 55(1)"),
            coercive=True,
        ),
        MeasureInfo(
            Measure.ASSET_RETURN,
            "Return and disposal of confiscated assets",
            ("UNCAC 46(3)(k)", "UNCAC 57"),
            coercive=True,
        ),
        MeasureInfo(
            Measure.SPONTANEOUS_INFORMATION,
            "Spontaneous transmission of information without a prior request",
            ("UNCAC 46(4)", "UNCAC 56"),
            coercive=False,
        ),
        MeasureInfo(
            Measure.OTHER,
            "Other assistance not contrary to the requested state's law",
            ("UNCAC 46(3)(i)",),
            coercive=False,
        ),
    )
}


def parse_measure(value: str, *, where: str = "measure") -> Measure:
    """Return the measure named by ``value`` or raise naming the accepted ones."""
    try:
        return Measure(value.strip().lower())
    except ValueError:
        accepted = ", ".join(m.value for m in Measure)
        raise InvalidInput(
            f"unknown measure {value!r}; accepted: {accepted}", where=where
        ) from None
