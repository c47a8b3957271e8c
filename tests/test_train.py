import json

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.models import (
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
)

TEXTS = TOY_TEXTS * 3
LABELS_ = TOY_LABELS * 3


PREVS = ["", *TEXTS[:-1]]


@pytest.mark.parametrize(
    "name", ["majority", "rules", "tfidf_logreg", "tfidf_svm", "tfidf_structure", "tfidf_roles"]
)
def test_models_fit_score_and_round_trip(name, tmp_path):
    model = fit_model(build_model(name, {}, seed=0), TEXTS, LABELS_, PREVS)
    scores = predict_scores(model, TEXTS, PREVS)
    assert scores.shape == (len(TEXTS), 4)
    assert np.allclose(scores.sum(axis=1), 1.0)
    save_model(model, name, tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    assert manifest["model"] == f"{name}.v1" and manifest["labels"] == list(LABELS)
    again = load_model(tmp_path)
    assert np.allclose(predict_scores(again, TEXTS, PREVS), scores)


def test_the_rules_model_reads_the_previous_sentence():
    """A quotation attributed by the previous sentence is quote only if the model sees that one."""
    texts = [
        '"We will rebuild every house on this street before winter comes," he added.',
        '"The harbour will reopen on Monday after the repairs are done."',
    ]
    prevs = ["", "The mayor said on Friday:"]
    model = fit_model(build_model("rules", {}, seed=0), texts, [1, 1], prevs)
    with_context = predict_scores(model, texts, prevs).argmax(axis=1)
    without = predict_scores(model, texts).argmax(axis=1)
    assert with_context[1] == LABEL2ID["quote"] and without[1] != LABEL2ID["quote"]


def test_a_misspelt_parameter_is_a_one_line_error():
    with pytest.raises(
        PipelineError, match="model 'tfidf_logreg': unknown parameter 'CC'; choose one of: C, "
    ):
        build_model("tfidf_logreg", {"CC": 10}, seed=0)


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
    manifest = {"model": "tfidf_logreg.v1", "labels": list(LABELS), "settings": {}}
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(PipelineError, match="Untrusted types found in the file: .*Payload"):
        load_model(tmp_path)


def test_structure_features_follow_quotation_marks_across_sentences():
    from pipeline.models.structure import STRUCTURE_NAMES, structure_features

    texts = ['"We will rebuild the town,', 'every house of it," the mayor said.', "It rained."]
    prevs = ["", texts[0], texts[1]]
    rows = dict(zip(STRUCTURE_NAMES, structure_features(texts, prevs).T))
    assert list(rows["quote_marks_odd"]) == [1, 1, 0]  # opens, closes, none
    assert list(rows["prev_quote_open"]) == [0, 1, 1]  # the second continues the quotation
    assert list(rows["frame_at_end"]) == [0, 1, 0] and list(rows["starts_with_quote"]) == [1, 0, 0]


def test_saved_vocabularies_are_packed_and_restored(tmp_path):
    import skops.io as sio
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from pipeline.core.files import load_skops, save_skops

    texts = ["Le ministre a dit « non ».", "Der Bürgermeister sagte: Nein.", "He said no."] * 20
    union = FeatureUnion(
        [
            ("word", TfidfVectorizer()),
            ("char", TfidfVectorizer(analyzer="char", ngram_range=(2, 4))),
        ]
    )
    parts = {"text": union.fit(texts), "context": TfidfVectorizer(min_df=2).fit(texts)}
    vocabularies = [t.vocabulary_ for _, t in union.transformer_list] + [
        parts["context"].vocabulary_
    ]
    save_skops(tmp_path / "packed.skops", parts)
    (tmp_path / "plain.skops").write_bytes(sio.dumps(parts))  # as saved before packing

    assert union.transformer_list[0][1].vocabulary_ is vocabularies[0]  # the live model kept it
    assert (tmp_path / "packed.skops").stat().st_size < (tmp_path / "plain.skops").stat().st_size
    for name in ("packed.skops", "plain.skops"):
        loaded = load_skops(tmp_path / name)
        restored = [t.vocabulary_ for _, t in loaded["text"].transformer_list]
        assert [*restored, loaded["context"].vocabulary_] == vocabularies
        assert (loaded["text"].transform(texts) != union.transform(texts)).nnz == 0


def test_a_module_imported_in_the_background_is_there_once_its_thread_ends(monkeypatch):
    import sys

    from pipeline.core.files import import_in_background

    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    import_in_background("colorsys").join(timeout=30)
    assert "colorsys" in sys.modules
