"""External evaluations: held-out corpora scored with a run's model, by name from
`EXTERNAL_EVALUATIONS` (config `eval.external`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from pipeline.core.errors import PipelineError
from pipeline.core.registry import Registry
from pipeline.data.corpora import load_subjectivity
from pipeline.evaluation.metrics import bootstrap_interval, per_class_scores
from pipeline.models import Model, predict_scores

EXTERNAL_EVALUATIONS: Registry[Callable[..., dict]] = Registry("external evaluation")
_CHECKTHAT = "checkthat2025-subjectivity-en"
# evaluation only: never annotated or trained on
CHECKTHAT_EVALUATION = (f"{_CHECKTHAT}/dev_test_en.tsv", f"{_CHECKTHAT}/test_en_labeled.tsv")
# the parts the gold labels (data/annotations/checkthat2025/)
CHECKTHAT_TRAINING = (f"{_CHECKTHAT}/train_en.tsv", f"{_CHECKTHAT}/dev_en.tsv")


def evaluate_subjectivity(model: Model, name: str, external_dir: str | None = None) -> dict:
    """Run the registered external evaluation `name` on a model."""
    return EXTERNAL_EVALUATIONS.get(name)(model, external_dir)


SUBJ_OBJ = [0, 1]  # OBJ, SUBJ


def subj_obj_macro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    """Macro-F1 over OBJ (0) and SUBJ (1)."""
    return float(f1_score(gold, pred, average="macro", labels=SUBJ_OBJ, zero_division=0))


def binary_scores(gold: np.ndarray, pred: np.ndarray) -> dict:
    """SUBJ/OBJ scores of 0/1 arrays (1: SUBJ): macro-F1, accuracy and per-class figures."""
    return {
        "n": len(gold),
        "macro_f1": subj_obj_macro_f1(gold, pred),
        "accuracy": float(accuracy_score(gold, pred)),
        "per_class": per_class_scores(gold, pred, ("OBJ", "SUBJ")),
    }


def summary_row(scores: dict) -> dict:
    """The headline of `binary_scores`: n, macro-F1 and SUBJ precision and recall."""
    subj = scores["per_class"]["SUBJ"]
    return {
        "n": scores["n"],
        "macro_f1": scores["macro_f1"],
        "subj_precision": subj["precision"],
        "subj_recall": subj["recall"],
    }


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
    return binary_scores(gold, pred)


def gold_ceiling(
    gold: Mapping[str, str], paths: Sequence[str], external_dir: str | None = None
) -> list[dict]:
    """What the external evaluation gives the gold itself: our labels of a subjectivity corpus's
    training parts (`gold`: label by document id), mapped as a model's are (opinion -> SUBJ),
    scored against the corpus's own SUBJ/OBJ, per part and pooled, with a 95% bootstrap
    interval. A model that reproduced the gold exactly would score this; it is the ceiling of the
    evaluation for a model true to LABELS.md. Also: how many OBJ sentences the gold calls opinion,
    and how many SUBJ ones it calls something else."""
    parts = []
    for path in paths:
        matched = [
            s
            for s in load_subjectivity(path, external_dir, keep=("SUBJ", "OBJ"))
            if s.sent_id in gold
        ]
        theirs = np.array([s.label == "opinion" for s in matched], dtype=int)
        ours = np.array([gold[s.sent_id] == "opinion" for s in matched], dtype=int)
        parts.append((path, theirs, ours))
    if len(paths) > 1:
        _, all_theirs, all_ours = zip(*parts)
        parts.append(("pooled", np.concatenate(all_theirs), np.concatenate(all_ours)))
    return [_ceiling_row(*part) for part in parts]


def _ceiling_row(part: str, theirs: np.ndarray, ours: np.ndarray) -> dict:
    if not len(theirs):
        raise PipelineError(f"{part}: no gold-labelled sentence of this part")
    low, high = bootstrap_interval(theirs, ours, labels=SUBJ_OBJ)
    return {
        "part": part,
        **summary_row(binary_scores(theirs, ours)),
        "interval": f"[{low:.3f}, {high:.3f}]",
        "obj_called_opinion": int(((theirs == 0) & (ours == 1)).sum()),
        "subj_called_other": int(((theirs == 1) & (ours == 0)).sum()),
    }


@EXTERNAL_EVALUATIONS.register("checkthat")
def checkthat(model: Model, external_dir: str | None = None) -> dict:
    """CheckThat! 2025 Task 1 English held-out sets (484 + 300 sentences).

    Opinion -> SUBJ, else OBJ.
    """
    return subjectivity_scores(model, CHECKTHAT_EVALUATION, external_dir)
