"""Pseudo labels: a finished run's model labels unannotated articles (standoff, never gold); runs
train on them only beside the test side that model never trained on."""

import json
import time
from dataclasses import replace

import pytest

from pipeline.cli.annotate import main
from pipeline.cli.hydra_config import compose_config
from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABELS
from pipeline.data.annotations import load_annotations, span_hash
from pipeline.data.corpora import load_articles
from pipeline.data.pseudo import check_test_side, load_pseudo_labels, write_pseudo_labels
from pipeline.data.rows import training_rows
from pipeline.experiment import run_experiment

POOL = "data.pseudo.corpora.wikinews_2004_2018_all.limit=40"


@pytest.fixture(scope="module")
def pseudo_dir(tiny_run, tmp_path_factory):
    """Pseudo labels of about 60 sentences by the tiny run's model."""
    out = tmp_path_factory.mktemp("pseudo")
    args = ["pseudo", "--run", str(tiny_run), "-n", "60", "--output", str(out), "data=tiny", POOL]
    assert main(args) == 0
    return out


def test_pseudo_labels_are_standoff_records_of_unannotated_articles(tiny_run, pseudo_dir):
    manifest = json.loads((pseudo_dir / "manifest.json").read_text())
    records = [json.loads(line) for line in (pseudo_dir / "labels.jsonl").read_text().splitlines()]
    test_docs = {
        json.loads(line)["id"].rsplit("#", 1)[0]
        for line in (tiny_run / "predictions.jsonl").read_text().splitlines()
    }
    assert manifest["test_documents"] == sorted(test_docs)
    assert manifest["made_by"].startswith("tfidf_logreg")
    assert manifest["sentences"] == len(records) >= 60
    assert sum(manifest["labels"].values()) == len(records)
    assert all(r["annotator"] == f"model:{manifest['made_by']}" for r in records)
    assert "text" not in records[0]  # standoff: the text stays in the corpus
    cfg = compose_config(["data=tiny", POOL])
    texts = {a.doc_id: a.text for a in load_articles(cfg["data"] | cfg["data"]["pseudo"])}
    gold_docs = {a.doc for a in load_annotations(cfg["data"]["annotations_dir"])}
    for r in records:
        assert r["doc"] not in gold_docs | test_docs
        assert span_hash(texts[r["doc"]][r["start"] : r["end"]]) == r["hash"]
        assert 0 <= r["score"] <= 1


def test_loaded_rows_carry_the_model_as_annotator_and_the_sentences_around(pseudo_dir):
    pseudo = load_pseudo_labels(
        compose_config(["data=tiny", f"data.pseudo.dir={pseudo_dir}"])["data"]
    )
    assert len(pseudo.rows) == json.loads((pseudo_dir / "manifest.json").read_text())["sentences"]
    first, second = pseudo.rows[:2]
    assert first.label_source == "pseudo" and first.annotator.startswith("model:tfidf_logreg")
    assert first.prev_text == "" and second.prev_text == first.text
    assert first.next_text == second.text
    last_of_doc = [r for r in pseudo.rows if r.doc_id == first.doc_id][-1]
    assert last_of_doc.next_text == ""
    assert second.doc_id == first.doc_id and second.start > first.end - 1


@pytest.mark.slow
def test_runs_train_on_pseudo_labels_only_beside_the_models_test_side(pseudo_dir, tmp_path):
    overrides = [
        "experiment=smoke",
        f"paths.experiments_dir={tmp_path}",
        f"data.pseudo.dir={pseudo_dir}",
        "data.train_sources=[gold,external,pseudo]",
    ]
    run_dir = tmp_path / "smoke" / f"{time.strftime('%Y%m%d-%H%M%S')}_pseudo"
    metrics = run_experiment(compose_config(overrides), run_dir, overrides)
    trained = metrics["data"]["train"]
    n_pseudo = json.loads((pseudo_dir / "manifest.json").read_text())["sentences"]
    assert sum(trained["pseudo/pseudo"][label] for label in LABELS) == n_pseudo
    sampled = [*overrides, "data.pseudo.max_sentences=25", "force=true"]
    metrics = run_experiment(compose_config(sampled), tmp_path / "sampled", sampled)
    assert sum(metrics["data"]["train"]["pseudo/pseudo"][label] for label in LABELS) == 25
    moved = [*overrides, "eval.split_seed=3"]
    with pytest.raises(PipelineError, match="trained on .* of this run's test documents"):
        run_experiment(compose_config(moved), tmp_path / "moved", moved)


def test_a_changed_span_or_a_missing_folder_is_a_one_line_error(pseudo_dir, tmp_path):
    data = compose_config(["data=tiny", POOL])["data"]
    with pytest.raises(PipelineError, match="has no manifest.json.*annotate pseudo"):
        load_pseudo_labels(data | {"pseudo": data["pseudo"] | {"dir": str(tmp_path)}})
    records = [json.loads(line) for line in (pseudo_dir / "labels.jsonl").read_text().splitlines()]
    records[0]["hash"] = "000000000000"
    manifest = json.loads((pseudo_dir / "manifest.json").read_text())
    write_pseudo_labels(tmp_path / "bad", records, manifest)
    with pytest.raises(PipelineError, match="does not match the document text"):
        load_pseudo_labels(data | {"pseudo": data["pseudo"] | {"dir": str(tmp_path / "bad")}})


def test_training_rows_take_pseudo_rows_only_when_asked_never_a_test_sentence_nor_gold(pseudo_dir):
    data = compose_config(["data=tiny", f"data.pseudo.dir={pseudo_dir}"])["data"]
    pseudo = load_pseudo_labels(data)
    check_test_side(pseudo, set(sorted(pseudo.test_documents)[:1]))  # a subset passes
    with pytest.raises(PipelineError, match="trained on 1 of"):
        check_test_side(pseudo, {"an unseen document"} | pseudo.test_documents)
    assert training_rows([], set(), ["gold"], pseudo=pseudo.rows) == []
    assert training_rows([], set(), ["gold", "pseudo"], pseudo=pseudo.rows) == pseudo.rows
    held = pseudo.rows[0]  # a held-out unit with the same text as a pseudo row
    same = [replace(held, doc_id="held", label_source="gold")]
    kept = training_rows(same, {"held"}, ["gold", "pseudo"], pseudo=pseudo.rows)
    assert held.text not in {r.text for r in kept} and len(kept) < len(pseudo.rows)
    annotated = [replace(held, id="gold#0", label="quote", label_source="gold")]  # gold since
    kept = training_rows(annotated, set(), ["gold", "pseudo"], pseudo=pseudo.rows)
    assert [r for r in kept if r.doc_id == held.doc_id] == annotated  # gold, not the model's
