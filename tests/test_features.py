"""The fast TF-IDF path gives exactly scikit-learn's matrices and scores."""

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

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


PARAMS = [
    {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "lowercase": False, "strip_accents": "unicode"},
    {"ngram_range": (1, 2), "sublinear_tf": True},
    {"ngram_range": (2, 3), "stop_words": "english", "token_pattern": r"(?u)\b\w+\b"},
    {"analyzer": "char", "ngram_range": (2, 4), "norm": "l1", "use_idf": False},
]


@pytest.mark.parametrize("params", PARAMS)
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


@pytest.mark.parametrize(
    "params",
    [
        *PARAMS,
        {"analyzer": "char_wb", "ngram_range": (2, 4), "min_df": 2, "max_df": 0.5},
        {"ngram_range": (1, 2), "max_features": 40, "binary": True},
    ],
)
def test_fit_transform_equals_scikit_learn(params):
    texts = TOY_TEXTS * 2 + UNSEEN
    fast_vectorizer, slow_vectorizer = TfidfVectorizer(**params), TfidfVectorizer(**params)
    fast, slow = (
        features.fit_transform(fast_vectorizer, texts),
        slow_vectorizer.fit_transform(texts),
    )
    assert fast.shape == slow.shape and (fast != slow).nnz == 0
    assert fast_vectorizer.vocabulary_ == slow_vectorizer.vocabulary_
    if fast_vectorizer.use_idf:
        assert np.array_equal(fast_vectorizer.idf_, slow_vectorizer.idf_)
    assert "_count_vocab" not in vars(fast_vectorizer)  # scikit-learn's own method again


def test_a_union_fits_part_by_part_as_scikit_learn_does():
    def union():
        return FeatureUnion(
            [("word", TfidfVectorizer()), ("char", TfidfVectorizer(analyzer="char_wb"))]
        )

    fast_union, slow_union = union(), union()
    fast = features.fit_transform(fast_union, TOY_TEXTS)
    assert (fast != slow_union.fit_transform(TOY_TEXTS)).nnz == 0
    assert (fast_union.transform(UNSEEN) != slow_union.transform(UNSEEN)).nnz == 0


def test_a_refit_vectorizer_does_not_reuse_word_ids_of_its_old_vocabulary():
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
    features.fit_transform(vectorizer, ["the cat sat", "a dog ran"])
    features.transform(vectorizer, UNSEEN)  # fills the word cache
    features.fit_transform(vectorizer, ["zebras graze quietly", "the mayor said"])
    assert (features.transform(vectorizer, UNSEEN) != vectorizer.transform(UNSEEN)).nnz == 0
