"""Minority-class metrics checked against hand computations and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.tracing.evaluation import (
    average_precision,
    best_threshold,
    evaluate,
    recall_per_pattern,
    temporal_split,
)

LABELS = np.array([True, False, True, False, False, True])
SCORES = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])


def test_metrics_match_hand_computation() -> None:
    m = evaluate(LABELS, SCORES, 0.5)
    # Flagged: 0.9 (yes), 0.8 (no), 0.7 (yes): TP 2 of 3 flagged, 2 of 3 positives.
    assert (m.true_positives, m.flagged, m.positives) == (2, 3, 3)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 / 3)
    # AP: positives found at ranks 1, 3, 6 -> (1/1 + 2/3 + 3/6) / 3.
    assert m.pr_auc == pytest.approx((1 + 2 / 3 + 0.5) / 3)


def test_ties_count_together_in_average_precision() -> None:
    labels = np.array([True, False])
    scores = np.array([0.5, 0.5])
    assert average_precision(labels, scores) == pytest.approx(0.5)


def test_best_threshold_maximises_f1() -> None:
    threshold = best_threshold(LABELS, SCORES)
    # Candidates: 0.9 -> F1 2*1/(1+3)=0.5; 0.7 -> 2*2/(3+3)=0.667; 0.1 -> 2*3/(6+3)=0.667.
    # Equal F1: the higher threshold wins.
    assert threshold == pytest.approx(0.7)
    assert evaluate(LABELS, SCORES, threshold).f1 == pytest.approx(2 / 3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=40)
)
def test_best_threshold_beats_every_other_cut(pairs: list[tuple[bool, float]]) -> None:
    labels = np.array([p[0] for p in pairs])
    scores = np.array([p[1] for p in pairs])
    best = evaluate(labels, scores, best_threshold(labels, scores)).f1
    for cut in set(scores.tolist()):
        assert evaluate(labels, scores, cut).f1 <= best + 1e-12
    ap = average_precision(labels, scores)
    assert 0.0 <= ap <= 1.0


def test_temporal_split_keeps_time_order_and_whole_days() -> None:
    days = np.array(
        [
            np.datetime64("2024-01-01") + np.timedelta64(d, "D")
            for d in (0, 0, 1, 1, 2, 3, 3, 4, 5, 6)
        ]
    )
    train, val, test = temporal_split(days)
    assert (train | val | test).all() and not (train & val).any() and not (val & test).any()
    assert days[train].max() < days[val].min() and days[val].max() < days[test].min()
    # Cuts at positions 6 and 8 (day 3 and day 5); both day-3 rows go to validation.
    assert (train.sum(), val.sum(), test.sum()) == (5, 3, 2)
    with pytest.raises(InvalidInput, match="three positive fractions"):
        temporal_split(days, (0.5, 0.5))


def test_recall_per_pattern_counts_each_typology() -> None:
    names = ["cycle", "", "cycle", "fan-in", None]
    flags = np.array([True, True, False, True, False])
    result = recall_per_pattern(names, flags)
    assert list(result) == ["cycle", "fan-in"]
    assert (result["cycle"].found, result["cycle"].total) == (1, 2)
    assert result["fan-in"].recall == 1.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(InvalidInput, match="same length as labels"):
        evaluate(LABELS, SCORES[:3], 0.5)
