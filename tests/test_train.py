import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS

from pipeline.errors import PipelineError
from pipeline.labels import LABEL2ID
from pipeline.train import (
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
)

TEXTS = TOY_TEXTS * 3
LABELS_ = TOY_LABELS * 3


@pytest.mark.parametrize("name", ["majority", "rules", "tfidf_logreg", "tfidf_svm"])
def test_models_fit_score_and_round_trip(name, tmp_path):
    model = fit_model(build_model(name, {"class_weight": "balanced"}, seed=0), TEXTS, LABELS_)
    scores = predict_scores(model, TEXTS)
    assert scores.shape == (len(TEXTS), 4)
    assert np.allclose(scores.sum(axis=1), 1.0)
    save_model(model, tmp_path)
    again = load_model(tmp_path)
    assert np.allclose(predict_scores(again, TEXTS), scores)


def test_linear_models_learn_the_training_data():
    for name in ("tfidf_logreg", "tfidf_svm"):
        model = fit_model(build_model(name, {}, seed=0), TEXTS, LABELS_)
        assert (predict_scores(model, TEXTS).argmax(axis=1) == np.array(LABELS_)).mean() == 1.0


def test_labels_missing_from_training_score_zero():
    model = fit_model(build_model("tfidf_logreg", {}, seed=0), TEXTS[:4], LABELS_[:4])
    scores = predict_scores(model, ["Anything at all."])
    assert scores[0, LABEL2ID["opinion"]] == 0 and scores[0, LABEL2ID["fact"]] == 0


def test_seeded_models_are_deterministic():
    a = fit_model(build_model("tfidf_svm", {}, seed=3), TEXTS, LABELS_)
    b = fit_model(build_model("tfidf_svm", {}, seed=3), TEXTS, LABELS_)
    assert np.array_equal(predict_scores(a, TEXTS), predict_scores(b, TEXTS))


def test_errors_are_one_line():
    with pytest.raises(PipelineError, match="unknown model 'bert'"):
        build_model("bert", {}, seed=0)
    with pytest.raises(PipelineError, match="no training sentences"):
        fit_model(build_model("majority", {}, seed=0), [], [])


class Payload:
    """Stands for any class a crafted model file might name."""


def test_untrusted_types_are_refused(tmp_path):
    import skops.io as sio

    (tmp_path / "model.skops").write_bytes(sio.dumps(Payload()))
    with pytest.raises(PipelineError, match="Untrusted types found in the file: .*Payload"):
        load_model(tmp_path)
