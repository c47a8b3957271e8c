"""The Arrow path of the split and label stages (`data.backend=arrow`) matches the in-memory path:
the same units and votes, the same rows, the same run."""

import json
from pathlib import Path

import pytest
from datasets import Dataset, load_from_disk

from pipeline.cli.hydra_config import compose_config
from pipeline.core.config import config_identity
from pipeline.core.labels import LABELS
from pipeline.data.corpora import Article, on_arrow
from pipeline.experiment import build_rows, run_experiment
from pipeline.split import split_dataset
from pipeline.split.news import split_text
from pipeline.weak.labelling import weak_label_dataset
from pipeline.weak.lfs import apply_lfs, majority_vote

ARTICLES = {
    "a": "Friday, January 4, 2019\nThe Senate passed the bill. Critics worry it fails.\n",
    "b": '"We will win," the mayor said. Five people died on Monday.',
}


def test_dataset_split_and_votes_match_the_plain_functions():
    articles = Dataset.from_dict({"doc_id": list(ARTICLES), "text": list(ARTICLES.values())})
    units = weak_label_dataset(split_dataset(articles, batch_size=1), batch_size=2)
    expected = [(doc, u) for doc, text in ARTICLES.items() for u in split_text(text)]
    assert units.num_rows == len(expected)
    for row, (doc, unit) in zip(units, expected):
        assert (row["doc_id"], row["start"], row["end"], row["kind"], row["text"]) == (
            doc,
            unit.start,
            unit.end,
            unit.kind,
            unit.text,
        )
    sentences = [r for r in units if r["kind"] == "sentence"]
    votes = apply_lfs([r["text"] for r in sentences], [r["prev_text"] for r in sentences])
    assert [r["votes"] for r in sentences] == votes.tolist()
    assert [r["weak_label"] for r in sentences] == [LABELS[i] for i in majority_vote(votes)]
    assert units[0]["weak_label"] is None and units[0]["votes"] is None  # the dateline


def test_the_backend_is_chosen_by_name_or_by_the_size_of_the_text():
    articles = [Article("a", "x" * 6, "s"), Article("b", "y" * 4, "s")]
    assert on_arrow({"backend": "auto", "arrow_above_chars": 10}, articles)
    assert not on_arrow({"backend": "auto", "arrow_above_chars": 11}, articles)
    assert on_arrow({"backend": "arrow", "arrow_above_chars": 10**9}, articles)
    assert not on_arrow({"backend": "memory", "arrow_above_chars": 0}, articles)


def test_the_backend_is_not_part_of_a_runs_identity():
    arrow = compose_config(["data.backend=arrow", "data.arrow_num_proc=4"])
    assert config_identity(arrow) == config_identity(compose_config([]))


def test_both_backends_build_the_same_rows_from_every_kind_of_corpus():
    """News articles (seed, Wikinews, recorded draws) and one-sentence documents (CheckThat!),
    gold and votes: equal rows and the same data fingerprint."""
    small = [
        "data.corpora.wikinews_2019.limit=12",
        "data.corpora.wikinews_2004_2018.limit=4",
        "data.corpora.wikinews_training.limit=3",
        "data.corpora.checkthat_train.limit=25",
        "data.corpora.checkthat_dev.limit=25",
    ]
    memory = build_rows(compose_config([*small, "data.backend=memory"]))
    arrow = build_rows(compose_config([*small, "data.backend=arrow"]))
    rows = memory[0]
    assert {r.source for r in rows} == {"seed", "wikinews", "wikinews_training", "checkthat"}
    assert any(r.label_source == "gold" for r in rows) and any(r.kind != "sentence" for r in rows)
    assert arrow[0] == rows and arrow[2] == memory[2]


def _run(tmp_path: Path, backend: str) -> Path:
    """A data=tiny run with `backend` into its own folder."""
    overrides = ["data=tiny", f"data.backend={backend}", f"paths.experiments_dir={tmp_path}"]
    run_dir = tmp_path / "default" / backend
    run_experiment(compose_config(overrides), run_dir)
    return run_dir


def _result(metrics: dict) -> dict:
    """metrics.json less the timings."""
    return {k: v for k, v in metrics.items() if not k.endswith(("_seconds", "_per_s"))}


@pytest.mark.slow
def test_a_run_on_arrow_is_the_run_in_memory(tmp_path):
    memory, arrow = _run(tmp_path, "memory"), _run(tmp_path, "arrow")
    for name in ("predictions.jsonl", "errors.jsonl"):
        assert (arrow / name).read_text() == (memory / name).read_text()
    metrics = [json.loads((run / "metrics.json").read_text()) for run in (memory, arrow)]
    assert _result(metrics[1]) == _result(metrics[0])
    datasets = [load_from_disk(str(run / "dataset")) for run in (memory, arrow)]
    assert datasets[1].to_dict() == datasets[0].to_dict()
