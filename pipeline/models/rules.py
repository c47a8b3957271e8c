"""The labeling functions used as a classifier: no training, scores are vote shares."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.labels import LABELS
from pipeline.models.base import MODELS, Model, no_serving_options
from pipeline.weak.lfs import apply_lfs, majority_vote


@MODELS.register("rules")
class Rules(Model):
    """Majority vote of the labeling functions, each reading a sentence and the one before it."""

    def __init__(self, fallback: str = "fact", smoothing: float = 0.5, seed: int = 0):
        self.fallback = fallback
        self.smoothing = smoothing
        self.classes_ = np.arange(len(LABELS))

    def _votes(self, texts, context) -> np.ndarray:
        return apply_lfs(list(texts), list(context) if context is not None else [""] * len(texts))

    def fit(self, texts, labels, *, context=None, groups=None) -> Rules:
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        votes = self._votes(texts, context)
        counts = np.stack([(votes == k).sum(axis=1) for k in self.classes_], axis=1).astype(float)
        winners = majority_vote(votes, self.fallback)
        counts[np.arange(len(votes)), winners] += (
            self.smoothing
        )  # ties, empty rows: the vote's pick
        return counts / counts.sum(axis=1, keepdims=True)

    def save(self, directory: Path) -> None:
        """Nothing to write: the settings in the manifest are the model."""

    def settings(self) -> dict:
        return {"fallback": self.fallback, "smoothing": self.smoothing}

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> Rules:
        no_serving_options("rules", serving)
        return cls(**settings)
