"""Sweeps through the cluster launchers, run for real on this machine: submitit's local executor
(`launcher=submitit_local`, the code path of `launcher=submitit_slurm`) and a local Ray instance
(`launcher=ray`, which lives in its own environment: docs/scaling.md). `.ci/run` builds that
environment and runs the Ray test in it."""

import importlib.util
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

from pipeline.runs import find_runs, read_run


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def needs(*modules: str, install: str) -> pytest.MarkDecorator:
    """Skip unless every module can be imported, saying which are missing and how to install."""
    missing = [m for m in modules if not importable(m)]
    return pytest.mark.skipif(
        bool(missing), reason=f"{', '.join(missing)} not installed ({install})"
    )


def sweep_runs(launcher: str, experiments: Path) -> list[Path]:
    """Run `data=tiny model=majority,rules` through `launcher`; its run folders."""
    result = run_cli(
        "pipeline",
        "-m",
        f"launcher={launcher}",
        "data=tiny",
        "model=majority,rules",
        f"paths.experiments_dir={experiments}",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return find_runs(experiments)


def assert_completed_sweep(runs: list[Path], experiments: Path) -> None:
    """One completed run folder per model, where a sweep on one machine puts them."""
    models = [yaml.safe_load((r / "config.yaml").read_text())["model"]["name"] for r in runs]
    assert sorted(models) == ["majority", "rules"]
    for run in runs:
        assert run.parent == experiments / "default"
        assert read_run(run)["status"] == "completed" and (run / "metrics.json").is_file()


@pytest.mark.slow
@needs("hydra_plugins.hydra_submitit_launcher", install='pip install -e ".[slurm]"')
def test_a_sweep_through_submitits_local_executor_completes_every_run(tmp_path):
    runs = sweep_runs("submitit_local", tmp_path)
    assert_completed_sweep(runs, tmp_path)
    assert len(list((tmp_path / "default" / ".submitit").glob("*/*_result.pkl"))) == 2


@pytest.mark.slow
@needs("ray", "hydra_plugins.hydra_ray_launcher", install="own venv: docs/scaling.md#ray")
def test_a_sweep_on_a_local_ray_instance_completes_every_run(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    assert_completed_sweep(sweep_runs("ray", tmp_path), tmp_path)
