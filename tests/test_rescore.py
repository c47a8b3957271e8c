"""`python -m pipeline.rescore`: a finished run's model scored again on an external evaluation."""

import json
import time

import pytest

from pipeline.cli.hydra_config import compose_config
from pipeline.cli.rescore import main
from pipeline.experiment import run_experiment


@pytest.mark.slow
def test_rescoring_a_run_gives_what_its_own_external_evaluation_gave(tmp_path, capsys):
    overrides = ["experiment=smoke", "eval.external=[checkthat]"]
    cfg = compose_config([*overrides, f"paths.experiments_dir={tmp_path}"])
    run_dir = tmp_path / "smoke" / f"{time.strftime('%Y%m%d-%H%M%S')}_resc00"
    run_experiment(cfg, run_dir, overrides)
    in_run = json.loads((run_dir / "metrics.json").read_text())["external"]["checkthat"]
    assert main([str(run_dir), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["n"], row["macro_f1"]) == (in_run["n"], in_run["macro_f1"])
    assert row["subj_recall"] == in_run["per_class"]["SUBJ"]["recall"]


def test_a_folder_that_is_not_a_finished_run_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1
