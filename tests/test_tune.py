"""`python -m pipeline.tune`: Optuna trials are runs scored on dev; pruned trials stop early."""

import json

import optuna
import pytest

from pipeline.cli.tune import read_space, run_study, suggest, trials_table
from pipeline.core.errors import PipelineError

TINY = [
    "data=tiny",
    "model.params.num_layers=1",
    "model.params.max_steps=2",
    "model.params.epochs=1",
    "model.params.max_length=32",
    "model.params.distil_layers=null",
    "model.params.runtime=torch",
    "model.params.quantize=null",
    "eval.n_bootstrap=20",
]


def test_every_search_space_suggests_valid_overrides():
    space = read_space("minilm_finetune")["space"]
    overrides = suggest(
        optuna.trial.FixedTrial({k: 3e-5 for k in space} | {"model.params.batch_size": 16}), space
    )
    assert [o.split("=")[0] for o in overrides] == list(space)


def test_an_unknown_space_is_a_one_line_error():
    with pytest.raises(PipelineError, match="unknown search space 'nope'; choose one of"):
        read_space("nope")


@pytest.mark.slow
def test_a_trial_below_the_pruning_threshold_stops_and_says_pruned(tmp_path):
    overrides = [*TINY, f"paths.experiments_dir={tmp_path}"]
    study = run_study(overrides, "minilm_finetune", 1, optuna.pruners.ThresholdPruner(lower=1.01))
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED]
    record = json.loads((tmp_path / "tune_minilm_finetune" / "trial-000" / "run.json").read_text())
    assert record["status"] == "pruned" and "after epoch 1" in record["error"]
    assert "pruned" in trials_table(study)


@pytest.mark.slow
def test_a_completed_trial_is_scored_on_dev_not_test(tmp_path):
    overrides = [*TINY, f"paths.experiments_dir={tmp_path}"]
    study = run_study(overrides, "minilm_finetune", 1, optuna.pruners.NopPruner())
    metrics = json.loads(
        (tmp_path / "tune_minilm_finetune" / "trial-000" / "metrics.json").read_text()
    )
    assert study.trials[0].value == metrics["dev_macro_f1"] and metrics["n_dev"] > 0
    assert "best: trial 0" in trials_table(study)
