"""Gaps in the treaty network and the single steps that would close the most of them.

A gap is an ordered pair of states and a measure with no treaty basis on the date
(only the non-binding Harare Scheme or reciprocity is left). ``list_gaps`` lists the
cells with no basis whose dates are known; steps are scored on definite gaps only
(no basis even counting unknown dates), so they are never credited with cells an
existing party might already fill. A step is either one
state joining an open instrument (``eligible = "any"`` in its data file: the UN
conventions are open to every state, UNCAC Art. 67(3), UNTOC Art. 36(3), 1988
Convention Art. 27) or the two states of one pair concluding a bilateral treaty
(counted with the coverage of the bilateral template). A step's score is the
number of gap cells (pair x measure) it would close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rigour.territories import get_territory

from repatria.law.catalogue import Catalogue, bilateral_id
from repatria.law.instruments import Instrument, Kind
from repatria.law.network import BasisMatrix, in_scope
from repatria.law.offences import parse_offence


@dataclass(frozen=True, slots=True)
class Step:
    """One ratification or bilateral treaty, and how many gap cells it would close."""

    action: str
    instrument: str
    states: tuple[str, ...]
    closes: int

    def to_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "instrument": self.instrument,
            "states": list(self.states),
            "closes": self.closes,
        }


@dataclass(frozen=True, slots=True)
class Gap:
    measure: str
    requesting: str
    requested: str
    left: str
    """What is left: the scheme, or reciprocity only."""
    unverified: str
    """A basis that might apply if an unknown date of entry into force were confirmed."""


def list_gaps(matrix: BasisMatrix) -> list[Gap]:
    """Every gap cell, with what remains and whether an unverified basis might fill it."""
    found: list[Gap] = []
    for m, measure in enumerate(matrix.measures):
        for a, b in zip(*np.nonzero(matrix.gap_mask(measure, certain=True)), strict=True):
            possible = matrix.instruments[matrix.possible_id[m, a, b]]
            found.append(
                Gap(
                    measure=measure.value,
                    requesting=matrix.states[a],
                    requested=matrix.states[b],
                    left=matrix.instruments[matrix.best_id[m, a, b]],
                    unverified=""
                    if matrix.possible_rank[m, a, b] >= Kind.SCHEME.rank
                    else possible,
                )
            )
    return found


def _gap_stack(matrix: BasisMatrix) -> np.ndarray:
    # Only definite gaps: a cell an unknown-date party may already fill is not counted.
    return np.stack([matrix.gap_mask(m) for m in matrix.measures])


def rank_steps(matrix: BasisMatrix, catalogue: Catalogue, *, top: int | None = None) -> list[Step]:
    """Ratifications and bilateral treaties ranked by the gap cells each would close."""
    gaps = _gap_stack(matrix).astype(np.int32)
    offence = None if matrix.offence is None else parse_offence(matrix.offence)
    steps: list[Step] = []
    for instrument in catalogue.ranked():
        if instrument.eligible == () or not in_scope(instrument, offence):
            continue
        steps.extend(_ratifications(matrix, catalogue, instrument, gaps))
    template = _template(catalogue)
    covered = np.array([template.covers(m) for m in matrix.measures], dtype=np.int32)
    per_pair = np.einsum("mab,m->ab", gaps, covered)
    per_pair = per_pair + per_pair.T
    for a, b in zip(*np.nonzero(np.triu(per_pair, k=1)), strict=True):
        pair = (matrix.states[a], matrix.states[b])
        steps.append(
            Step("conclude bilateral treaty", bilateral_id(*pair), pair, int(per_pair[a, b]))
        )
    steps.sort(key=lambda s: (-s.closes, s.action, s.instrument, s.states))
    return steps if top is None else steps[:top]


def _ratifications(
    matrix: BasisMatrix, catalogue: Catalogue, instrument: Instrument, gaps: np.ndarray
) -> list[Step]:
    parties = catalogue.parties.get(instrument.id, {})
    levels = np.array(
        [
            p.standing(matrix.on, instrument).level if (p := parties.get(code)) else 0
            for code in matrix.states
        ]
    )
    partners = (levels == 2).astype(np.int32)
    closes = np.zeros(len(matrix.states), dtype=np.int64)
    for m, measure in enumerate(matrix.measures):
        if instrument.covers(measure):
            closes += gaps[m] @ partners + gaps[m].T @ partners
    eligible = instrument.eligible
    found = []
    for k, code in enumerate(matrix.states):
        if levels[k] != 0 or closes[k] == 0:
            continue
        if eligible != "any" and code not in eligible:
            continue
        if _is_dependent(code):
            continue
        found.append(Step(f"join {instrument.id}", instrument.id, (code,), int(closes[k])))
    return found


def _is_dependent(code: str) -> bool:
    """A territory with a parent state (e.g. Hong Kong) joins through its parent's extension."""
    territory = get_territory(code.lower())
    return territory is not None and territory.parent is not None


def _template(catalogue: Catalogue) -> Instrument:
    if catalogue.bilateral_template is None:
        raise LookupError("the catalogue has no bilateral template to model a new treaty on")
    return catalogue.bilateral_template
