"""The fast TF-IDF path gives exactly scikit-learn's matrices and scores."""

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.models import build_model, fit_model, predict_scores
from pipeline.models import tfidf_features as features

# Words the models never saw, accents, odd white space, empty text, a word of one letter.
UNSEEN = [
    "",
    "   ",
    "Ünïcode café déjà-vu!",
    "tabs\tand\nnew\u00a0lines  here",
    "A",
    'The mayor said: "We won."',
    "Parliament's budget bill, passed 52-48, takes effect in 2025.",
]


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True},
        {
            "analyzer": "char_wb",
            "ngram_range": (1, 3),
            "lowercase": False,
            "strip_accents": "unicode",
        },
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"ngram_range": (2, 3), "stop_words": "english", "token_pattern": r"(?u)\b\w+\b"},
        {"analyzer": "char", "ngram_range": (2, 4), "norm": "l1", "use_idf": False},
    ],
)
def test_transform_equals_scikit_learn(params):
    vectorizer = TfidfVectorizer(**params).fit(TOY_TEXTS)
    for _ in range(2):  # the second call reads the word cache
        fast, slow = (
            features.transform(vectorizer, TOY_TEXTS + UNSEEN),
            vectorizer.transform(TOY_TEXTS + UNSEEN),
        )
        assert fast.shape == slow.shape and (fast != slow).nnz == 0


@pytest.mark.parametrize("name", ["tfidf_logreg", "tfidf_svm"])
def test_scores_equal_the_pipeline_s_own(name):
    model = build_model(name, {}, seed=0)
    fit_model(model, TOY_TEXTS, TOY_LABELS)
    texts = TOY_TEXTS + UNSEEN
    raw = (
        model.predict_proba(texts)
        if hasattr(model, "predict_proba")
        else model.decision_function(texts)
    )
    scores = predict_scores(model, texts)
    assert np.allclose(scores.sum(axis=1), 1)
    assert (scores.argmax(axis=1) == raw.argmax(axis=1)).all()
    if name == "tfidf_logreg":
        assert np.array_equal(scores, raw)
