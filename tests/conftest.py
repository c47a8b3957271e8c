"""Shared fixtures: the seed article and a finished tiny run (made once per test session)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.core.files import read_text_file
from pipeline.data.corpora import find_external_file

REPO = Path(__file__).resolve().parent.parent
# Eight sentences, two per label (ids of LABELS), each label's pair easy to tell apart.
TOY_TEXTS = [
    '"We will win," the mayor said.',
    "The minister told reporters the plan works.",
    "Parliament passed the budget bill.",
    "The council approved a new law on housing.",
    "Critics worry the economy is doomed.",
    "This is a shameful decision, many believe.",
    "Five people died in the fire.",
    "The bridge opened in 1990.",
]
TOY_LABELS = [1, 1, 2, 2, 3, 3, 0, 0]
SEED = "seed/000_683854a330873483.txt"


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `python -m ...` as a user would, capturing its output."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="session")
def seed_text() -> str:
    return read_text_file(find_external_file(SEED))


def run_smoke(root: Path, run_id: str, *overrides: str) -> Path:
    """A completed `experiment=smoke` run (with `overrides`) under `root`, composed and run
    in-process, in a folder named as Hydra names runs; its path."""
    from pipeline.cli.hydra_config import compose_config
    from pipeline.experiment import run_experiment

    argv = ["experiment=smoke", *overrides]
    run_dir = root / "smoke" / f"{time.strftime('%Y%m%d-%H%M%S')}_{run_id}"
    run_experiment(compose_config([*argv, f"paths.experiments_dir={root}"]), run_dir, argv)
    return run_dir


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A completed `experiment=smoke` run in a temporary experiments folder (tests/test_cli.py
    runs the same through the command line)."""
    return run_smoke(tmp_path_factory.mktemp("experiments"), "tiny00")
