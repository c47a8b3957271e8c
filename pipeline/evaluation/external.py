"""External evaluations: held-out corpora scored with a run's model, by name from
`EXTERNAL_EVALUATIONS` (config `eval.external`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from pipeline.core.registry import Registry
from pipeline.data.corpora import load_subjectivity
from pipeline.evaluation.metrics import per_class_scores
from pipeline.models import Model, predict_scores

EXTERNAL_EVALUATIONS: Registry[Callable[..., dict]] = Registry("external evaluation")


def evaluate_subjectivity(model: Model, name: str, external_dir: str | None = None) -> dict:
    """Run the registered external evaluation `name` on a model."""
    return EXTERNAL_EVALUATIONS.get(name)(model, external_dir)


def subjectivity_scores(model: Model, paths: Sequence[str], external_dir: str | None) -> dict:
    """Score a four-label model on subjectivity test sets.

    Opinion counts as SUBJ, the rest as OBJ.
    """
    sentences = [
        s
        for path in paths
        for s in load_subjectivity(path, external_dir, keep=("SUBJ", "OBJ"), evaluation=True)
    ]
    gold = np.array([s.label == "opinion" for s in sentences], dtype=int)
    opinion = model.labels.index("opinion")
    pred = (predict_scores(model, [s.text for s in sentences]).argmax(axis=1) == opinion).astype(
        int
    )
    return {
        "n": len(sentences),
        "macro_f1": float(f1_score(gold, pred, average="macro", labels=[0, 1], zero_division=0)),
        "accuracy": float(accuracy_score(gold, pred)),
        "per_class": per_class_scores(gold, pred, ("OBJ", "SUBJ")),
    }


@EXTERNAL_EVALUATIONS.register("checkthat")
def checkthat(model: Model, external_dir: str | None = None) -> dict:
    """CheckThat! 2025 Task 1 English held-out sets (484 + 300 sentences).

    Opinion -> SUBJ, else OBJ.
    """
    return subjectivity_scores(
        model,
        (
            "checkthat2025-subjectivity-en/dev_test_en.tsv",
            "checkthat2025-subjectivity-en/test_en_labeled.tsv",
        ),
        external_dir,
    )
