"""Labelers: turn the labeling functions' votes into weak labels (majority vote, Snorkel's
`LabelModel`, or whichever of the two is more accurate on gold dev sentences), by name from
`LABELERS`."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.core.registry import Registry
from pipeline.data.rows import LabelledUnit
from pipeline.weak.lfs import ABSTAIN, LABELING_FUNCTIONS, majority_vote


class Labeler:
    """Turns a label matrix into weak labels: majority vote or Snorkel's `LabelModel`.

    `method="auto"` fits both and keeps the one with the higher accuracy on gold dev sentences.
    """

    def __init__(
        self,
        method: str = "majority",
        fallback: str | None = "fact",
        seed: int = 0,
        n_epochs: int = 500,
    ):
        self.method, self.fallback, self.seed, self.n_epochs = method, fallback, seed, n_epochs
        self.label_model = None
        self.dev_accuracy: dict[str, float] = {}

    def fit(
        self,
        votes: np.ndarray,
        dev_votes: np.ndarray | None = None,
        dev_gold: np.ndarray | None = None,
    ) -> Labeler:
        """Fit the label model (unsupervised, on `votes`); with `auto`, choose by dev accuracy."""
        if self.method in ("label_model", "auto"):
            from snorkel.labeling.model import LabelModel

            self.label_model = LabelModel(cardinality=len(LABELS), verbose=False)
            with warnings.catch_warnings():  # scipy's dtype FutureWarning inside snorkel
                warnings.simplefilter("ignore", FutureWarning)
                self.label_model.fit(
                    votes, n_epochs=self.n_epochs, seed=self.seed, progress_bar=False
                )
        if dev_votes is not None and len(dev_votes):
            for method in ("majority", "label_model") if self.label_model else ("majority",):
                self.dev_accuracy[method] = float(
                    (self._predict(dev_votes, method) == dev_gold).mean()
                )
        if self.method == "auto":
            self.method = (
                max(self.dev_accuracy, key=self.dev_accuracy.get)
                if self.dev_accuracy
                else "majority"
            )
        return self

    def _predict(self, votes: np.ndarray, method: str) -> np.ndarray:
        if method == "majority" or not len(votes):
            return majority_vote(votes, self.fallback)
        predicted = self.label_model.predict(votes, tie_break_policy="abstain")
        fallback = LABEL2ID[self.fallback] if self.fallback else ABSTAIN
        return np.where((votes == ABSTAIN).all(axis=1), fallback, predicted)

    def predict(self, votes: np.ndarray) -> np.ndarray:
        """Weak label ids (ABSTAIN where there is none)."""
        return self._predict(votes, self.method)


LABELERS: Registry[Callable[..., Labeler]] = Registry("labeler")
for _method in ("majority", "label_model", "auto"):
    LABELERS.register(_method)(functools.partial(Labeler, _method))


def fit_labeler(
    rows: Sequence[LabelledUnit], held_out: set[str], labeler_cfg: dict, seed: int
) -> Labeler:
    """Fit the weak labeler on the training side's votes.

    Its dev set is the training side's gold.
    """
    train_side = [
        r for r in rows if r.kind == "sentence" and not r.external and r.doc_id not in held_out
    ]
    dev = [r for r in train_side if r.label_source == "gold"]
    width = len(LABELING_FUNCTIONS)
    params = {key: value for key, value in labeler_cfg.items() if key != "name"}
    return LABELERS.build(labeler_cfg["name"], params, seed=seed).fit(
        np.array([r.votes for r in train_side]).reshape(-1, width),
        np.array([r.votes for r in dev]).reshape(-1, width),
        np.array([LABEL2ID[r.label] for r in dev]),
    )
