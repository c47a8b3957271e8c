"""scikit-learn models, wrapped once: the majority baseline and TF-IDF linear classifiers.

The estimator reads raw sentence strings and integer label ids; it is saved with skops, which loads
only an explicit list of trusted types and never runs code from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from pipeline.core.files import load_skops, save_skops
from pipeline.models import tfidf_features
from pipeline.models.base import MODELS, Model, no_serving_options

MODEL_FILE = "model.skops"


class SklearnModel(Model):
    """Any scikit-learn classifier over raw sentence strings (context and groups are not read).

    Scores are `predict_proba`, or a softmax over `decision_function` where there is none."""

    def __init__(self, estimator: BaseEstimator):
        self.estimator = estimator

    def fit(self, texts, labels, *, context=None, groups=None) -> SklearnModel:
        self.estimator.fit(list(texts), np.asarray(labels))
        self.classes_ = self.estimator.classes_
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        inputs, final = _last_step_inputs(self.estimator, list(texts))
        if hasattr(final, "predict_proba"):
            return final.predict_proba(inputs)
        margins = np.atleast_2d(final.decision_function(inputs))
        if margins.shape[0] != len(texts):  # binary: one margin per row
            margins = margins.T
        if margins.shape[1] == 1:
            margins = np.hstack([-margins, margins])
        raw = np.exp(margins - margins.max(axis=1, keepdims=True))
        return raw / raw.sum(axis=1, keepdims=True)

    def save(self, directory: Path) -> None:
        save_skops(directory / MODEL_FILE, self.estimator)

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> SklearnModel:
        no_serving_options(cls.__name__, serving)
        model = SklearnModel(load_skops(directory / MODEL_FILE))
        model.classes_ = model.estimator.classes_
        return model


def _last_step_inputs(estimator: BaseEstimator, texts: list[str]) -> tuple[object, object]:
    """What the estimator's last step reads, and that step: for a Pipeline, the texts through its
    other steps (TF-IDF by `tfidf_features.transform`, faster than scikit-learn's, same numbers)."""
    if not isinstance(estimator, Pipeline):
        return texts, estimator
    inputs = texts
    for _, step in estimator.steps[:-1]:
        inputs = tfidf_features.transform(step, inputs)
    return inputs, estimator.steps[-1][1]


def tfidf(word_ngrams: Sequence[int], char_ngrams: Sequence[int], min_df: int) -> FeatureUnion:
    """Word and character n-gram TF-IDF features."""
    word = TfidfVectorizer(
        ngram_range=tuple(word_ngrams), min_df=min_df, sublinear_tf=True, lowercase=True
    )
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=tuple(char_ngrams), min_df=min_df, sublinear_tf=True
    )
    return FeatureUnion([("word", word), ("char", char)])


def class_weight_of(value: str | None) -> str | None:
    """A config's class weight: "balanced", or None for null/"none"."""
    return None if str(value).lower() in ("none", "null") else value


@MODELS.register("majority")
class Majority(SklearnModel):
    """Predicts the training label distribution (a floor every model must beat)."""

    def __init__(self, strategy: str = "prior", seed: int = 0):
        super().__init__(DummyClassifier(strategy=strategy, random_state=seed))


@MODELS.register("tfidf_logreg")
class TfidfLogreg(SklearnModel):
    """Word 1-2-gram + character 2-5-gram TF-IDF, logistic regression."""

    def __init__(
        self,
        C: float = 4.0,
        max_iter: int = 2000,
        min_df: int = 1,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        class_weight: str | None = "balanced",
        seed: int = 0,
    ):
        clf = LogisticRegression(
            C=C, max_iter=max_iter, class_weight=class_weight_of(class_weight), random_state=seed
        )
        super().__init__(
            Pipeline([("tfidf", tfidf(word_ngrams, char_ngrams, min_df)), ("clf", clf)])
        )


@MODELS.register("tfidf_svm")
class TfidfSvm(SklearnModel):
    """Word 1-2-gram + character 2-5-gram TF-IDF, linear SVM (scores: softmax of margins)."""

    def __init__(
        self,
        C: float = 0.5,
        min_df: int = 1,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        class_weight: str | None = "balanced",
        seed: int = 0,
    ):
        clf = LinearSVC(C=C, class_weight=class_weight_of(class_weight), random_state=seed)
        super().__init__(
            Pipeline([("tfidf", tfidf(word_ngrams, char_ngrams, min_df)), ("clf", clf)])
        )
