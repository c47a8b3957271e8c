"""The annotation workflow: export batches with pre-labels, import validated gold."""

import json

import pytest

from pipeline.cli.annotate import candidates, main
from pipeline.core.labels import LABELS
from pipeline.data.annotations import Annotation, load_annotations, span_hash
from pipeline.data.corpora import Article
from pipeline.split import get_splitter


@pytest.fixture
def gold_dir(tmp_path):
    return tmp_path / "annotations"


def export(capsys, tiny_run, gold_dir, *extra):
    assert (
        main(
            [
                "export",
                "--run",
                str(tiny_run),
                "data=tiny",
                f"data.annotations_dir={gold_dir}",
                *extra,
            ]
        )
        == 0
    )
    return capsys.readouterr().out


def run_import(path, gold_dir, *extra):
    return main(["import", str(path), "data=tiny", f"data.annotations_dir={gold_dir}", *extra])


def write_lines(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.mark.slow
def test_export_orders_by_confidence_and_skips_gold(capsys, tiny_run, gold_dir):
    records = [json.loads(x) for x in export(capsys, tiny_run, gold_dir, "-n", "6").splitlines()]
    assert len(records) == 6
    assert [r["confidence"] for r in records] == sorted(r["confidence"] for r in records)
    assert all(
        r["pre_label"] in ("fact", "quote", "policy", "opinion")
        and r["pre_label_by"].startswith("run:")
        for r in records
    )
    most = [
        json.loads(x)
        for x in export(
            capsys, tiny_run, gold_dir, "-n", "3", "--order", "most_confident"
        ).splitlines()
    ]
    assert most[0]["confidence"] >= records[-1]["confidence"]


def test_label_studio_export(capsys, tiny_run, gold_dir):
    tasks = json.loads(export(capsys, tiny_run, gold_dir, "-n", "2", "--format", "labelstudio"))
    assert len(tasks) == 2
    assert {"text", "prev", "doc", "start", "end", "hash"} == set(tasks[0]["data"])
    assert tasks[0]["predictions"][0]["result"][0]["value"]["choices"][0] in (
        "fact",
        "quote",
        "policy",
        "opinion",
    )


def test_import_merges_validates_and_protects_gold(capsys, tiny_run, gold_dir, tmp_path):
    batch = [json.loads(x) for x in export(capsys, tiny_run, gold_dir, "-n", "4").splitlines()]
    good = [
        {k: r[k] for k in ("doc", "start", "end", "hash")}
        | {"label": "fact", "annotator": "tester"}
        for r in batch
    ]
    assert run_import(write_lines(tmp_path / "b1.jsonl", good), gold_dir) == 0
    assert len(load_annotations(gold_dir)) == 4
    assert run_import(tmp_path / "b1.jsonl", gold_dir) == 0  # same labels again: nothing new
    assert len(load_annotations(gold_dir)) == 4

    changed = [good[0] | {"label": "quote"}]
    assert run_import(write_lines(tmp_path / "b2.jsonl", changed), gold_dir) == 2
    assert "conflicts with gold 'fact' by tester" in capsys.readouterr().err
    assert run_import(tmp_path / "b2.jsonl", gold_dir, "--overwrite") == 0
    labels = sorted(a.label for a in load_annotations(gold_dir))
    assert labels == ["fact", "fact", "fact", "quote"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hash": "000000000000"}, "b.jsonl:2: hash does not match"),
        ({"label": "rumour"}, "b.jsonl:2: unknown label 'rumour'"),
        ({"doc": "nowhere"}, "b.jsonl:2: unknown document 'nowhere'"),
        ({"end": 10**7}, "b.jsonl:2: offsets"),
        (None, "b.jsonl:2: duplicate record"),
    ],
)
@pytest.mark.slow
def test_bad_records_stop_the_import_whole(capsys, tiny_run, gold_dir, tmp_path, change, message):
    batch = [json.loads(x) for x in export(capsys, tiny_run, gold_dir, "-n", "2").splitlines()]
    good = [
        {k: r[k] for k in ("doc", "start", "end", "hash")} | {"label": "fact", "annotator": "t"}
        for r in batch
    ]
    second = good[0] if change is None else good[1] | change
    assert run_import(write_lines(tmp_path / "b.jsonl", [good[0], second]), gold_dir) == 2
    assert message in capsys.readouterr().err
    assert load_annotations(gold_dir) == []


def test_label_studio_import(capsys, tiny_run, gold_dir, tmp_path):
    tasks = json.loads(export(capsys, tiny_run, gold_dir, "-n", "2", "--format", "labelstudio"))
    for task in tasks:
        task["annotations"] = [
            {
                "result": [{"from_name": "label", "value": {"choices": ["policy"]}}],
                "completed_by": 7,
            }
        ]
    (tmp_path / "ls.json").write_text(json.dumps(tasks))
    assert run_import(tmp_path / "ls.json", gold_dir, "--annotator", "ann-x") == 0
    assert {(a.label, a.annotator) for a in load_annotations(gold_dir)} == {("policy", "ann-x")}


@pytest.mark.slow
def test_ceiling_scores_every_checkthat_gold_sentence(capsys):
    """`annotate ceiling` reads the project's gold of CheckThat! train/dev and the corpus."""
    from pipeline.data.corpora import REPO_ROOT

    gold_files = sorted((REPO_ROOT / "data/annotations/checkthat2025").glob("*.jsonl"))
    n_gold = sum(len(p.read_text().splitlines()) for p in gold_files)
    assert main(["ceiling", "--format", "json"]) == 0
    train, dev, pooled = json.loads(capsys.readouterr().out)
    assert train["part"].endswith("train_en.tsv") and dev["part"].endswith("dev_en.tsv")
    assert pooled["n"] == train["n"] + dev["n"] == n_gold
    for row in (train, dev, pooled):
        low, high = json.loads(row["interval"])
        assert low <= row["macro_f1"] <= high < 1.0


class RecordingPredictor:
    """Labels every sentence `fact` and keeps what `label_texts` was given."""

    def __init__(self):
        self.splitter = get_splitter("news")
        self.calls = []

    def label_texts(self, texts, prevs=None, nexts=None):
        self.calls.append((list(texts), prevs and list(prevs), nexts and list(nexts)))
        return [("fact", dict.fromkeys(LABELS, 0.25)) for _ in texts]


def test_pre_labels_read_each_sentence_with_its_neighbours():
    text = "The mayor spoke on Friday. She said taxes will rise. Critics disagree."
    predictor = RecordingPredictor()
    gold = {"a": [Annotation("a", 0, 26, span_hash(text[0:26]), "fact", "tester")]}
    found = candidates([Article("a", text, "test")], gold, predictor)
    assert [c.text for c in found] == ["She said taxes will rise.", "Critics disagree."]
    assert [c.prev for c in found] == ["The mayor spoke on Friday.", "She said taxes will rise."]
    assert predictor.calls == [
        (
            ["She said taxes will rise.", "Critics disagree."],
            ["The mayor spoke on Friday.", "She said taxes will rise."],
            ["Critics disagree.", ""],
        )
    ]
