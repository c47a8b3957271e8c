"""`python -m pipeline.rescore`: a finished run's model scored again on an external evaluation."""

import json

import pytest
from conftest import run_smoke

from pipeline.cli.rescore import main


@pytest.mark.slow
def test_rescoring_a_run_gives_what_its_own_external_evaluation_gave(tmp_path, capsys):
    run_dir = run_smoke(tmp_path, "resc00", "eval.external=[checkthat]")
    in_run = json.loads((run_dir / "metrics.json").read_text())["external"]["checkthat"]
    assert main([str(run_dir), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["n"], row["macro_f1"]) == (in_run["n"], in_run["macro_f1"])
    assert row["subj_recall"] == in_run["per_class"]["SUBJ"]["recall"]


def test_a_folder_that_is_not_a_finished_run_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1
