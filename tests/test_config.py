"""Every config file composes against the schema (pipeline/cli/schema.py), and composed configs
have the shape the stages read."""

from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from pipeline.cli.hydra_config import (
    CONFIG_DIR,
    compose_config,
    group_choices,
    register_resolvers,
    unknown_choice,
)
from pipeline.cli.schema import SCHEMA_NAME, plain_config
from pipeline.core.config import flatten
from pipeline.models import MODELS

register_resolvers()
NOT_GROUPS = {"tune"}  # search spaces that `python -m pipeline.tune` reads itself
GROUPS = sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name not in NOT_GROUPS)
OVERRIDES = [f"{g}={c}" for g in GROUPS for c in group_choices(CONFIG_DIR, g)]


def compose_plain(overrides: list[str]) -> dict:
    """What a run gets (the plain, checked config), plus the run folder Hydra would use."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
        return plain_config(cfg) | {"_run_dir": cfg.hydra.run.dir}


def test_required_groups_exist():
    assert {
        "data",
        "splitter",
        "labeler",
        "model",
        "eval",
        "tracking",
        "paths",
        "experiment",
        "hparams_search",
        "launcher",
    } <= set(GROUPS)


def test_the_schema_comes_first_in_the_defaults_list():
    defaults = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())["defaults"]
    assert defaults[:2] == [SCHEMA_NAME, "_self_"]


LAUNCHER_PLUGINS = {
    "ray": "hydra_plugins.hydra_ray_launcher",
    "submitit_local": "hydra_plugins.hydra_submitit_launcher",
    "submitit_slurm": "hydra_plugins.hydra_submitit_launcher",
}


@pytest.mark.parametrize("override", OVERRIDES)
@pytest.mark.slow
def test_every_option_composes(override):
    group, _, option = override.partition("=")
    if group == "launcher" and option in LAUNCHER_PLUGINS:
        pytest.importorskip(LAUNCHER_PLUGINS[option], reason=f"launcher {option} is an extra")
    cfg = compose_plain([override])
    for key in ("data", "splitter", "labeler", "model", "eval", "paths", "seed", "experiment_name"):
        assert key in cfg
    assert cfg["model"]["name"] in MODELS.names()  # every model config names a registered model
    assert "???" not in flatten(cfg).values()  # no unset key reaches the stages


def test_fine_tuned_models_inherit_minilm_finetune_settings():
    """mpnet and the student extend minilm_finetune: a setting changed there reaches them."""
    base = compose_plain(["model=minilm_finetune"])["model"]["params"]
    mpnet = compose_plain(["model=mpnet_finetune"])["model"]
    student = compose_plain(["model=minilm_student"])["model"]["params"]
    assert mpnet["checkpoint"] == "all-mpnet-base-v2"
    assert mpnet["params"]["runtime"] == "torch" and base["runtime"] == "onnx"
    for key in ("max_length", "batch_size", "length_buckets", "class_weight", "patience"):
        assert mpnet["params"][key] == student[key] == base[key]


def test_experiment_presets_are_global_and_name_the_run_folder():
    for group in ("experiment", "hparams_search", "launcher"):
        for path in (CONFIG_DIR / group).glob("*.yaml"):
            assert path.read_text().startswith("# @package _global_"), path
    cfg = compose_plain(["experiment=baseline_svm", "paths.experiments_dir=/x"])
    assert cfg["model"]["name"] == "tfidf_svm"
    assert cfg["_run_dir"].startswith("/x/baseline_svm/")


def test_overrides_work_as_hydra_users_expect():
    cfg = compose_plain(["model=tfidf_svm", "seed=3", "paths.experiments_dir=/some/dir"])
    assert (cfg["model"]["name"], cfg["seed"], cfg["paths"]["experiments_dir"]) == (
        "tfidf_svm",
        3,
        "/some/dir",
    )
    name = Path(cfg["_run_dir"]).name
    assert len(name) == len("20260101-000000_abcdef") and name[8] == "-" and name[15] == "_"


def test_unknown_choices_are_named_with_the_valid_ones():
    assert unknown_choice(["model=tfidf_svm", "seed=3"]) is None
    assert unknown_choice(["model=majority,rules"]) is None
    message = unknown_choice(["model=bert"])
    assert message == (
        "unknown model 'bert'; choose one of: majority, minilm_embed_logreg, minilm_finetune, "
        "minilm_setfit, minilm_student, mpnet_finetune, rules, tfidf_logreg, tfidf_roles, "
        "tfidf_structure, tfidf_svm"
    )
    assert unknown_choice(["+experiment=nope"]).startswith("unknown experiment 'nope'")


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": {}}) == {"a.b": 1, "a.c.d": [2], "e": {}}


def test_tuning_presets_optimise_the_dev_metric_never_the_test_side():
    for path in (CONFIG_DIR / "hparams_search").glob("*.yaml"):
        cfg = compose_plain([f"hparams_search={path.stem}"])
        assert cfg["optimized_metric"] == "dev_macro_f1" and cfg["eval"]["dev_fraction"] > 0


def test_optional_keys_are_absent_unless_set():
    """`model.checkpoint`, `model.label`, `labeler.n_epochs` and `tracking.uri` may be left out: the
    schema declares them, but a plain config holds them only where a file or override sets them."""
    cfg = compose_config(["model=tfidf_svm", "tracking=local"])
    assert {"checkpoint", "label"}.isdisjoint(cfg["model"]) and "uri" not in cfg["tracking"]
    assert compose_config(["model=minilm_finetune"])["model"]["checkpoint"] == "all-MiniLM-L6-v2"
    assert compose_config(["tracking=mlflow"])["tracking"] == {"name": "mlflow", "uri": None}
    for override in ("+model.label=svm_c1", "model.label=svm_c1"):  # README: +model.label=NAME
        assert compose_config(["model=tfidf_svm", override])["model"]["label"] == "svm_c1"


def test_overrides_are_converted_to_the_declared_types():
    cfg = compose_config(
        [
            "eval.dev_fraction=0",
            "force=yes",
            "experiment_name=7",
            "data.train_sources=[gold]",
            "+model.params.penalty=l2",
        ]
    )
    assert (cfg["eval"]["dev_fraction"], cfg["force"], cfg["experiment_name"]) == (0.0, True, "7")
    assert cfg["model"]["params"]["penalty"] == "l2"  # model parameters are the registry's to check
