"""The legal-basis finder and the treaty network over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from repatria.service import legal_basis
from repatria.web.api.common import ERRORS
from repatria.web.api.params import DateFilter, Jurisdiction, MeasureName, OffenceFilter
from repatria.web.deps import ApiActor, NodeDep

router = APIRouter(prefix="/api", tags=["legal basis"], responses=ERRORS)


@router.get("/basis", response_model=dict[str, Any])
def basis(
    actor: ApiActor,
    node: NodeDep,
    requesting: Jurisdiction,
    requested: Jurisdiction,
    measure: MeasureName,
    offence: OffenceFilter = None,
    date: DateFilter = None,
    explain: bool = False,
) -> dict[str, Any]:
    """Every applicable basis, ranked, with why it applies and what it requires.

    Shape: ``{"requesting", "requested", "measure", "date", "bases": [...],
    "not_applicable": [...]}``; bases in rank order (mutual recognition,
    bilateral, regional, multilateral, scheme, reciprocity).
    """
    result = legal_basis.legal_bases(
        node,
        actor,
        requesting=requesting,
        requested=requested,
        measure=measure,
        offence=offence,
        on=date,
        explain=explain,
    )
    return result.to_dict()


@router.get("/network", response_model=dict[str, Any])
def network(actor: ApiActor, node: NodeDep, date: DateFilter = None) -> dict[str, Any]:
    """Pairs of states with no treaty basis, by measure, and the steps that close most gaps."""
    return legal_basis.network_summary(node, actor, on=date)
