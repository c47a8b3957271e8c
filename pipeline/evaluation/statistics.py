"""Statistical tests between two models' predictions on the same test units."""

from __future__ import annotations

import numpy as np

from pipeline.evaluation.metrics import bootstrap_samples, macro_f1


def paired_bootstrap(
    gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, n_resamples: int = 2000, seed: int = 0
) -> dict:
    """Paired bootstrap of macro-F1(b) - macro-F1(a) over shared test units: the observed delta, its
    95% interval, and a two-sided p-value (how often the resampled delta crosses zero, doubled)."""
    rng = np.random.default_rng(seed)
    n = len(gold)
    observed = macro_f1(gold, pred_b) - macro_f1(gold, pred_a)
    idx = rng.integers(0, n, size=(n_resamples, n))
    deltas = bootstrap_samples(gold, pred_b, idx) - bootstrap_samples(gold, pred_a, idx)
    crossing = (deltas <= 0).mean() if observed > 0 else (deltas >= 0).mean()
    return {
        "delta_macro_f1": float(observed),
        "delta_ci": [float(np.percentile(deltas, 2.5)), float(np.percentile(deltas, 97.5))],
        "p_value": float(min(1.0, 2 * crossing)),
        "n_resamples": n_resamples,
    }


def mcnemar(gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict:
    """Exact McNemar test on which units each model gets right."""
    from scipy.stats import binomtest

    right_a, right_b = pred_a == gold, pred_b == gold
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    p = binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return {"only_a_right": only_a, "only_b_right": only_b, "p_value": float(p)}
