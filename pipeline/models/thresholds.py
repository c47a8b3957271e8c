"""Per-class decision offsets (prior correction), tuned on held-out training data, never on test.

A model's probabilities are shifted in log space, `softmax(log p + offsets)`, so that argmax
favours a label the model under-predicts (policy, typically). The offsets maximise macro-F1 on
scores the model did not train on: its own dev split (fine-tuned models) or out-of-fold
predictions over article-grouped folds of the training side.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

GRID = np.round(np.arange(-2.0, 2.01, 0.1), 2)  # candidate offsets, log-probability units
ROUNDS = 3  # coordinate-ascent passes over the labels
FOLDS = 3  # folds of the out-of-fold scores
_FLOOR = 1e-9


def _macro_f1(y: np.ndarray, logits: np.ndarray, labels: np.ndarray) -> float:
    return float(
        f1_score(y, logits.argmax(axis=1), labels=labels, average="macro", zero_division=0)
    )


def tune_offsets(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Offsets (one per column) that maximise macro-F1 of `argmax(log p + offsets)` on (`p`, `y`),
    by coordinate ascent over `GRID`; ties keep the smaller change, so no gain means zeros."""
    log_p = np.log(np.clip(probabilities, _FLOOR, 1.0))
    labels = np.unique(y)
    offsets = np.zeros(log_p.shape[1])
    best = _macro_f1(y, log_p, labels)
    for _ in range(ROUNDS):
        improved = False
        for column in range(log_p.shape[1]):
            for value in sorted(GRID, key=abs):
                trial = offsets.copy()
                trial[column] = value
                score = _macro_f1(y, log_p + trial, labels)
                if score > best + 1e-12:
                    best, offsets, improved = score, trial, True
        if not improved:
            break
    return offsets


def apply_offsets(probabilities: np.ndarray, offsets: Sequence[float]) -> np.ndarray:
    """`softmax(log p + offsets)`, row by row."""
    logits = np.log(np.clip(probabilities, _FLOOR, 1.0)) + np.asarray(offsets)
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def out_of_fold_scores(
    blank: object,
    fit: Callable[[object, np.ndarray], object],
    predict: Callable[[object, np.ndarray], np.ndarray],
    y: np.ndarray,
    groups: Sequence[str] | None,
    n_labels: int,
) -> np.ndarray:
    """Scores of every training row by a copy of the unfitted `blank` fit on the other folds
    (`FOLDS` folds grouped by article); columns are label ids."""
    groups = np.asarray(groups if groups is not None else np.arange(len(y)))
    scores = np.zeros((len(y), n_labels))
    for train_idx, held_idx in GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups):
        model = fit(copy.deepcopy(blank), train_idx)
        classes = np.asarray(model.classes_, dtype=int)
        scores[np.ix_(held_idx, classes)] = predict(model, held_idx)
    return scores
