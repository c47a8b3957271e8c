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

from pipeline.core.files import write_json, write_jsonl
from pipeline.core.labels import LABELS

_IDS = list(range(len(LABELS)))


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Macro-F1 over the labels present in gold or predictions."""
    return float(f1_score(gold, pred, average="macro", zero_division=0))


# The headline labels: fact, quote and policy (opinion is rare in news and scored apart).
HEADLINE = [LABELS.index(label) for label in ("fact", "quote", "policy")]


def macro_f1_3(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Macro-F1 over fact, quote and policy (a sentence predicted opinion counts as a miss)."""
    return float(f1_score(gold, pred, labels=HEADLINE, average="macro", zero_division=0))


def resampled_macro_f1(
    gold: np.ndarray, pred: np.ndarray, labels: Sequence[int] | None = None
) -> np.ndarray:
    """Macro-F1 of each row of `gold` and `pred` (resamples, one per row), as scikit-learn's
    `f1_score(average="macro", zero_division=0)` gives it: over `labels`, or (None) over the labels
    present in the row's gold or predictions. From confusion counts, all rows at once."""
    k = int(max(gold.max(initial=0), pred.max(initial=0), *(labels or [0]))) + 1
    rows = gold.shape[0]
    codes = (np.arange(rows)[:, None] * k + gold) * k + pred
    counts = np.bincount(codes.ravel(), minlength=rows * k * k).reshape(rows, k, k)
    tp = np.diagonal(counts, axis1=1, axis2=2)
    in_gold, in_pred = counts.sum(axis=2), counts.sum(axis=1)
    denominator = in_gold + in_pred
    f1 = np.divide(2 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0)
    if labels is not None:
        return f1[:, list(labels)].mean(axis=1)
    present = denominator > 0
    return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def bootstrap_samples(
    gold: np.ndarray, pred: np.ndarray, idx: np.ndarray, labels: Sequence[int] | None = None
) -> np.ndarray:
    """Macro-F1 of each resample, a row of `idx` (indices into `gold` and `pred`); a hundred rows
    at a time, so memory stays within a few times `idx`."""
    chunks = np.array_split(idx, max(1, len(idx) // 100))
    return np.concatenate([resampled_macro_f1(gold[c], pred[c], labels) for c in chunks])


def bootstrap_interval(
    gold: np.ndarray,
    pred: np.ndarray,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    labels: Sequence[int] | None = None,
) -> list[float]:
    """Percentile bootstrap interval of macro-F1 (over `labels`, or those present; see
    `resampled_macro_f1`), resampling test units with replacement."""
    gold, pred = np.asarray(gold), np.asarray(pred)
    idx = np.random.default_rng(seed).integers(0, len(gold), size=(n_resamples, len(gold)))
    samples = bootstrap_samples(gold, pred, idx, labels)
    tail = (1 - confidence) / 2 * 100
    return [float(np.percentile(samples, tail)), float(np.percentile(samples, 100 - tail))]


def fold_summary(values: Sequence[float], confidence: float = 0.95) -> dict:
    """Mean, standard deviation (ddof=1) and Student-t interval at `confidence` of a score over
    cross-validation folds, and the per-fold values."""
    from scipy.stats import t

    values = np.asarray(values, dtype=float)
    mean, std = float(values.mean()), float(values.std(ddof=1))
    half = float(t.ppf((1 + confidence) / 2, len(values) - 1)) * std / np.sqrt(len(values))
    return {
        "mean": mean,
        "std": std,
        "ci": [mean - half, mean + half],
        "per_fold": values.tolist(),
    }


def cross_validation(
    gold: Sequence[Sequence[int]], pred: Sequence[Sequence[int]], confidence: float = 0.95
) -> dict:
    """`metrics.json["cv"]` of k folds (`gold[i]`, `pred[i]`: label ids of fold i's test side):
    3-way and 4-way macro-F1 over the folds, and both pooled over every out-of-fold prediction."""
    pooled_gold, pooled_pred = np.concatenate(gold), np.concatenate(pred)
    return {
        "folds": len(gold),
        "n_test": [len(g) for g in gold],
        "macro_f1_3": fold_summary([macro_f1_3(g, p) for g, p in zip(gold, pred)], confidence),
        "macro_f1": fold_summary([macro_f1(g, p) for g, p in zip(gold, pred)], confidence),
        "pooled_macro_f1_3": macro_f1_3(pooled_gold, pooled_pred),
        "pooled_macro_f1": macro_f1(pooled_gold, pooled_pred),
        "ci_level": confidence,
    }


def cv_line(cv: dict) -> str:
    """`metrics.json["cv"]` in one line: mean ± std over the folds, t-interval, pooled scores."""
    level = round(cv["ci_level"] * 100, 1)
    parts = [
        f"{name} {cv[key]['mean']:.3f} ± {cv[key]['std']:.3f} [{cv[key]['ci'][0]:.3f}, "
        f"{cv[key]['ci'][1]:.3f}] (pooled {cv['pooled_' + key]:.3f})"
        for key, name in (("macro_f1_3", "macro-F1 (fact, quote, policy)"), ("macro_f1", "4-way"))
    ]
    return f"{cv['folds']}-fold cross-validation, mean ± std [{level:g}% t-interval]: " + (
        "  ".join(parts)
    )


def per_class_scores(gold: np.ndarray, pred: np.ndarray, names: Sequence[str]) -> dict:
    """Precision, recall, F1 and support of each label id 0..len(names)-1, by name."""
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=list(range(len(names))), zero_division=0
    )
    return {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(names)
    }


def compute_metrics(
    gold: Sequence[int],
    pred: Sequence[int],
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    sources: Sequence[str] | None = None,
) -> dict:
    """The metrics of `metrics.json` (label counts are filled in by the caller); with `sources`
    (the source of each test unit), also macro-F1 and per-label F1 of each source."""
    gold, pred = np.asarray(gold), np.asarray(pred)
    metrics = {
        "labels": list(LABELS),
        "macro_f1": macro_f1(gold, pred),
        "macro_f1_ci": bootstrap_interval(gold, pred, n_bootstrap, confidence, seed),
        "macro_f1_3": macro_f1_3(gold, pred),
        "macro_f1_3_ci": bootstrap_interval(gold, pred, n_bootstrap, confidence, seed, HEADLINE),
        "ci_level": confidence,
        "accuracy": float(accuracy_score(gold, pred)),
        "per_class": per_class_scores(gold, pred, LABELS),
        "confusion_matrix": confusion_matrix(gold, pred, labels=_IDS).tolist(),
    }
    if sources is not None:
        sources = np.asarray(sources)
        metrics["by_source"] = {
            source: _source_scores(gold[sources == source], pred[sources == source])
            for source in sorted(set(sources.tolist()))
        }
    return metrics


def _source_scores(gold: np.ndarray, pred: np.ndarray) -> dict:
    """The test units of one source: their count, both macro-F1s and per-label scores."""
    return {
        "n": len(gold),
        "macro_f1": macro_f1(gold, pred),
        "macro_f1_3": macro_f1_3(gold, pred),
        "per_class": per_class_scores(gold, pred, LABELS),
    }


def per_label_table(metrics: dict) -> str:
    """Precision, recall, F1 and support of each label, as a short plain-text table."""
    from tabulate import tabulate

    rows = [
        [label, m["precision"], m["recall"], m["f1"], m["support"]]
        for label, m in metrics["per_class"].items()
    ]
    return tabulate(rows, headers=["label", "precision", "recall", "f1", "support"], floatfmt=".3f")


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
        ax.text(
            j,
            i,
            str(value),
            ha="center",
            va="center",
            color="white" if value > top / 2 else "black",
        )
    fig.tight_layout()
    tmp = Path(path).with_suffix(".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def write_evaluation(
    run_dir: str | Path, rows: Sequence[dict], scores: np.ndarray, metrics: dict
) -> None:
    """Write metrics.json, predictions.jsonl, errors.jsonl and confusion.png into a run folder."""
    run_dir = Path(run_dir)
    records = prediction_records(rows, scores)
    write_jsonl(run_dir / "predictions.jsonl", records)
    write_jsonl(run_dir / "errors.jsonl", [r for r in records if r["gold"] != r["predicted"]])
    plot_confusion(
        metrics["confusion_matrix"],
        run_dir / "confusion.png",
        f"macro-F1 {metrics['macro_f1']:.3f}  (n={len(rows)})",
    )
    write_json(run_dir / "metrics.json", metrics)
