"""Loading a run folder never runs code from it (SECURITY.md): configs are data, models are skops
with trusted types only."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import skops.io as sio
import yaml
from conftest import REPO
from sklearn.preprocessing import FunctionTransformer

from pipeline.cli import compare, predict


@pytest.fixture
def shared_run(tiny_run, tmp_path) -> Path:
    """A copy of a finished run, as received from someone else."""
    return Path(
        shutil.copytree(
            tiny_run,
            tmp_path / "experiments" / "smoke" / "shared",
            ignore=shutil.ignore_patterns("dataset"),
        )
    )


def test_hydra_targets_in_a_run_config_are_never_instantiated(shared_run, tmp_path, capsys):
    marker = tmp_path / "pwned"
    payload = {"_target_": "os.system", "_args_": [f"touch {marker}"]}
    config = yaml.safe_load((shared_run / "config.yaml").read_text())
    config |= payload
    config["model"] |= payload
    config["splitter"] |= payload
    (shared_run / "config.yaml").write_text(yaml.safe_dump(config))
    sentences = tmp_path / "in.jsonl"
    sentences.write_text('{"text": "The council approved the budget."}\n')
    capsys.readouterr()
    # a splitter parameter
    assert predict.main([f"run_dir={shared_run}", f"input={sentences}"]) == 2
    assert "splitter 'news': unknown parameter '_" in capsys.readouterr().err
    assert compare.main([str(tmp_path / "experiments"), "--show-config", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "completed" and row["model._target_"] == "os.system"
    assert not marker.exists()


def test_yaml_object_tags_in_a_run_config_are_refused(shared_run, tmp_path, capsys):
    marker = tmp_path / "pwned"
    (shared_run / "config.yaml").write_text(
        f"splitter: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    sentences = tmp_path / "in.jsonl"
    sentences.write_text('{"text": "It rained."}\n')
    assert predict.main([f"run_dir={shared_run}", f"input={sentences}"]) == 2
    assert "config.yaml is not valid YAML" in capsys.readouterr().err
    assert compare.main([str(tmp_path / "experiments")]) == 0  # listed, its config unread
    assert not marker.exists()


def test_a_model_holding_an_untrusted_type_is_refused(shared_run, tmp_path, capsys):
    (shared_run / "model.skops").write_bytes(sio.dumps(FunctionTransformer(func=os.system)))
    sentences = tmp_path / "in.jsonl"
    sentences.write_text('{"text": "It rained."}\n')
    assert predict.main([f"run_dir={shared_run}", f"input={sentences}"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert (
        line == f"error: refusing to load {shared_run / 'model.skops'}: "
        "Untrusted types found in the file: ['posix.system']."
    )


UNSAFE_CALLS = re.compile(
    r"instantiate\(|hydra\.utils|import pickle|pickle\.loads?\(|joblib\.load\(|torch\.load\("
    r"|yaml\.(?:unsafe_)?load\(|trust_remote_code=True"
)


def test_no_code_path_instantiates_or_unpickles():
    assert not [
        p.name for p in (REPO / "pipeline").glob("*.py") if UNSAFE_CALLS.search(p.read_text())
    ]
