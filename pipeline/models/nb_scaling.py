"""Naive-Bayes scaling of one-vs-rest logistic regressions (the log-count ratios of Wang and
Manning's NBSVM, 2012): each label's binary regression is fitted on columns scaled by how much more
often they occur in that label's sentences than in the rest, so that its L2 penalty spends less on
the n-grams that tell the label apart. The scales are then folded into the coefficients: the fitted
classifier is a plain `OneVsRestClassifier` of `LogisticRegression`s over the unscaled columns,
saved and served as before, at no cost per prediction."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier


def log_count_ratios(
    X: sp.spmatrix, positive: np.ndarray, alpha: float = 1.0, dense_share: float = 0.2
) -> np.ndarray:
    """|log((p / |p|) / (q / |q|))| per column, where p and q sum the column's absolute values over
    the `positive` rows and the rest, each smoothed by `alpha`. Columns set in more than
    `dense_share` of the rows (topics, vectors, frequent cues) get ratio 1: they are not counts."""
    X = abs(sp.csr_matrix(X))
    # column sums over the positive rows and over all, in float64 (no copy of the rows)
    in_positive = X.T @ positive.astype(np.float64)
    p = in_positive + alpha
    q = np.asarray(X.sum(axis=0, dtype=np.float64)).ravel() - in_positive + alpha
    ratios = np.abs(np.log((p / p.sum()) / (q / q.sum())))
    ratios[X.getnnz(axis=0) > dense_share * X.shape[0]] = 1.0
    return ratios


class NBScaledRegression(ClassifierMixin, BaseEstimator):
    """A binary logistic regression fitted on columns scaled by `(1 - weight) + weight * r`, r the
    log-count ratios; `regression_` is the same decision function over the unscaled columns."""

    def __init__(self, regression: LogisticRegression, weight: float = 0.5):
        self.regression = regression
        self.weight = weight

    def fit(self, X: sp.spmatrix, y: np.ndarray) -> NBScaledRegression:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("NBScaledRegression fits a binary label")
        ratios = log_count_ratios(X, y == self.classes_[1])
        scale = ((1 - self.weight) + self.weight * ratios).astype(X.dtype)
        regression = clone(self.regression).fit(X @ sp.diags(scale), y)
        regression.coef_ = regression.coef_ * scale  # w . (x * s) == (w * s) . x
        self.regression_ = regression
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        return self.regression_.decision_function(X)

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        return self.regression_.predict_proba(X)


def fit_nb_scaled(
    classifier: OneVsRestClassifier, X: sp.spmatrix, y: np.ndarray, weight: float
) -> OneVsRestClassifier:
    """`classifier` (one-vs-rest over logistic regressions) fitted with each binary regression
    NB-scaled by `weight`, returned as plain regressions; `classifier` itself is left unfitted."""
    scaled = OneVsRestClassifier(
        NBScaledRegression(classifier.estimator, weight), n_jobs=classifier.n_jobs
    )
    scaled.fit(X, y)
    scaled.estimator = classifier.estimator
    scaled.estimators_ = [binary.regression_ for binary in scaled.estimators_]
    return scaled
