"""The treaty network: the best basis for every ordered pair of states and every measure.

The matrix applies the same rules as ``engine.find_bases`` (both states bound on
the date, measure covered, offence in scope, not displaced) but vectorised: each
instrument's standing is computed once per state, and a pair's standing is the
weaker of the two (``numpy.minimum.outer``). A cell holds the rank of the best
kind of basis (``Kind.rank``: 0 mutual recognition ... 5 reciprocity) and the
instrument that gives it, once counting only certain bases and once also counting
bases whose date of entry into force is unknown. A pair with no treaty basis is a
gap: only the non-binding scheme or reciprocity is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.measure import Measure
from repatria.law.catalogue import RECIPROCITY, Catalogue, load_catalogue
from repatria.law.dates import parse_date
from repatria.law.instruments import Instrument, Kind
from repatria.law.offences import Offence, parse_offence
from repatria.law.participation import Party

Matrix = npt.NDArray[np.int16]
Levels = npt.NDArray[np.int8]

NO_TREATY = Kind.SCHEME.rank
"""Cells whose best rank is at least this have no treaty basis."""


@dataclass(frozen=True, slots=True, eq=False)
class BasisMatrix:
    """Best basis per (measure, requesting, requested); see the module docstring."""

    states: tuple[str, ...]
    measures: tuple[Measure, ...]
    instruments: tuple[str, ...]
    """Index -> instrument id for ``best_id`` and ``possible_id``."""
    on: date
    offence: str | None
    best_rank: Matrix
    best_id: Matrix
    possible_rank: Matrix
    possible_id: Matrix

    def index(self, code: str) -> int:
        return self.states.index(code)

    def best(self, measure: Measure, requesting: str, requested: str) -> tuple[str, str]:
        """(best certain instrument, best instrument counting unknown dates) for one cell."""
        m = self.measures.index(measure)
        a, b = self.index(requesting), self.index(requested)
        return (
            self.instruments[self.best_id[m, a, b]],
            self.instruments[self.possible_id[m, a, b]],
        )

    def gap_mask(self, measure: Measure, *, certain: bool = False) -> npt.NDArray[np.bool_]:
        """Ordered pairs with no treaty basis (``certain``: none whose dates are known)."""
        m = self.measures.index(measure)
        ranks = self.best_rank[m] if certain else self.possible_rank[m]
        mask: npt.NDArray[np.bool_] = ranks >= NO_TREATY
        np.fill_diagonal(mask, False)
        return mask


def _levels(
    instrument: Instrument, parties: Mapping[str, Party], states: tuple[str, ...], on: date
) -> Levels:
    found = np.zeros(len(states), dtype=np.int8)
    for k, code in enumerate(states):
        party = parties.get(code)
        if party is not None:
            found[k] = party.standing(on, instrument).level
    return found


def in_scope(instrument: Instrument, offence: Offence | None) -> bool:
    """Whether the offence can be within scope (met, or met on a stated condition)."""
    scope = instrument.scope
    if scope.kind == "all-offences" or offence is None:
        return True
    return offence.id in scope.offences or offence.id in scope.conditional or bool(scope.otherwise)


def basis_matrix(
    catalogue: Catalogue | None = None,
    *,
    on: date | str | None = None,
    measures: tuple[Measure, ...] | None = None,
    offence: Offence | str | None = None,
) -> BasisMatrix:
    """Compute the all-pairs matrix for every state in the data and the given measures."""
    catalogue = catalogue or load_catalogue()
    when = date.today() if on is None else parse_date(on)
    chosen = tuple(Measure) if measures is None else tuple(measures)
    crime = None if offence is None else parse_offence(offence)
    states = catalogue.states()
    position = {code: k for k, code in enumerate(states)}
    ranked = catalogue.ranked()
    ids = tuple(i.id for i in ranked)
    n, reciprocity = len(states), ids.index(RECIPROCITY)
    shape = (len(chosen), n, n)
    # A key orders bases as the engine does: by rank, certain before uncertain, then id.
    best_key = np.full(shape, 2 * Kind.RECIPROCITY.rank, dtype=np.int16)
    best_id = np.full(shape, reciprocity, dtype=np.int16)
    possible_key = best_key.copy()
    possible_id = best_id.copy()

    pair_levels: dict[str, Levels] = {}
    for instrument in ranked:
        if instrument.kind in (Kind.BILATERAL, Kind.RECIPROCITY):
            continue
        levels = _levels(instrument, catalogue.parties.get(instrument.id, {}), states, when)
        pair_levels[instrument.id] = np.minimum.outer(levels, levels)

    # Walk instruments from the last in rank order to the first: the last to reach a cell
    # with a key no worse than what it holds is the engine's first basis for that cell.
    for index in range(len(ranked) - 1, -1, -1):
        instrument = ranked[index]
        if instrument.id == RECIPROCITY or not in_scope(instrument, crime):
            continue
        if instrument.kind is Kind.BILATERAL:
            level = _bilateral_levels(instrument, catalogue, position, n, when)
        else:
            level = pair_levels[instrument.id]
        key = 2 * instrument.kind.rank
        for m, measure in enumerate(chosen):
            if not instrument.covers(measure):
                continue
            here = level
            for d in instrument.displaced_by:
                if measure in d.measures:
                    here = np.where(pair_levels[d.by] == 2, 0, here).astype(np.int8)
            _take(here == 2, key, index, best_key[m], best_id[m])
            _take(here == 2, key, index, possible_key[m], possible_id[m])
            _take(here == 1, key + 1, index, possible_key[m], possible_id[m])
    return BasisMatrix(
        states=states,
        measures=chosen,
        instruments=ids,
        on=when,
        offence=None if crime is None else crime.id,
        best_rank=best_key // 2,
        best_id=best_id,
        possible_rank=possible_key // 2,
        possible_id=possible_id,
    )


def _take(mask: npt.NDArray[np.bool_], key: int, index: int, keys: Matrix, ids: Matrix) -> None:
    """Where ``mask`` holds and ``key`` is no worse, this instrument becomes the best."""
    better = mask & (key <= keys)
    keys[better] = key
    ids[better] = index


def _bilateral_levels(
    instrument: Instrument, catalogue: Catalogue, position: dict[str, int], n: int, on: date
) -> Levels:
    """Pair levels for a bilateral treaty: non-zero only in its two cells."""
    parties = catalogue.parties[instrument.id]
    levels = np.zeros((n, n), dtype=np.int8)
    level = min(p.standing(on, instrument).level for p in parties.values())
    a, b = (position[code] for code in parties)
    levels[a, b] = levels[b, a] = level
    return levels


def regions(matrix: BasisMatrix) -> list[str]:
    """The region of each state in the matrix (rigour's territory data)."""
    return [parse_jurisdiction(code).region or "Other" for code in matrix.states]


def region_shares(matrix: BasisMatrix) -> tuple[list[str], np.ndarray]:
    """Share of ordered pairs (over all measures) with a certain treaty basis, by region pair."""
    region = regions(matrix)
    names = sorted(set(region))
    index = np.array([names.index(r) for r in region])
    has = (matrix.best_rank < NO_TREATY).astype(np.float64)
    n = len(matrix.states)
    off_diagonal = ~np.eye(n, dtype=bool)
    shares = np.zeros((len(names), len(names)))
    for i in range(len(names)):
        for j in range(len(names)):
            cells = np.outer(index == i, index == j) & off_diagonal
            total = cells.sum() * len(matrix.measures)
            shares[i, j] = has[:, cells].sum() / total if total else np.nan
    return names, shares
