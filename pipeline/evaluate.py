"""Evaluate stage: metrics with bootstrap intervals, prediction and error files, confusion plot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from pipeline.errors import PipelineError
from pipeline.files import write_json, write_jsonl
from pipeline.labels import LABELS

_IDS = list(range(len(LABELS)))


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Macro-F1 over the labels present in gold or predictions."""
    return float(f1_score(gold, pred, average="macro", zero_division=0))


def bootstrap_interval(
    gold: np.ndarray, pred: np.ndarray, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> list[float]:
    """Percentile bootstrap interval of macro-F1, resampling test units with replacement."""
    rng = np.random.default_rng(seed)
    n = len(gold)
    samples = [macro_f1(gold[idx], pred[idx]) for idx in rng.integers(0, n, size=(n_resamples, n))]
    tail = (1 - confidence) / 2 * 100
    return [float(np.percentile(samples, tail)), float(np.percentile(samples, 100 - tail))]


def compute_metrics(
    gold: Sequence[int], pred: Sequence[int], n_bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict:
    """The metrics of `metrics.json` (label counts are filled in by the caller)."""
    gold, pred = np.asarray(gold), np.asarray(pred)
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=_IDS, zero_division=0)
    return {
        "labels": list(LABELS),
        "macro_f1": macro_f1(gold, pred),
        "macro_f1_ci": bootstrap_interval(gold, pred, n_bootstrap, confidence, seed),
        "ci_level": confidence,
        "accuracy": float(accuracy_score(gold, pred)),
        "per_class": {
            label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                    "support": int(support[i])}
            for i, label in enumerate(LABELS)
        },
        "confusion_matrix": confusion_matrix(gold, pred, labels=_IDS).tolist(),
    }


def prediction_records(rows: Sequence[dict], scores: np.ndarray) -> list[dict]:
    """One record per evaluated unit: id, text, gold, predicted, scores."""
    return [
        {
            "id": row["id"],
            "text": row["text"],
            "gold": row["label"],
            "predicted": LABELS[int(np.argmax(s))],
            "scores": {label: round(float(v), 6) for label, v in zip(LABELS, s)},
        }
        for row, s in zip(rows, scores)
    ]


def plot_confusion(matrix: Sequence[Sequence[int]], path: str | Path, title: str = "") -> None:
    """Save a labelled confusion-matrix heat map (rows gold, columns predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=120)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(_IDS, LABELS)
    ax.set_yticks(_IDS, LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=9)
    top = matrix.max() or 1
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    fig.tight_layout()
    tmp = Path(path).with_suffix(".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def write_evaluation(run_dir: str | Path, rows: Sequence[dict], scores: np.ndarray, metrics: dict) -> None:
    """Write metrics.json, predictions.jsonl, errors.jsonl and confusion.png into a run folder."""
    run_dir = Path(run_dir)
    records = prediction_records(rows, scores)
    write_jsonl(run_dir / "predictions.jsonl", records)
    write_jsonl(run_dir / "errors.jsonl", [r for r in records if r["gold"] != r["predicted"]])
    plot_confusion(metrics["confusion_matrix"], run_dir / "confusion.png",
                   f"macro-F1 {metrics['macro_f1']:.3f}  (n={len(rows)})")
    write_json(run_dir / "metrics.json", metrics)


EXTERNAL_EVALUATIONS = {
    # CheckThat! 2025 Task 1 English held-out sets (484 + 300 sentences): opinion -> SUBJ, else OBJ.
    "checkthat": ("checkthat2025-subjectivity-en/dev_test_en.tsv", "checkthat2025-subjectivity-en/test_en_labeled.tsv"),
}


def evaluate_subjectivity(model, name: str, external_dir: str | None = None) -> dict:
    """Score a four-label model on a subjectivity test set: opinion counts as SUBJ, the rest as OBJ."""
    from pipeline.sources import load_subjectivity
    from pipeline.train import predict_scores

    if name not in EXTERNAL_EVALUATIONS:
        raise PipelineError(f"unknown external evaluation {name!r}; choose one of: {', '.join(EXTERNAL_EVALUATIONS)}")
    sentences = [s for path in EXTERNAL_EVALUATIONS[name]
                 for s in load_subjectivity(path, external_dir, keep=("SUBJ", "OBJ"), evaluation=True)]
    gold = np.array([s.label == "opinion" for s in sentences], dtype=int)
    pred = (predict_scores(model, [s.text for s in sentences]).argmax(axis=1) == LABELS.index("opinion")).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=[0, 1], zero_division=0)
    return {
        "n": len(sentences),
        "macro_f1": float(f1_score(gold, pred, average="macro", labels=[0, 1], zero_division=0)),
        "accuracy": float(accuracy_score(gold, pred)),
        "per_class": {lab: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                            "support": int(support[i])} for i, lab in enumerate(("OBJ", "SUBJ"))},
    }


def paired_bootstrap(gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, n_resamples: int = 2000,
                     seed: int = 0) -> dict:
    """Paired bootstrap of macro-F1(b) - macro-F1(a) over shared test units: the observed delta, its
    95% interval, and a two-sided p-value (how often the resampled delta crosses zero, doubled)."""
    rng = np.random.default_rng(seed)
    n = len(gold)
    observed = macro_f1(gold, pred_b) - macro_f1(gold, pred_a)
    deltas = np.array([macro_f1(gold[i], pred_b[i]) - macro_f1(gold[i], pred_a[i])
                       for i in rng.integers(0, n, size=(n_resamples, n))])
    crossing = (deltas <= 0).mean() if observed > 0 else (deltas >= 0).mean()
    return {"delta_macro_f1": float(observed), "delta_ci": [float(np.percentile(deltas, 2.5)), float(np.percentile(deltas, 97.5))],
            "p_value": float(min(1.0, 2 * crossing)), "n_resamples": n_resamples}


def mcnemar(gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict:
    """Exact McNemar test on which units each model gets right."""
    from scipy.stats import binomtest

    right_a, right_b = pred_a == gold, pred_b == gold
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    p = binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return {"only_a_right": only_a, "only_b_right": only_b, "p_value": float(p)}
