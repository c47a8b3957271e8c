"""Train stage: build a classifier by name, fit it on sentences, score texts, save and load it.

Every model is a scikit-learn estimator over raw sentence strings with integer targets (label ids
of LABELS). Models are saved with skops, which loads only an explicit list of trusted types and
never runs code from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from pipeline import features
from pipeline.errors import PipelineError
from pipeline.files import load_skops, save_skops
from pipeline.labels import LABELS
from pipeline.lfs import apply_lfs, majority_vote
from pipeline.transformer import KINDS as TRANSFORMER_KINDS
from pipeline.transformer import MANIFEST, TransformerClassifier, load_transformer

MODEL_FILE = "model.skops"
MODEL_NAMES = ("majority", "rules", "tfidf_logreg", "tfidf_svm", *TRANSFORMER_KINDS)


class RulesClassifier(ClassifierMixin, BaseEstimator):
    """The labeling functions used as a classifier: majority vote, scores are vote shares."""

    def __init__(self, fallback: str = "fact", smoothing: float = 0.5):
        self.fallback = fallback
        self.smoothing = smoothing

    def fit(self, X: Sequence[str], y: Sequence[int] | None = None) -> RulesClassifier:
        self.classes_ = np.arange(len(LABELS))
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        votes = apply_lfs(list(X), [""] * len(X))
        counts = np.stack([(votes == k).sum(axis=1) for k in range(len(LABELS))], axis=1).astype(float)
        winners = majority_vote(votes, self.fallback)
        counts[np.arange(len(X)), winners] += self.smoothing  # ties and empty rows go to the vote's pick
        return counts / counts.sum(axis=1, keepdims=True)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return majority_vote(apply_lfs(list(X), [""] * len(X)), self.fallback)


def _tfidf(params: dict) -> FeatureUnion:
    """Word and character n-gram TF-IDF features."""
    word = TfidfVectorizer(
        ngram_range=tuple(params.get("word_ngrams", (1, 2))),
        min_df=params.get("min_df", 1),
        sublinear_tf=True,
        lowercase=True,
    )
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=tuple(params.get("char_ngrams", (2, 5))), min_df=params.get("min_df", 1),
        sublinear_tf=True,
    )
    return FeatureUnion([("word", word), ("char", char)])


def build_model(name: str, params: dict, seed: int) -> BaseEstimator:
    """A fresh, unfitted estimator for the config's model name and parameters."""
    class_weight = None if str(params.get("class_weight")).lower() in ("none", "null") else params.get("class_weight")
    if name == "majority":
        return DummyClassifier(strategy=params.get("strategy", "prior"), random_state=seed)
    if name == "rules":
        return RulesClassifier(fallback=params.get("fallback", "fact"))
    if name == "tfidf_logreg":
        clf = LogisticRegression(C=params.get("C", 4.0), max_iter=params.get("max_iter", 2000),
                                 class_weight=class_weight, random_state=seed)
        return Pipeline([("tfidf", _tfidf(params)), ("clf", clf)])
    if name == "tfidf_svm":
        clf = LinearSVC(C=params.get("C", 0.5), class_weight=class_weight, random_state=seed)
        return Pipeline([("tfidf", _tfidf(params)), ("clf", clf)])
    if name in TRANSFORMER_KINDS:
        try:
            return TRANSFORMER_KINDS[name](seed=seed, **params)
        except TypeError as err:
            raise PipelineError(f"model {name!r}: {err}") from None
    raise PipelineError(f"unknown model {name!r}; choose one of: {', '.join(MODEL_NAMES)}")


def fit_model(model, texts: Sequence[str], label_ids: Sequence[int], prevs: Sequence[str] | None = None,
              groups: Sequence[str] | None = None):
    """Fit on sentence strings and integer label ids; transformer models also take the previous
    sentences (context) and the article of each sentence (for a grouped dev split)."""
    if not len(texts):
        raise PipelineError("no training sentences: check the data sources and the labeler settings")
    if isinstance(model, TransformerClassifier):
        return model.fit(list(texts), np.asarray(label_ids), prevs=prevs, groups=groups)
    return model.fit(list(texts), np.asarray(label_ids))


def predict_scores(model, texts: Sequence[str], prevs: Sequence[str] | None = None) -> np.ndarray:
    """Scores over all of LABELS (columns in label-id order), rows summing to one.

    Uses `predict_proba` where the model has it, else a softmax over `decision_function`;
    labels the model never saw in training get a score of zero.
    """
    texts = list(texts)
    if isinstance(model, TransformerClassifier):
        return _all_labels(model, model.predict_proba(texts, prevs))
    inputs, final = _last_step_inputs(model, texts)
    if hasattr(final, "predict_proba"):
        raw = final.predict_proba(inputs)
    else:
        margins = np.atleast_2d(final.decision_function(inputs))
        if margins.shape[0] != len(texts):  # binary: one margin per row
            margins = margins.T
        if margins.shape[1] == 1:
            margins = np.hstack([-margins, margins])
        raw = np.exp(margins - margins.max(axis=1, keepdims=True))
        raw /= raw.sum(axis=1, keepdims=True)
    return _all_labels(model, raw)


def _last_step_inputs(model, texts: list[str]) -> tuple[object, object]:
    """What the model's last step reads, and that step: for a Pipeline, the texts through its other
    steps (TF-IDF by `features.transform`, faster than scikit-learn's, same numbers); else the texts."""
    if not isinstance(model, Pipeline):
        return texts, model
    inputs = texts
    for _, step in model.steps[:-1]:
        inputs = features.transform(step, inputs)
    return inputs, model.steps[-1][1]


def _all_labels(model, raw: np.ndarray) -> np.ndarray:
    """Scores over all of LABELS from scores over the model's classes (unseen labels score zero)."""
    scores = np.zeros((len(raw), len(LABELS)))
    scores[:, np.asarray(model.classes_, dtype=int)] = raw
    return scores


def save_model(model, run_dir: str | Path) -> None:
    """Save into the run folder: scikit-learn models with skops (via a temporary file, so no
    half-written model), transformer models as safetensors folders."""
    if isinstance(model, TransformerClassifier):
        model.save(Path(run_dir))
    else:
        save_skops(Path(run_dir) / MODEL_FILE, model)


def load_model(run_dir: str | Path):
    """Load a saved model: skops with trusted types only, or a transformer folder (safetensors)."""
    if (Path(run_dir) / MANIFEST).is_file():
        return load_transformer(Path(run_dir))
    if not (Path(run_dir) / MODEL_FILE).is_file():
        raise PipelineError(f"no model in {run_dir} (expected {MODEL_FILE})")
    return load_skops(Path(run_dir) / MODEL_FILE)
