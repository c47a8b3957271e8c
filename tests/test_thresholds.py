"""Per-label decision offsets: tuned on held-out training scores, saved with the model, applied
wherever the model predicts."""

import numpy as np
from conftest import TOY_LABELS, TOY_TEXTS
from sklearn.metrics import f1_score

from pipeline.models import build_model, fit_model, load_model, predict_scores, save_model
from pipeline.models.base import read_manifest
from pipeline.models.thresholds import FOLDS, apply_offsets, tune_offsets


def _skewed(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores of a model that under-predicts label 2: its probability is scaled down."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 400)
    logits = rng.normal(size=(400, 4)) + 2.0 * np.eye(4)[y]
    logits[:, 2] -= 1.5
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True), y


def _macro(y, p):
    return f1_score(y, p.argmax(axis=1), average="macro")


def test_offsets_raise_macro_f1_by_favouring_the_under_predicted_label():
    p, y = _skewed()
    offsets = tune_offsets(p, y)
    assert offsets[2] > 0.5  # the scaled-down label is pushed back up
    shifted = apply_offsets(p, offsets)
    assert np.allclose(shifted.sum(axis=1), 1)
    assert _macro(y, shifted) > _macro(y, p) + 0.03


def test_offsets_stay_zero_when_argmax_is_already_perfect():
    y = np.array([0, 1, 2, 3] * 5)
    p = np.full((20, 4), 0.1) + 0.6 * np.eye(4)[y]
    assert np.array_equal(tune_offsets(p, y), np.zeros(4))


def test_offsets_tuned_out_of_fold_are_saved_and_applied_after_loading(tmp_path):
    texts, y = TOY_TEXTS * 3, TOY_LABELS * 3
    groups = [f"doc{i}" for i in range(len(texts))]
    model = build_model("tfidf_logreg", {}, seed=0)
    fitted = []
    original_fit = model.fit

    def counting_fit(*args, **kwargs):
        fitted.append(len(args[0]))
        return original_fit(*args, **kwargs)

    model.fit = counting_fit  # copied into the out-of-fold models too
    fit_model(model, texts, y, None, groups, thresholds=True)
    # the model on every row, then one per fold on the other folds' articles
    assert fitted == [len(texts)] + [len(texts) * (FOLDS - 1) // FOLDS] * FOLDS
    assert model.offsets is not None and len(model.offsets) == 4
    scores = predict_scores(model, texts)
    raw = model.predict_proba(texts)
    assert np.allclose(scores, apply_offsets(raw, model.offsets))
    save_model(model, "tfidf_logreg", tmp_path)
    assert read_manifest(tmp_path)["offsets"] == [round(float(v), 4) for v in model.offsets]
    assert np.allclose(predict_scores(load_model(tmp_path), texts), scores, atol=1e-6)


def test_without_thresholds_the_manifest_has_no_offsets(tmp_path):
    model = fit_model(build_model("tfidf_logreg", {}, seed=0), TOY_TEXTS, TOY_LABELS)
    save_model(model, "tfidf_logreg", tmp_path)
    assert "offsets" not in read_manifest(tmp_path) and load_model(tmp_path).offsets is None
