"""How well a detector finds laundering: minority-class metrics on a temporal split.

Laundering is rare (1 transfer in 285 in AMLSim dataset A, 1 in 807 to 1 in 1,948 in AMLworld),
so accuracy says nothing; the field reports the F1 score of the minority (laundering) class
(Altman et al. 2023, "Realistic synthetic financial transactions for anti-money laundering
models", section 5; Blanusa et al. 2024), with precision, recall and the area under the
precision-recall curve. The split is temporal, as in AMLworld: the first 60 % of the
transactions in time train the model, the next 20 % choose its threshold, the last 20 % test
it, so the model is never scored on days it learnt from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from repatria.errors import InvalidInput

__all__ = [
    "Metrics",
    "PatternRecall",
    "average_precision",
    "best_threshold",
    "evaluate",
    "recall_per_pattern",
    "temporal_split",
]

Flags = npt.NDArray[np.bool_]
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Metrics:
    """Minority-class metrics of flags against labels (and of scores, for ``pr_auc``)."""

    f1: float
    precision: float
    recall: float
    pr_auc: float
    positives: int
    flagged: int
    true_positives: int
    rows: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "f1": self.f1,
            "precision": self.precision,
            "recall": self.recall,
            "pr_auc": self.pr_auc,
            "positives": self.positives,
            "flagged": self.flagged,
            "true_positives": self.true_positives,
            "rows": self.rows,
        }


@dataclass(frozen=True)
class PatternRecall:
    """Of the ``total`` laundering transfers of one typology, ``found`` were flagged."""

    pattern: str
    found: int
    total: int

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0


def _check(labels: Flags, other: npt.NDArray[np.generic], name: str) -> None:
    if labels.shape != other.shape or labels.ndim != 1:
        raise InvalidInput(
            f"expected {name} of the same length as labels ({labels.shape[0]}), "
            f"found shape {other.shape}",
            where=name,
        )


def average_precision(labels: Flags, scores: Scores) -> float:
    """Area under the precision-recall curve as average precision.

    AP = sum over score thresholds of (recall step) x (precision there), taking tied scores
    together; the step-wise form avoids the optimism of interpolating the curve (Davis and
    Goadrich 2006). Zero when there are no positives.
    """
    _check(labels, scores, "scores")
    positives = int(labels.sum())
    if positives == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    y = labels[order].astype(np.int64)
    tp = np.cumsum(y)
    seen = np.arange(1, y.size + 1)
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    tp_at, seen_at = tp[last_of_tie], seen[last_of_tie]
    precision = tp_at / seen_at
    recall_step = np.diff(np.r_[0, tp_at]) / positives
    return float(np.sum(precision * recall_step))


def evaluate(labels: Flags, scores: Scores, threshold: float) -> Metrics:
    """Metrics of flagging every transfer whose score is at least ``threshold``."""
    _check(labels, scores, "scores")
    flags = scores >= threshold
    tp = int(np.sum(flags & labels))
    flagged = int(flags.sum())
    positives = int(labels.sum())
    precision = tp / flagged if flagged else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(
        f1=f1,
        precision=precision,
        recall=recall,
        pr_auc=average_precision(labels, scores),
        positives=positives,
        flagged=flagged,
        true_positives=tp,
        rows=int(labels.size),
    )


def best_threshold(labels: Flags, scores: Scores) -> float:
    """The score threshold that maximises minority-class F1 on ``labels``.

    Every distinct score is a candidate; among equal F1 the highest threshold wins (fewer
    flags for the same quality). With no positives, nothing can be gained and the threshold is
    above every score.
    """
    _check(labels, scores, "scores")
    positives = int(labels.sum())
    if positives == 0 or scores.size == 0:
        return float(np.nextafter(scores.max(), np.inf)) if scores.size else 1.0
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    tp = np.cumsum(labels[order].astype(np.int64))
    seen = np.arange(1, s.size + 1)
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    tp_at, seen_at, s_at = tp[last_of_tie], seen[last_of_tie], s[last_of_tie]
    f1 = 2 * tp_at / (seen_at + positives)
    best = int(np.argmax(f1))
    return float(s_at[best])


def temporal_split(
    timestamps: npt.NDArray[np.datetime64], fractions: Sequence[float] = (0.6, 0.2, 0.2)
) -> tuple[Flags, Flags, Flags]:
    """Masks of the train, validation and test parts, split by time.

    The cut points are the timestamps at the 60 % and 80 % positions in time order; every
    transfer at a cut point's time goes to the later part, so no day (or second) is split
    between two parts.
    """
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) <= 0:
        raise InvalidInput(
            f"expected three positive fractions adding up to 1, found {tuple(fractions)}",
            where="fractions",
        )
    n = timestamps.size
    if n < 3:
        raise InvalidInput(f"expected at least 3 transactions to split, found {n}", where="split")
    ordered = np.sort(timestamps, kind="stable")
    first_cut = ordered[min(int(n * fractions[0]), n - 1)]
    second_cut = ordered[min(int(n * (fractions[0] + fractions[1])), n - 1)]
    train = timestamps < first_cut
    validation = (timestamps >= first_cut) & (timestamps < second_cut)
    test = timestamps >= second_cut
    return train, validation, test


def recall_per_pattern(patterns: Sequence[str | None], flags: Flags) -> Mapping[str, PatternRecall]:
    """Recall for each typology of the ground truth (empty or missing names are skipped)."""
    if len(patterns) != flags.size:
        raise InvalidInput(
            f"expected one pattern name per flag ({flags.size}), found {len(patterns)}",
            where="patterns",
        )
    found: dict[str, int] = {}
    total: dict[str, int] = {}
    for name, flag in zip(patterns, flags.tolist(), strict=True):
        if not name:
            continue
        total[name] = total.get(name, 0) + 1
        found[name] = found.get(name, 0) + int(flag)
    return {k: PatternRecall(k, found[k], total[k]) for k in sorted(total)}
