"""The package's shape: layered imports (the import-linter contract in pyproject.toml), a docstring
on every subpackage, registries whose config files list every parameter, and a model added from
outside the package in one module and one config."""

import functools
import importlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli.hydra_config import CONFIG_DIR, compose_config, group_choices
from pipeline.core.registry import parameters
from pipeline.data.corpora import LOADERS
from pipeline.evaluation.external import EXTERNAL_EVALUATIONS
from pipeline.experiment import run_experiment
from pipeline.models import MODELS, Model
from pipeline.predictor import Predictor
from pipeline.split import SPLITTERS
from pipeline.weak.labelers import LABELERS

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"


def test_imports_follow_the_layers():
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is a dev dependency"
    result = subprocess.run([lint], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_subpackage_says_what_it_holds(package):
    doc = importlib.import_module(f"pipeline.{package}").__doc__
    assert doc and doc.strip() and doc.strip().endswith(".")


@pytest.mark.parametrize(
    ("group", "registry"), [("model", MODELS), ("splitter", SPLITTERS), ("labeler", LABELERS)]
)
@pytest.mark.slow
def test_config_files_are_registry_keys_listing_every_parameter(group, registry):
    ours = [n for n in registry.names() if _module(registry.get(n)).startswith("pipeline.")]
    assert set(group_choices(CONFIG_DIR, group)) == set(ours)
    for name in ours:  # as composed: a config may extend another of its group
        config = compose_config([f"{group}={name}"])[group]
        assert config["name"] == name
        listed = set(config.get("params") or {}) | {
            k for k in config if k not in ("name", "params", "label", "thresholds")
        }
        assert listed == set(parameters(registry.get(name))) - {"seed"}, name


def _module(builder) -> str:
    return (builder.func if isinstance(builder, functools.partial) else builder).__module__


def test_loaders_and_external_evaluations_are_registered():
    assert {"seed", "wikinews"} <= set(LOADERS.names())
    assert "checkthat" in EXTERNAL_EVALUATIONS.names()


@MODELS.register("toy_keyword")
class ToyKeyword(Model):
    """A model written outside the package: the label of the first keyword found, else fact."""

    KEYWORDS = {"said": 1, "law": 2, "bill": 2, "worry": 3}

    def __init__(self, weight: float = 0.9, seed: int = 0):
        self.weight = weight
        self.classes_ = np.arange(4)

    def fit(self, texts, labels, *, context=None, groups=None):
        return self

    def predict_proba(self, texts, *, context=None):
        scores = np.full((len(texts), 4), (1 - self.weight) / 3)
        for row, text in enumerate(texts):
            hits = [label for word, label in self.KEYWORDS.items() if word in text.lower()]
            scores[row, hits[0] if hits else 0] = self.weight
        return scores

    def save(self, directory):
        """Nothing beyond the manifest."""

    def settings(self):
        return {"weight": self.weight}

    @classmethod
    def load(cls, directory, settings, **serving):
        return cls(**settings)


def test_a_model_added_in_one_module_and_one_config_runs_end_to_end(tmp_path):
    """The model above plus the config below (what configs/model/toy_keyword.yaml would hold)."""
    cfg = compose_config(["experiment=smoke", f"paths.experiments_dir={tmp_path}"])
    cfg["model"] = {"name": "toy_keyword", "params": {"weight": 0.8}}
    metrics = run_experiment(cfg, tmp_path / "run")
    assert 0 < metrics["macro_f1"] <= 1 and metrics["n_test"] > 0
    assert json.loads((tmp_path / "run" / "model.json").read_text())["model"] == "toy_keyword.v1"
    labelled = Predictor(tmp_path / "run").label_texts(
        ["The senate passed the bill.", "He said no."]
    )
    assert [label for label, _ in labelled] == ["policy", "quote"]
