"""TF-IDF stacked with structure: the roles are carried by structure more than by topic.

Beside the sentence's word and character n-grams, the classifier reads the labeling functions'
votes (which rules fire), the state of quotation marks across the sentence and the one before it
(opening, inside, closing a quotation, a colon that introduces one), whether a reporting frame
("X said", "according to") governs the sentence outside its quoted words, and the previous
sentence's words. One logistic regression over all of them; everything learned is saved with skops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.core.files import load_skops, save_skops
from pipeline.models import tfidf_features
from pipeline.models.base import MODELS, Model, no_serving_options
from pipeline.models.linear import class_weight_of, tfidf
from pipeline.weak.lfs import LABELING_FUNCTIONS, apply_lfs

MODEL_FILE = "structure.skops"
_QUOTE_MARKS = re.compile(r"[\"“”]")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_FRAME = re.compile(
    r"\b(?:said|says|say|told|tells|stated|announced|added|asked|wrote|argued|warned|explained|"
    r"noted|claimed|insisted|tweeted|commented|confirmed|testified|acknowledged|described|"
    r"reported|admitted|denied|urged|called|replied|responded|according to|believes?|thinks?)\b",
    re.IGNORECASE,
)
_FRAME_AT_END = re.compile(r"[,.!?][\"”’]?\s+(?:\w+\s){0,5}(?:said|says|added|told \w+)\W*$", re.I)
STRUCTURE_NAMES = (
    "quote_marks_odd",  # an unclosed quotation opens (or closes) in this sentence
    "starts_with_quote",
    "ends_with_quote",
    "quoted_share",  # share of characters inside quotation marks
    "prev_quote_open",  # the sentence before left a quotation open: this one continues it
    "prev_ends_with_colon",
    "frame_outside_quotes",  # a reporting frame outside the quoted words
    "frame_at_end",  # `..., X said.`
    "frame_in_prev",
    "has_digit",
    "log_words",
)


def structure_features(texts: Sequence[str], prevs: Sequence[str]) -> np.ndarray:
    """One row of `STRUCTURE_NAMES` per sentence."""
    rows = []
    for text, prev in zip(texts, prevs):
        marks = len(_QUOTE_MARKS.findall(text))
        quoted = sum(len(m) for m in _QUOTED.findall(text))
        outside = _QUOTED.sub(" ", text)
        rows.append(
            [
                marks % 2,
                float(text[:1] in '"“'),
                float(text.rstrip(".!?,)")[-1:] in '"”') if text else 0.0,
                quoted / max(len(text), 1),
                len(_QUOTE_MARKS.findall(prev)) % 2,
                float(prev.rstrip().endswith(":")),
                float(_FRAME.search(outside) is not None),
                float(_FRAME_AT_END.search(text) is not None),
                float(_FRAME.search(prev) is not None),
                float(any(c.isdigit() for c in text)),
                np.log1p(len(text.split())) / 4,
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(STRUCTURE_NAMES))


def vote_features(texts: Sequence[str], prevs: Sequence[str]) -> np.ndarray:
    """Which labeling functions fire on each sentence (one column per function)."""
    return (apply_lfs(list(texts), list(prevs)) >= 0).astype(float)


@MODELS.register("tfidf_structure")
class TfidfStructure(Model):
    """Logistic regression over TF-IDF of the sentence and the previous one, labeling-function
    votes and quotation structure."""

    def __init__(
        self,
        C: float = 4.0,
        max_iter: int = 3000,
        min_df: int = 1,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        class_weight: str | None = "balanced",
        context_weight: float = 0.5,
        structure_weight: float = 1.0,
        seed: int = 0,
    ):
        self.text_features = tfidf(word_ngrams, char_ngrams, min_df)
        self.context_features = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.context_weight = context_weight
        self.structure_weight = structure_weight
        self.clf = LogisticRegression(
            C=C, max_iter=max_iter, class_weight=class_weight_of(class_weight), random_state=seed
        )

    def _matrix(self, texts, context, fit: bool = False) -> sp.csr_matrix:
        prevs = list(context) if context is not None else [""] * len(texts)
        if fit:
            self.text_features.fit(texts)
            self.context_features.fit([p or "" for p in prevs])
        dense = np.hstack([structure_features(texts, prevs), vote_features(texts, prevs)])
        return sp.hstack(
            [
                tfidf_features.transform(self.text_features, texts),
                self.context_weight * tfidf_features.transform(self.context_features, prevs),
                self.structure_weight * sp.csr_matrix(dense),
            ],
            format="csr",
        )

    def fit(self, texts, labels, *, context=None, groups=None) -> TfidfStructure:
        self.clf.fit(self._matrix(list(texts), context, fit=True), np.asarray(labels))
        self.classes_ = self.clf.classes_
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        return self.clf.predict_proba(self._matrix(list(texts), context))

    def save(self, directory: Path) -> None:
        save_skops(
            directory / MODEL_FILE,
            {
                "text": self.text_features,
                "context": self.context_features,
                "clf": self.clf,
            },
        )

    def settings(self) -> dict:
        return {
            "context_weight": self.context_weight,
            "structure_weight": self.structure_weight,
            "n_functions": len(LABELING_FUNCTIONS),
        }

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> TfidfStructure:
        no_serving_options("tfidf_structure", serving)
        parts = load_skops(directory / MODEL_FILE)
        model = cls(
            context_weight=settings["context_weight"], structure_weight=settings["structure_weight"]
        )
        model.text_features, model.context_features, model.clf = (
            parts["text"],
            parts["context"],
            parts["clf"],
        )
        model.classes_ = model.clf.classes_
        return model
