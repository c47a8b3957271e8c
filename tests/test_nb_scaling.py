"""Naive-Bayes scaling of the one-vs-rest regressions (pipeline/models/nb_scaling.py)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from pipeline.core.errors import PipelineError
from pipeline.core.files import load_skops, save_skops
from pipeline.models import build_model
from pipeline.models.nb_scaling import NBScaledRegression, fit_nb_scaled, log_count_ratios


def toy(seed: int = 0, rows: int = 60, columns: int = 12) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse counts whose first columns lean to the labels, plus one dense column."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, rows)
    X = rng.poisson(0.05, (rows, columns)).astype(np.float32)
    X[np.arange(rows), y] += 1  # column k is more frequent in label k
    X[:, -1] = rng.normal(size=rows)  # dense, signed: not a count
    return sp.csr_matrix(X), y


def test_a_column_of_the_positive_rows_gets_a_large_ratio_and_a_dense_one_ratio_one():
    X, y = toy()
    ratios = log_count_ratios(X, y == 0, dense_share=0.5)
    assert ratios[0] > 2 * ratios[3:-1].max()
    assert ratios[-1] == 1.0  # set in every row
    assert (ratios >= 0).all()
    assert log_count_ratios(X, y == 0)[0] == 1.0  # set in a third of the rows: dense at 0.2


def test_the_folded_regression_decides_on_unscaled_columns_as_the_scaled_fit_does():
    X, y = toy()
    binary = (y == 1).astype(int)
    regression = LogisticRegression(C=4.0, tol=1e-8, max_iter=1000)
    model = NBScaledRegression(regression, weight=0.5).fit(X, binary)
    X_scaled = X @ sp.diags((0.5 + 0.5 * log_count_ratios(X, binary == 1)).astype(np.float32))
    scaled = clone(regression).fit(X_scaled, binary)
    assert np.allclose(model.decision_function(X), scaled.decision_function(X_scaled), atol=1e-4)
    assert not np.allclose(model.regression_.coef_, scaled.coef_)  # folded, not the same weights


def test_weight_zero_is_the_plain_regression():
    X, y = toy()
    binary = (y == 2).astype(int)
    regression = LogisticRegression(tol=1e-8, max_iter=1000)
    model = NBScaledRegression(regression, weight=0.0).fit(X, binary)
    assert np.allclose(model.predict_proba(X), clone(regression).fit(X, binary).predict_proba(X))


def test_a_label_that_is_not_binary_is_refused():
    X, y = toy()
    with pytest.raises(ValueError, match="binary"):
        NBScaledRegression(LogisticRegression()).fit(X, y)


def test_the_fitted_classifier_is_plain_scikit_learn_saved_and_loaded_the_same(tmp_path):
    X, y = toy()
    template = OneVsRestClassifier(LogisticRegression(max_iter=1000), n_jobs=1)
    fitted = fit_nb_scaled(template, X, y, 0.5)
    assert not hasattr(template, "estimators_")  # the template stays unfitted
    assert type(fitted.estimator) is LogisticRegression
    assert all(type(e) is LogisticRegression for e in fitted.estimators_)
    scores = fitted.predict_proba(X)
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert (scores.argmax(axis=1) == y).mean() > 0.8
    again = fit_nb_scaled(fitted, X, y, 0.5)  # refitting starts from the plain regression again
    assert np.allclose(again.predict_proba(X), scores)
    save_skops(tmp_path / "clf.skops", fitted)  # only types skops vets: loads without trust
    assert np.allclose(load_skops(tmp_path / "clf.skops").predict_proba(X), scores)


def test_scaling_needs_one_vs_rest():
    with pytest.raises(PipelineError, match="one-vs-rest"):
        build_model("tfidf_roles", {"nb_weight": 0.5, "one_vs_rest": False}, seed=0)
