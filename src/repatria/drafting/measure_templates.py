"""A starting point per measure: the sections it needs and their standard wording.

Choosing a measure in the drafting form adds the measure (UNCAC Art. 46(15)(d))
with the standard description of that kind of assistance, and the wording that
every such request states in the same terms: for freezing, the reasonable basis
to believe confiscation will follow (Art. 54(2)(b)); for asset return, the
purpose under Art. 57(3). The facts, the assets and the action are never
invented: those fields are left to the drafter, with prompts in the form. A
field already filled is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from repatria.domain.measure import Measure
from repatria.drafting.form import Fields, rows


@dataclass(frozen=True, slots=True)
class MeasureTemplate:
    measure: Measure
    label: str
    description: str
    wording: tuple[tuple[str, str], ...] = ()
    """(free-text path, standard wording) set when the field is empty."""


_UNDERTAKING = (
    "additional_information",
    (
        "The requesting state will provide any further information needed to execute this"
        " request (UNCAC Art. 46(16))."
    ),
)

TEMPLATES: dict[Measure, MeasureTemplate] = {
    t.measure: t
    for t in (
        MeasureTemplate(
            Measure.RECORDS,
            "Bank and company records",
            "Production of the records of the accounts and companies listed below for the"
            " period stated, as certified copies from the institutions that hold them.",
            (_UNDERTAKING,),
        ),
        MeasureTemplate(
            Measure.FREEZING,
            "Freezing of accounts and property",
            "Freezing of the accounts and restraint of the property listed below, pending"
            " confiscation.",
            (
                (
                    "freezing.reasonable_basis",
                    (
                        "The facts summarised in this request give a reasonable basis to believe"
                        " that the property will be the subject of a confiscation order"
                        " (UNCAC Art. 54(2)(b))."
                    ),
                ),
                (
                    "purpose",
                    (
                        "To preserve the proceeds of the offences for their eventual confiscation"
                        " and return to the requesting state (UNCAC Art. 54(2), 57(3))."
                    ),
                ),
                _UNDERTAKING,
            ),
        ),
        MeasureTemplate(
            Measure.CONFISCATION,
            "Confiscation",
            "Confiscation of the property listed below.",
            (_UNDERTAKING,),
        ),
        MeasureTemplate(
            Measure.ASSET_RETURN,
            "Return of assets",
            "Return of the confiscated property listed below to the requesting state.",
            (
                (
                    "purpose",
                    (
                        "To return the confiscated proceeds of the offences to the requesting state"
                        " (UNCAC Art. 57(3))."
                    ),
                ),
                _UNDERTAKING,
            ),
        ),
        MeasureTemplate(
            Measure.TESTIMONY,
            "Witness statement",
            "Taking of the statement of the person named below, on the questions attached.",
            (_UNDERTAKING,),
        ),
        MeasureTemplate(
            Measure.SEARCH_SEIZURE,
            "Search and seizure",
            "Search of the premises named below and seizure of the documents and objects"
            " described.",
            (_UNDERTAKING,),
        ),
        MeasureTemplate(
            Measure.SERVICE_OF_DOCUMENTS,
            "Service of documents",
            "Service of the attached judicial documents on the person named below, with proof"
            " of service.",
            (_UNDERTAKING,),
        ),
    )
}


def _empty(fields: Mapping[str, list[str]], name: str) -> bool:
    return not any(v.strip() for v in fields.get(name, []))


def apply_template(fields: Mapping[str, list[str]], measure: Measure, lang: str) -> Fields:
    """The fields with ``measure`` sought and its standard wording where still empty."""
    template = TEMPLATES[measure]
    updated: Fields = {name: list(values) for name, values in fields.items()}
    present = {updated.get(f"measures[{i}].measure", [""])[0]: i for i in rows(updated, "measures")}
    if measure.value in present:
        index = present[measure.value]
    else:
        existing = rows(updated, "measures")
        index = existing[-1] + 1 if existing else 0
        updated[f"measures[{index}].measure"] = [measure.value]
    for path, wording in (
        (f"measures[{index}].description", template.description),
        *template.wording,
    ):
        if _empty(updated, f"{path}.text"):
            updated[f"{path}.text"] = [wording]
            updated.setdefault(f"{path}.lang", [lang])
    return updated
