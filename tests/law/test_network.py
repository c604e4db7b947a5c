import time
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.domain.measure import Measure
from repatria.law.catalogue import load_catalogue
from repatria.law.engine import find_bases
from repatria.law.gaps import list_gaps, rank_steps
from repatria.law.instruments import Kind
from repatria.law.network import BasisMatrix, basis_matrix, region_shares

CATALOGUE = load_catalogue()
DATES = (date(2003, 6, 1), date(2024, 1, 1))
OFFENCES = (None, "bribery-foreign-official", "drug-trafficking")
MATRICES = {
    (on, offence): basis_matrix(CATALOGUE, on=on, offence=offence)
    for on in DATES
    for offence in OFFENCES
}


def test_the_full_matrix_fits_the_two_second_budget() -> None:
    # CPU seconds of this process, not wall-clock: the budget is the work the matrix costs,
    # which a loaded machine does not change (it only makes the test wait for a core).
    started = time.process_time()
    matrix = basis_matrix(CATALOGUE, on=date(2024, 1, 1))
    elapsed = time.process_time() - started
    assert matrix.best_rank.shape == (
        len(Measure),
        len(CATALOGUE.states()),
        len(CATALOGUE.states()),
    )
    assert elapsed < 2.0, f"all-pairs matrix took {elapsed:.2f} s"


def test_known_cells() -> None:
    matrix = MATRICES[(date(2024, 1, 1), None)]
    assert matrix.best(Measure.RECORDS, "US", "CH")[0] == "BILATERAL:CH-US"
    assert matrix.best(Measure.RECORDS, "FR", "DE")[0] == "EU_EIO"
    assert matrix.best(Measure.FREEZING, "FR", "DE")[0] == "EU_2018_1805"
    # North Korea and Eritrea share only the 1988 Convention, so drugs only.
    assert matrix.best(Measure.FREEZING, "KP", "ER")[0] == "VIENNA1988"
    bribery = MATRICES[(date(2024, 1, 1), "bribery-foreign-official")]
    assert bribery.best(Measure.FREEZING, "KP", "ER")[0] == "RECIPROCITY"
    earlier = MATRICES[(date(2003, 6, 1), None)]
    assert earlier.best(Measure.RECORDS, "FR", "DE")[0] != "EU_EIO"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(MATRICES, key=str)),
    st.lists(st.sampled_from(CATALOGUE.states()), min_size=2, max_size=2, unique=True),
    st.sampled_from(list(Measure)),
)
def test_matrix_agrees_with_the_explainer_cell_by_cell(
    key: tuple[date, str | None], pair: list[str], measure: Measure
) -> None:
    on, offence = key
    matrix = MATRICES[key]
    result = find_bases(pair[0], pair[1], measure, offence=offence, on=on, catalogue=CATALOGUE)
    certain = [b.instrument for b in result.bases if b.certain]
    assert matrix.best(measure, pair[0], pair[1]) == (certain[0], result.bases[0].instrument)


def test_gaps_are_pairs_with_no_treaty_basis() -> None:
    matrix = MATRICES[(date(2024, 1, 1), "bribery-foreign-official")]
    gaps = list_gaps(matrix)
    assert any(g.requesting == "KP" and g.requested == "ER" for g in gaps)
    for gap in gaps[:: max(1, len(gaps) // 40)]:
        result = find_bases(
            gap.requesting, gap.requested, gap.measure, offence=matrix.offence, on=matrix.on
        )
        certain = [b for b in result.bases if b.certain]
        assert certain[0].kind.rank >= Kind.SCHEME.rank
        assert (gap.unverified == "") == (result.bases[0].kind.rank >= Kind.SCHEME.rank)


def test_steps_are_ranked_and_each_closes_what_it_claims() -> None:
    matrix = MATRICES[(date(2024, 1, 1), None)]
    steps = rank_steps(matrix, CATALOGUE)
    assert [s.closes for s in steps] == sorted((s.closes for s in steps), reverse=True)
    assert all(s.closes > 0 for s in steps)
    joins = [s for s in steps if s.action.startswith("join")]
    assert joins and all(s.instrument in {"UNCAC", "UNTOC", "VIENNA1988"} for s in joins)
    # A state already bound is never told to join.
    for step in joins:
        party = CATALOGUE.party(step.instrument, step.states[0])
        assert (
            party is None
            or party.standing(matrix.on, CATALOGUE.instrument(step.instrument)).level == 0
        )
    # Recount the first step by hand: gap cells with the joined state on either side
    # whose other state is bound by the instrument.
    first = joins[0]
    instrument = CATALOGUE.instrument(first.instrument)
    k = matrix.index(first.states[0])
    expected = 0
    for m, measure in enumerate(matrix.measures):
        if not instrument.covers(measure):
            continue
        gaps = matrix.gap_mask(measure)
        for j, code in enumerate(matrix.states):
            party = CATALOGUE.party(instrument.id, code)
            if party is not None and party.standing(matrix.on, instrument).level == 2:
                expected += int(gaps[k, j]) + int(gaps[j, k])
        del m
    assert first.closes == expected


def test_hong_kong_is_never_told_to_ratify_on_its_own() -> None:
    steps = rank_steps(MATRICES[(date(2024, 1, 1), None)], CATALOGUE)
    assert not any(s.action.startswith("join") and s.states == ("HK",) for s in steps)


def test_region_shares_are_fractions() -> None:
    names, shares = region_shares(MATRICES[(date(2024, 1, 1), None)])
    assert "Europe" in names and "Africa" in names
    finite = shares[~np.isnan(shares)]
    assert ((finite >= 0) & (finite <= 1)).all()
    europe = names.index("Europe")
    assert shares[europe, europe] > 0.9


@pytest.mark.parametrize("matrix", [MATRICES[(date(2024, 1, 1), None)]])
def test_the_diagonal_is_never_a_gap(matrix: BasisMatrix) -> None:
    for measure in matrix.measures:
        assert not np.diagonal(matrix.gap_mask(measure)).any()
