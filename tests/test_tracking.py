"""tracking=mlflow: parallel processes log to one embedded SQLite store without losing a run."""

import json
import multiprocessing

import pytest

from pipeline.tracking import flat_metrics, log_run, tracking_uri

METRICS = {
    "macro_f1": 0.5,
    "accuracy": 0.75,
    "macro_f1_ci": [0.4, 0.6],
    "per_class": {"fact": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}},
    "external": {"checkthat": {"macro_f1": 0.61}},
}


def fake_run(root, i: int, status: str = "completed"):
    run_dir = root / "exp" / f"run{i}"
    run_dir.mkdir(parents=True)
    (run_dir / "run.json").write_text(
        json.dumps({"status": status, "git_commit": "abc", "error": None})
    )
    if status == "completed":
        (run_dir / "metrics.json").write_text(json.dumps(METRICS | {"macro_f1": i / 10}))
    (run_dir / "config.yaml").write_text("seed: 1\n")
    cfg = {
        "experiment_name": "exp",
        "seed": i,
        "model": {"name": "m"},
        "tracking": {"name": "mlflow", "uri": None},
        "paths": {"experiments_dir": str(root)},
    }
    return cfg, run_dir


def _log(args):
    log_run(*args)


def test_flat_metrics():
    flat = flat_metrics(METRICS)
    assert (
        flat["macro_f1_ci_low"] == 0.4
        and flat["f1_fact"] == 0.667
        and flat["checkthat_macro_f1"] == 0.61
    )


@pytest.mark.slow
def test_parallel_jobs_all_land_in_the_store(tmp_path):
    import mlflow

    jobs = [fake_run(tmp_path, i) for i in range(4)] + [fake_run(tmp_path, 9, status="failed")]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_log, jobs)
    mlflow.set_tracking_uri(tracking_uri({}, tmp_path))
    runs = mlflow.search_runs(experiment_names=["exp"])
    assert len(runs) == 5
    finished = runs[runs["status"] == "FINISHED"]
    assert sorted(finished["metrics.macro_f1"]) == [0.0, 0.1, 0.2, 0.3]
    assert list(runs[runs["status"] == "FAILED"]["tags.status"]) == ["failed"]
    assert (tmp_path / "mlflow-artifacts").is_dir() and not (tmp_path / "mlruns").exists()


def test_tracker_failure_never_fails_the_run(tmp_path, caplog):
    cfg, run_dir = fake_run(tmp_path, 1)
    (tmp_path / "a_file").write_text("not a folder")
    log_run(
        cfg | {"tracking": {"name": "mlflow", "uri": f"sqlite:///{tmp_path}/a_file/x.db"}}, run_dir
    )
    assert "MLflow logging failed" in caplog.text
