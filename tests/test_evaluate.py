import json

import numpy as np
import pytest

from pipeline.evaluation.metrics import bootstrap_interval, compute_metrics, write_evaluation


def test_metrics_match_a_hand_count():
    gold = [0, 0, 1, 1, 2, 3]
    pred = [0, 1, 1, 1, 2, 0]
    m = compute_metrics(gold, pred, n_bootstrap=200, seed=0)
    assert m["labels"] == ["fact", "quote", "policy", "opinion"]
    assert m["accuracy"] == 4 / 6
    # fact P=1/2 R=1/2, quote P=2/3 R=1, policy 1/1, opinion 0
    assert m["per_class"]["fact"]["f1"] == 0.5
    assert abs(m["per_class"]["quote"]["f1"] - 0.8) < 1e-9
    assert m["per_class"]["policy"]["f1"] == 1.0
    assert m["per_class"]["opinion"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert abs(m["macro_f1"] - (0.5 + 0.8 + 1.0 + 0.0) / 4) < 1e-9
    assert m["confusion_matrix"] == [[1, 1, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]


def test_bootstrap_interval_brackets_the_estimate_and_is_seeded():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 4, 300)
    pred = np.where(rng.random(300) < 0.7, gold, rng.integers(0, 4, 300))
    m = compute_metrics(gold, pred, n_bootstrap=300, seed=1)
    lo, hi = m["macro_f1_ci"]
    assert lo < m["macro_f1"] < hi and hi - lo < 0.2
    assert bootstrap_interval(gold, pred, 300, seed=1) == [lo, hi]


def test_evaluation_files(tmp_path):
    rows = [{"id": "a", "text": "x", "label": "fact"}, {"id": "b", "text": "y", "label": "quote"}]
    scores = np.array([[0.9, 0.1, 0, 0], [0.6, 0.4, 0, 0]])
    metrics = compute_metrics([0, 1], scores.argmax(axis=1), n_bootstrap=20)
    write_evaluation(tmp_path, rows, scores, metrics)
    preds = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert [p["predicted"] for p in preds] == ["fact", "fact"]
    assert [e["id"] for e in errors] == ["b"] and errors[0]["gold"] == "quote"
    assert (tmp_path / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "metrics.json").read_text())["accuracy"] == 0.5


def test_checkthat_external_evaluation_maps_opinion_to_subj():
    import pytest

    from pipeline.core.errors import PipelineError
    from pipeline.evaluation.external import evaluate_subjectivity
    from pipeline.models import build_model, fit_model

    model = fit_model(build_model("rules", {}, seed=0), ["x"], [0])
    result = evaluate_subjectivity(model, "checkthat")
    assert result["n"] == 784
    assert (
        result["per_class"]["SUBJ"]["support"] == 207
        and result["per_class"]["OBJ"]["support"] == 577
    )
    assert 0 <= result["macro_f1"] <= 1
    with pytest.raises(PipelineError, match="unknown external evaluation"):
        evaluate_subjectivity(model, "nope")


def test_the_headline_metric_leaves_opinion_out_and_sources_are_scored_apart():
    # fact, quote, policy right; the one opinion sentence wrong
    gold = [0, 0, 1, 1, 2, 2, 3]
    pred = [0, 0, 1, 1, 2, 2, 0]
    metrics = compute_metrics(gold, pred, n_bootstrap=20, sources=["news"] * 6 + ["checkthat"])
    assert metrics["macro_f1"] < 1 and abs(metrics["macro_f1_3"] - (0.8 + 1 + 1) / 3) < 1e-9
    lo, hi = metrics["macro_f1_3_ci"]
    assert lo <= metrics["macro_f1_3"] <= hi
    assert metrics["by_source"]["news"]["macro_f1"] == 1.0
    assert metrics["by_source"]["checkthat"]["n"] == 1


@pytest.mark.slow
def test_gold_ceiling_scores_the_gold_as_the_evaluation_scores_a_model(tmp_path):
    from pipeline.core.errors import PipelineError
    from pipeline.evaluation.external import gold_ceiling

    header = "sentence_id\tsentence\tlabel\n"
    (tmp_path / "ct").mkdir()
    (tmp_path / "ct/a.tsv").write_text(
        header + "s1\tOne.\tSUBJ\ns2\tTwo.\tSUBJ\ns3\tThree.\tOBJ\ns4\tFour.\tOBJ\ns5\tFive.\tOBJ\n"
    )
    (tmp_path / "ct/b.tsv").write_text(header + "t1\tSix.\tSUBJ\nt2\tSeven.\tOBJ\n")
    gold = {  # s5 has no gold and is left out
        "ct/a.tsv#s1": "opinion",
        "ct/a.tsv#s2": "quote",
        "ct/a.tsv#s3": "opinion",
        "ct/a.tsv#s4": "fact",
        "ct/b.tsv#t1": "opinion",
        "ct/b.tsv#t2": "policy",
    }
    a, b, pooled = gold_ceiling(gold, ("ct/a.tsv", "ct/b.tsv"), str(tmp_path))
    # part a: SUBJ and OBJ each P = R = 1/2; part b: both right
    assert (a["n"], a["macro_f1"], a["obj_called_opinion"], a["subj_called_other"]) == (
        4,
        0.5,
        1,
        1,
    )
    assert (b["n"], b["macro_f1"]) == (2, 1.0)
    # pooled: SUBJ P = R = 2/3, OBJ P = R = 2/3
    assert pooled["part"] == "pooled" and pooled["n"] == 6
    assert abs(pooled["macro_f1"] - 2 / 3) < 1e-9
    with pytest.raises(PipelineError, match="no gold-labelled sentence"):
        gold_ceiling({}, ("ct/b.tsv",), str(tmp_path))


def test_resampled_macro_f1_is_scikit_learns_macro_f1_of_each_resample():
    from sklearn.metrics import f1_score

    from pipeline.evaluation.metrics import resampled_macro_f1

    rng = np.random.default_rng(3)
    gold = rng.choice(4, size=(200, 40), p=[0.6, 0.3, 0.08, 0.02])  # rare labels go missing
    pred = np.where(rng.random((200, 40)) < 0.6, gold, rng.integers(0, 4, (200, 40)))
    for labels in (None, [0, 1, 2], [0, 1]):
        expected = [
            f1_score(g, p, labels=labels, average="macro", zero_division=0)
            for g, p in zip(gold, pred)
        ]
        assert np.allclose(resampled_macro_f1(gold, pred, labels), expected, rtol=0, atol=1e-12)
