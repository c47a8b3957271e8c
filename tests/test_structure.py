"""The role cues (reporting frames, quotation state, policy measures) and the tfidf_roles model."""

import re
from concurrent.futures import Future

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS
from sklearn.multiclass import OneVsRestClassifier

from pipeline.core.patterns import trie_pattern, words_pattern
from pipeline.models import (
    base,
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
    structure,
)
from pipeline.models.roles import ROLE_NAMES, abstract_text, role_features
from pipeline.models.static_vectors import StaticVectors
from pipeline.models.structure import held_out_split
from pipeline.models.thresholds import tune_offsets

TEXTS = TOY_TEXTS * 3
LABELS_ = TOY_LABELS * 3
PREVS = ["", *TEXTS[:-1]]
GROUPS = [f"doc{i // 4}" for i in range(len(TEXTS))]  # six articles of four sentences


def cues(texts, prevs=None):
    rows = role_features(texts, prevs or [""] * len(texts))
    return [dict(zip(ROLE_NAMES, row)) for row in rows]


def test_a_reporting_frame_without_quotation_marks_is_found_and_a_plain_fact_is_not():
    said, ending, according, fact = cues(
        [
            "Obama said the project has stalled since March.",
            "The project has stalled since March, the mayor said.",
            "The project has stalled, according to NPR.",
            "The project has stalled since March.",
        ]
    )
    assert said["frame_start"] == 1 and said["reporting_verb"] == 1 and said["frame_end"] == 0
    assert ending["frame_end"] == 1 and ending["frame_start"] == 0
    assert according["sourced"] == 1 and according["frame_end"] == 1
    assert not any(fact[name] for name in ROLE_NAMES if "frame" in name or "report" in name)


def test_a_frame_is_read_outside_the_quoted_words_only():
    (row,) = cues(['Critics called it "a law that said nothing new about the tax".'])
    assert row["reporting_verb"] == 1 and row["log_reporting_verbs"] == np.log1p(1)
    assert row["quotation"] == 1 and row["log_measures"] == 0  # `law`, `tax` are quoted


def test_quotation_state_carries_over_from_the_sentence_before():
    texts = ['"For my generation, he was a hero.', "He was ruthless.", "It rained on Sunday."]
    opening, inside, after = cues(texts, ["", texts[0], texts[1]])
    assert opening["inside_open_quotation"] == 0 and opening["prev_empty"] == 1
    assert inside["inside_open_quotation"] == 1 and inside["prev_starts_with_quote"] == 1
    assert after["inside_open_quotation"] == 0 and after["prev_empty"] == 0
    (continued,) = cues(["We will rebuild it."], ["The mayor said:"])
    assert continued["prev_colon_frame"] == 1 and continued["first_person_unquoted"] == 1


def test_a_trie_of_words_matches_what_their_flat_alternation_matches():
    words = ["say", "says", "said", "saying", "sa", "tell", "told", "a.b"]
    text = "Said she, saying sayings: sa says a.b and axb; untold, told, TELL, tells, say."
    flat = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
    trie = re.compile(rf"\b{trie_pattern(words)}\b", re.I)
    assert trie.findall(text) == flat.findall(text)
    assert trie.findall(text) == ["Said", "saying", "sa", "says", "a.b", "told", "TELL", "say"]
    phrases = re.compile(words_pattern("say says", "tells?", "sa id"), re.I)
    assert phrases.findall("Says he, sa id she; tell, tells, sayso") == [
        "Says",
        "sa id",
        "tell",
        "tells",
    ]


def test_policy_cues_fire_on_a_measure_of_an_institution_only():
    bill, planned, fire = cues(
        [
            "Parliament passed the budget bill on Monday.",
            "The ministry plans to introduce a ban on plastic bags.",
            "Five people died in the fire on Monday.",
        ]
    )
    assert bill["institution_acts"] == 1 and bill["institution_measure"] == 1
    assert planned["planned_measure"] == 1 and planned["policy_cues"] == 1.0
    assert fire["policy_cues"] == 0 and fire["institution"] == 0


def test_word_classes_keep_the_frame_and_drop_who_speaks():
    assert abstract_text("Officials told reporters that the Senate will vote.") == (
        "BOS INST RV w that the INST will MEASURE . EOS"
    )
    assert abstract_text('"We won," Smith said.') == abstract_text('"We won," Jones said.')


def test_static_vectors_are_unit_length_and_place_alike_sentences_closer():
    vectors = StaticVectors().vectors(
        ["Parliament passed the new law.", "Congress approved the bill.", "The cat sat.", ""]
    )
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_the_held_out_articles_are_whole_and_left_out_of_the_fit():
    fit_idx, dev_idx = held_out_split(GROUPS, 0.3, seed=1)
    held = {GROUPS[i] for i in dev_idx}
    assert held and not held & {GROUPS[i] for i in fit_idx}
    assert sorted([*fit_idx, *dev_idx]) == list(range(len(GROUPS)))


def test_offsets_are_tuned_on_the_held_out_training_articles_without_refits(monkeypatch):
    def no_refits(*args, **kwargs):
        raise AssertionError("out-of-fold refits")

    monkeypatch.setattr(base, "out_of_fold_scores", no_refits)
    model = build_model("tfidf_roles", {"dev_fraction": 0.3}, seed=1)
    fit_model(model, TEXTS, LABELS_, PREVS, GROUPS, thresholds=True)
    scores, gold = model.held_out_scores()
    _, dev_idx = held_out_split(GROUPS, 0.3, seed=1)
    assert list(gold) == [LABELS_[i] for i in dev_idx] and scores.shape == (len(dev_idx), 4)
    assert np.array_equal(model.offsets, tune_offsets(scores, gold))


def test_without_a_held_out_share_nothing_is_held_out():
    model = build_model("tfidf_roles", {"dev_fraction": 0}, seed=0)
    fit_model(model, TEXTS, LABELS_, PREVS, GROUPS)
    assert model.held_out_scores() is None and model.offsets is None


@pytest.mark.parametrize(
    "params",
    [{}, {"static_weight": 0, "lsa_weight": 0}, {"one_vs_rest": False}, {"nb_weight": 0.5}],
)
def test_tfidf_roles_learns_saves_and_loads_the_same(params, tmp_path):
    model = fit_model(build_model("tfidf_roles", params, seed=0), TEXTS, LABELS_, PREVS, GROUPS)
    scores = predict_scores(model, TEXTS, PREVS)
    assert (scores.argmax(axis=1) == np.array(LABELS_)).all()
    save_model(model, "tfidf_roles", tmp_path)
    assert np.allclose(predict_scores(load_model(tmp_path), TEXTS, PREVS), scores)


def test_one_vs_rest_fits_a_binary_regression_per_label_the_same_in_threads_or_not():
    model = fit_model(build_model("tfidf_roles", {}, seed=0), TEXTS, LABELS_, PREVS, GROUPS)
    assert isinstance(model.clf, OneVsRestClassifier)
    assert len(model.clf.estimators_) == len(set(LABELS_))
    scores = predict_scores(model, TEXTS, PREVS)
    assert np.allclose(scores.sum(axis=1), 1.0)
    serial = build_model("tfidf_roles", {}, seed=0)
    serial.clf.set_params(n_jobs=1)
    fit_model(serial, TEXTS, LABELS_, PREVS, GROUPS)
    assert np.allclose(predict_scores(serial, TEXTS, PREVS), scores)


def test_the_sentence_after_is_read_only_with_its_weight_and_survives_saving(tmp_path):
    nexts = [*TEXTS[1:], ""]
    on = fit_model(
        build_model("tfidf_roles", {"following_weight": 1.0}, seed=0),
        TEXTS,
        LABELS_,
        PREVS,
        GROUPS,
        following=nexts,
    )
    scores = predict_scores(on, TEXTS, PREVS, nexts)
    assert not np.allclose(predict_scores(on, TEXTS, PREVS, [""] * len(TEXTS)), scores)
    save_model(on, "tfidf_roles", tmp_path / "on")
    assert np.allclose(predict_scores(load_model(tmp_path / "on"), TEXTS, PREVS, nexts), scores)
    off = fit_model(build_model("tfidf_roles", {}, seed=0), TEXTS, LABELS_, PREVS, GROUPS)
    assert np.allclose(predict_scores(off, TEXTS, PREVS, nexts), predict_scores(off, TEXTS, PREVS))


def test_a_model_saved_before_a_setting_existed_loads_with_its_default(tmp_path):
    import json

    model = fit_model(build_model("tfidf_roles", {}, seed=0), TEXTS, LABELS_, PREVS, GROUPS)
    save_model(model, "tfidf_roles", tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    del manifest["settings"]["following_weight"]
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    loaded = load_model(tmp_path)
    assert loaded.following_weight == 0.0
    assert np.allclose(predict_scores(loaded, TEXTS, PREVS), predict_scores(model, TEXTS, PREVS))


def test_only_a_model_that_reads_the_sentence_after_is_given_it():
    # tfidf_structure takes no `following` keyword: passing the sentences after must not reach it
    model = fit_model(
        build_model("tfidf_structure", {}, seed=0),
        TEXTS,
        LABELS_,
        PREVS,
        GROUPS,
        following=[*TEXTS[1:], ""],
    )
    assert predict_scores(model, TEXTS, PREVS, [*TEXTS[1:], ""]).shape == (len(TEXTS), 4)


@pytest.mark.parametrize("name", ["tfidf_structure", "tfidf_roles"])
def test_rule_features_from_the_second_process_give_the_same_model(name, monkeypatch):
    nexts = [*TEXTS[1:], ""]
    params = {"following_weight": 1.0} if name == "tfidf_roles" else {}

    def scores() -> np.ndarray:
        model = build_model(name, params, seed=0)
        fit_model(model, TEXTS, LABELS_, PREVS, GROUPS, following=nexts)
        return predict_scores(model, TEXTS, PREVS, nexts)

    here = scores()
    monkeypatch.setattr(structure, "BACKGROUND_ROWS", 1)  # every fit and prediction
    inputs = build_model(name, params, seed=0)._inputs(TEXTS, PREVS, nexts)
    assert any(isinstance(part, Future) for part in inputs.parts)
    assert np.array_equal(scores(), here)
