"""tracking=mlflow: parallel processes log to one embedded SQLite store, or to a real MLflow
tracking server, without losing a run; a tracker that is down costs one warning line."""

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from pipeline.runs import find_runs, read_run
from pipeline.tracking import (
    ARTIFACTS,
    HEALTH_TIMEOUT_S,
    check_server,
    flat_metrics,
    log_run,
    tracking_uri,
)

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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_tracking_server_that_is_down_costs_one_warning_and_no_wait(tmp_path, caplog):
    cfg, run_dir = fake_run(tmp_path, 1)
    cfg["tracking"]["uri"] = f"http://127.0.0.1:{free_port()}"
    began = time.monotonic()
    log_run(cfg, run_dir)
    assert time.monotonic() - began < HEALTH_TIMEOUT_S
    (record,) = caplog.records
    assert record.levelname == "WARNING" and "does not answer" in record.getMessage()
    assert "\n" not in record.getMessage() and not record.exc_info
    assert not (tmp_path / "mlflow.lock").exists()  # a server needs no lock in experiments_dir


def server_env() -> dict[str, str]:
    """The environment of a deployed server: without pytest's PYTEST_CURRENT_TEST, which switches
    on MLflow's own test-time checks inside the server, and without background job execution."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return env | {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


@pytest.fixture
def mlflow_server(tmp_path):
    """A real `mlflow server` on 127.0.0.1 and a free port (SQLite store, artifacts served from
    `tmp_path/server-artifacts`); its URI. Stopped (its whole process group) afterwards."""
    uri = f"http://127.0.0.1:{free_port()}"
    log_file = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"]
        + ["--port", uri.rsplit(":", 1)[1], "--workers", "1", "--serve-artifacts"]
        + ["--backend-store-uri", f"sqlite:///{tmp_path}/server.db"]
        + ["--artifacts-destination", str(tmp_path / "server-artifacts")],
        env=server_env(),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                check_server(uri)
                break
            except ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"mlflow server did not start: {log_file.name}")
                time.sleep(0.5)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log_file.close()


@pytest.mark.slow
def test_parallel_jobs_log_runs_params_metrics_and_artifacts_to_a_tracking_server(
    tmp_path, mlflow_server
):
    from mlflow import MlflowClient

    experiments = tmp_path / "experiments"
    jobs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline", "data=tiny", f"model={model}", "tracking=mlflow"]
            + [f"tracking.uri={mlflow_server}", f"paths.experiments_dir={experiments}"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for model in ("majority", "rules")
    ]
    errors = [job.communicate(timeout=600)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], errors
    client = MlflowClient(mlflow_server)
    logged = client.search_runs([client.get_experiment_by_name("default").experiment_id])
    by_name = {run.info.run_name: run for run in logged}
    run_dirs = find_runs(experiments)
    assert len(logged) == 2 and sorted(by_name) == [d.name for d in run_dirs], (
        errors,
        (tmp_path / "server.log").read_text()[-3000:],  # read only when the assertion fails
    )
    for run_dir in run_dirs:
        run = by_name[run_dir.name]
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert run.info.status == "FINISHED" and run.data.tags["status"] == "completed"
        assert run.data.params["model.name"] in ("majority", "rules")
        assert run.data.params["data.corpora.wikinews_2019.limit"] == "10"
        assert run.data.metrics["macro_f1"] == pytest.approx(metrics["macro_f1"])
        assert {a.path for a in client.list_artifacts(run.info.run_id)} == set(ARTIFACTS)
        copy = client.download_artifacts(run.info.run_id, "metrics.json", str(tmp_path))
        assert json.loads(Path(copy).read_text()) == metrics
    stored = {p.name for p in (tmp_path / "server-artifacts").rglob("*") if p.is_file()}
    assert set(ARTIFACTS) <= stored  # uploaded to the server, which chose where they live
    assert {p.name for p in experiments.iterdir()} == {"default"}  # no local store, lock, copies


@pytest.mark.slow
def test_a_run_whose_tracking_server_is_down_completes_with_one_warning_line(tmp_path):
    uri = f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        "pipeline",
        "data=tiny",
        "model=majority",
        "tracking=mlflow",
        f"tracking.uri={uri}",
        f"paths.experiments_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    told = [line for line in output.splitlines() if "mlflow" in line.lower()]
    assert len(told) == 1 and f"{uri} does not answer" in told[0], told
    assert "Traceback" not in output
    (run_dir,) = find_runs(tmp_path)
    assert read_run(run_dir)["status"] == "completed" and (run_dir / "metrics.json").is_file()
