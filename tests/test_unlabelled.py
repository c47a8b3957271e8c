"""Unlabelled sentences in a run (`data.unlabelled`): which sentences a model may learn from, and
the teacher-student preset end to end on tiny data."""

import json
import time

import pytest

from pipeline.cli.hydra_config import compose_config
from pipeline.experiment import divide, load_data, run_experiment, unlabelled_pool
from pipeline.runs import RunRecord

EXTRA = {
    "corpora": {
        "more": {
            "loader": "wikinews",
            "path": "wikinews-toscadata-2004-2018/articles.csv",
            "limit": 4,
        }
    },
    "max_sentences": 30,
}


def _config(*overrides: str) -> dict:
    cfg = compose_config(["experiment=smoke", *overrides])
    cfg["data"]["unlabelled"] = EXTRA
    return cfg


def test_unlabelled_sentences_come_from_training_side_articles_without_gold():
    cfg = _config()
    data = load_data(cfg, RunRecord(run_id="t", experiment="t", seed=0))
    data.unlabelled = unlabelled_pool(cfg, data.rows)
    splits, _, _ = divide(cfg, data, 0)
    held_out = data.test_sides[0]
    assert 0 < len(splits.unlabelled) <= EXTRA["max_sentences"]
    assert all(r.kind == "sentence" and r.label_source != "gold" for r in splits.unlabelled)
    assert not {r.doc_id for r in splits.unlabelled} & held_out
    assert not {r.text for r in splits.unlabelled} & {r.text for r in splits.test}
    assert {r.doc_id for r in data.unlabelled} - {r.doc_id for r in data.rows}  # the extra corpus


def test_no_unlabelled_sentences_unless_configured():
    cfg = compose_config(["experiment=smoke"])
    data = load_data(cfg, RunRecord(run_id="t", experiment="t", seed=0))
    assert unlabelled_pool(cfg, data.rows) == []


@pytest.mark.slow
def test_best_preset_trains_a_student_from_a_teacher_and_offsets_on_its_dev_split(tmp_path):
    tiny = [
        "model.params.teacher_checkpoint=all-MiniLM-L6-v2",
        "model.params.teacher_num_layers=1",
        "model.params.num_layers=1",
        "model.params.max_steps=2",
        "model.params.epochs=1",
        "model.params.teacher_epochs=1",
        "model.params.max_length=32",
    ]
    cfg = compose_config(
        [
            "experiment=best",
            "data=tiny",
            "model.thresholds=true",
            f"paths.experiments_dir={tmp_path}",
            *tiny,
        ]
    )
    cfg["data"]["unlabelled"]["max_sentences"] = 20
    run_dir = tmp_path / "best" / f"{time.strftime('%Y%m%d-%H%M%S')}_best00"
    metrics = run_experiment(cfg, run_dir, ["experiment=best"])
    assert metrics["n_unlabelled"] == 20
    manifest = json.loads((run_dir / "model.json").read_text())
    assert manifest["model"] == "minilm_student.v1" and len(manifest["offsets"]) == 4
    assert manifest["settings"]["n_unlabelled"] == 20
    # teacher and student read the end of the sentence before
    student = manifest["settings"]
    teacher = json.loads((run_dir / "teacher" / "model.json").read_text())["settings"]
    for settings in (student, teacher):
        assert settings["use_context"] and settings["context_tokens"] == 8
    assert (teacher["runtime"], teacher["quantize"]) == ("onnx", "int8_7bit")  # how it labelled
    seconds = manifest["settings"]["seconds"]  # the training budget, part by part
    assert set(seconds) == {"teacher", "teacher_labelling", "student"}
    assert all(s > 0 for s in seconds.values())
    assert sum(seconds.values()) <= metrics["train_seconds"] + 0.5  # rounding
    assert (run_dir / "onnx" / "model.onnx").is_file()
