import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import run_cli

from pipeline.cli.hydra_config import compose_config
from pipeline.core.errors import PipelineError
from pipeline.experiment import run_identity
from pipeline.runs import (
    RunRecord,
    claim_run_dir,
    completed_runs,
    find_runs,
    require_completed,
    run_status,
    tracked_run,
)
from pipeline.tracking import tracking_uri


def status_after(tmp_path, error: BaseException | None) -> dict:
    record = RunRecord(run_id="r", experiment="e", seed=1)
    try:
        with tracked_run(tmp_path, record):
            assert json.loads((tmp_path / "run.json").read_text())["status"] == "running"
            if error:
                raise error
    except BaseException:
        pass
    return json.loads((tmp_path / "run.json").read_text())


@pytest.mark.parametrize(
    "error, status",
    [(None, "completed"), (RuntimeError("boom"), "failed"), (KeyboardInterrupt(), "interrupted")],
)
def test_run_json_tells_the_truth(tmp_path, error, status):
    run = status_after(tmp_path, error)
    assert run["status"] == status
    assert run["ended"] and run["duration_s"] >= 0
    assert (run["error"] is None) == (error is None)
    if status == "failed":
        assert run["error"] == "RuntimeError: boom"


def test_only_completed_runs_are_usable(tmp_path):
    status_after(tmp_path / "a", None)
    status_after(tmp_path / "b", RuntimeError("x"))
    assert require_completed(tmp_path / "a")["status"] == "completed"
    with pytest.raises(PipelineError, match="status: failed"):
        require_completed(tmp_path / "b")
    assert [p.name for p in find_runs(tmp_path)] == ["a", "b"]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "run.json").write_text("{not json")
    with pytest.raises(PipelineError, match="not valid JSON"):
        require_completed(tmp_path / "c")
    assert [run_dir.name for run_dir, _ in completed_runs(tmp_path)] == [
        "a"
    ]  # the broken one is skipped


def test_a_claimed_run_folder_is_never_shared(tmp_path):
    first, second = RunRecord(run_id="x", experiment="e"), RunRecord(run_id="x", experiment="e")
    assert claim_run_dir(tmp_path / "r", first) == tmp_path / "r" and first.run_id == "r"
    assert claim_run_dir(tmp_path / "r", second) == tmp_path / "r-2" and second.run_id == "r-2"
    assert json.loads((tmp_path / "r-2" / "run.json").read_text())["run_id"] == "r-2"


def test_a_run_whose_process_is_gone_has_died(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    record = {"status": "running", "host": socket.gethostname()}
    assert run_status(record | {"pid": gone.pid}) == "died"
    assert run_status(record | {"pid": os.getpid()}) == "running"
    assert run_status(record | {"pid": gone.pid, "host": "elsewhere"}) == "running"
    assert (
        run_status({"status": "completed", "pid": gone.pid, "host": socket.gethostname()})
        == "completed"
    )


def fake_run(root, name: str, **changes) -> None:
    run = root / "smoke" / name
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": name, "experiment": "smoke"} | changes))


@pytest.mark.slow
def test_a_crash_mid_run_is_marked_failed_and_compare_shows_every_status(tmp_path):
    result = run_cli(
        "pipeline",
        "experiment=smoke",
        "model.params.C=-1",
        f"paths.experiments_dir={tmp_path}",
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(errors) == 1 and "unexpected InvalidParameterError" in errors[0], result.stderr
    (crashed,) = (tmp_path / "smoke").iterdir()
    run = json.loads((crashed / "run.json").read_text())
    assert run["status"] == "failed" and "'C' parameter of LogisticRegression" in run["error"]
    assert not (crashed / "metrics.json").exists() and not (crashed / "model.skops").exists()
    assert not list(crashed.glob(".*.tmp*"))  # no temporary file left behind
    gone = subprocess.Popen(["true"])
    gone.wait()
    fake_run(tmp_path, "stopped", status="interrupted", error="KeyboardInterrupt")
    fake_run(tmp_path, "oom-killed", status="running", host=socket.gethostname(), pid=gone.pid)
    (tmp_path / "smoke" / "garbled").mkdir()
    (tmp_path / "smoke" / "garbled" / "run.json").write_text("{")
    rows = json.loads(run_cli("pipeline.compare", str(tmp_path), "--format", "json").stdout)
    assert {r["run_id"]: r["status"] for r in rows} == {
        crashed.name: "failed",
        "stopped": "interrupted",
        "oom-killed": "died",
        "garbled": "unreadable",
    }
    assert all(r["macro_f1"] is None for r in rows)


@pytest.mark.slow
def test_a_killed_run_is_marked_interrupted(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "experiment=smoke", f"paths.experiments_dir={tmp_path}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_json = None
    for _ in range(1200):  # wait until the run has started, then stop it as a scheduler would
        found = list(tmp_path.glob("smoke/*/run.json"))
        if found:
            run_json = found[0]
            break
        time.sleep(0.05)
    assert run_json is not None
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip() == "error: interrupted", stderr
    run = json.loads(run_json.read_text())
    assert run["status"] == "interrupted" and not (run_json.parent / "metrics.json").exists()


@pytest.mark.slow
def test_concurrent_runs_into_one_folder_keep_their_own_run_folders_and_mlflow_runs(tmp_path):
    """Three runs at once into one experiments folder, two of them with the same config forced into
    the same run folder (`hydra.run.dir`): each finishes in its own folder and lands in MLflow."""
    import mlflow

    common = [
        sys.executable,
        "-m",
        "pipeline",
        "experiment=smoke",
        "tracking=mlflow",
        "force=true",
        f"paths.experiments_dir={tmp_path}",
    ]
    jobs = [common + [f"hydra.run.dir={tmp_path}/smoke/same"]] * 2 + [common + ["seed=7"]]
    processes = [
        subprocess.Popen(job, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for job in jobs
    ]
    errors = [p.communicate(timeout=600)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], errors
    runs = find_runs(tmp_path)
    assert len(runs) == 3 and {"same", "same-2"} <= {r.name for r in runs}
    for run in runs:
        record = json.loads((run / "run.json").read_text())
        assert record["status"] == "completed" and record["run_id"] == run.name
        assert (run / "metrics.json").is_file() and (run / "model.skops").is_file()
    mlflow.set_tracking_uri(tracking_uri({}, tmp_path))
    logged = mlflow.search_runs(experiment_names=["smoke"])
    assert sorted(logged["tags.mlflow.runName"]) == sorted(r.name for r in runs)
    assert set(logged["status"]) == {"FINISHED"}


def test_a_run_over_changed_labels_is_not_the_same_run(tmp_path):
    """Grown or corrected gold makes a new run: a rerun is not skipped as the old one's twin."""
    gold = tmp_path / "annotations"
    (gold / "part").mkdir(parents=True)
    batch = gold / "part" / "batch_01.jsonl"
    batch.write_text('{"doc": "d", "start": 0, "end": 4, "label": "fact"}\n')
    cfg = compose_config([f"data.annotations_dir={gold}", f"data.pseudo.dir={tmp_path / 'none'}"])
    before = run_identity(cfg)
    assert run_identity(cfg) == before  # deterministic
    batch.write_text('{"doc": "d", "start": 0, "end": 4, "label": "quote"}\n')
    relabelled = run_identity(cfg)
    (gold / "part" / "batch_02.jsonl").write_text(
        '{"doc": "e", "start": 0, "end": 2, "label": "fact"}\n'
    )
    assert len({before, relabelled, run_identity(cfg)}) == 3
    assert run_identity(cfg | {"seed": cfg["seed"] + 1}) != run_identity(cfg)
