"""Shared fixtures: the seed article and a finished tiny run (made once per test session)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.files import read_text_file
from pipeline.sources import find_external_file

REPO = Path(__file__).resolve().parent.parent
# Eight sentences, two per label (ids of LABELS), each label's pair easy to tell apart.
TOY_TEXTS = [
    '"We will win," the mayor said.', "The minister told reporters the plan works.",
    "Parliament passed the budget bill.", "The council approved a new law on housing.",
    "Critics worry the economy is doomed.", "This is a shameful decision, many believe.",
    "Five people died in the fire.", "The bridge opened in 1990.",
]
TOY_LABELS = [1, 1, 2, 2, 3, 3, 0, 0]
SEED = "seed/000_683854a330873483.txt"


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `python -m ...` as a user would, capturing its output."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return read_text_file(find_external_file(SEED))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A completed `experiment=smoke` run in a temporary experiments folder."""
    root = tmp_path_factory.mktemp("experiments")
    result = run_cli("pipeline", "experiment=smoke", f"paths.experiments_dir={root}")
    assert result.returncode == 0, result.stderr[-2000:]
    (run_dir,) = (root / "smoke").iterdir()
    return run_dir
