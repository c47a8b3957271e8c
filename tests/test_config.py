"""Every config file composes, and composed configs have the shape the stages read."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from pipeline.config import (
    CONFIG_DIR,
    flatten,
    group_choices,
    register_resolvers,
    unknown_choice,
)

register_resolvers()
GROUPS = sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir())
OVERRIDES = [f"{g}={c}" for g in GROUPS for c in group_choices(CONFIG_DIR, g)]


def compose_plain(overrides: list[str]) -> dict:
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
        run_dir = cfg.hydra.run.dir
        with open_dict(cfg):
            del cfg["hydra"]
        return OmegaConf.to_container(cfg, resolve=True) | {"_run_dir": run_dir}


def test_required_groups_exist():
    assert {"data", "splitter", "labeler", "model", "eval", "tracking", "paths", "experiment", "hparams_search",
            "launcher"} <= set(GROUPS)


LAUNCHER_PLUGINS = {"ray": "hydra_plugins.hydra_ray_launcher", "submitit_slurm": "hydra_plugins.hydra_submitit_launcher"}


@pytest.mark.parametrize("override", OVERRIDES)
def test_every_option_composes(override):
    group, _, option = override.partition("=")
    if group == "launcher" and option in LAUNCHER_PLUGINS:
        pytest.importorskip(LAUNCHER_PLUGINS[option], reason=f"launcher {option} is an optional extra")
    cfg = compose_plain([override])
    for key in ("data", "splitter", "labeler", "model", "eval", "paths", "seed", "experiment_name"):
        assert key in cfg
    assert cfg["model"]["name"] in {"majority", "rules", "tfidf_logreg", "tfidf_svm", "embed_logreg", "finetune"}


def test_experiment_presets_are_global_and_name_the_run_folder():
    for path in [p for g in ("experiment", "hparams_search", "launcher") for p in (CONFIG_DIR / g).glob("*.yaml")]:
        assert path.read_text().startswith("# @package _global_"), path
    cfg = compose_plain(["experiment=baseline_svm", "paths.experiments_dir=/x"])
    assert cfg["model"]["name"] == "tfidf_svm"
    assert cfg["_run_dir"].startswith("/x/baseline_svm/")


def test_overrides_work_as_hydra_users_expect():
    cfg = compose_plain(["model=tfidf_svm", "seed=3", "paths.experiments_dir=/some/dir"])
    assert (cfg["model"]["name"], cfg["seed"], cfg["paths"]["experiments_dir"]) == ("tfidf_svm", 3, "/some/dir")
    name = Path(cfg["_run_dir"]).name
    assert len(name) == len("20260101-000000_abcdef") and name[8] == "-" and name[15] == "_"


def test_unknown_choices_are_named_with_the_valid_ones():
    assert unknown_choice(["model=tfidf_svm", "seed=3"]) is None
    assert unknown_choice(["model=majority,rules"]) is None
    message = unknown_choice(["model=bert"])
    assert message == "unknown model 'bert'; choose one of: majority, minilm_embed_logreg, minilm_finetune, rules, tfidf_logreg, tfidf_svm"
    assert unknown_choice(["+experiment=nope"]).startswith("unknown experiment 'nope'")


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": {}}) == {"a.b": 1, "a.c.d": [2], "e": {}}


def test_tuning_presets_optimise_the_dev_metric_never_the_test_side():
    for path in (CONFIG_DIR / "hparams_search").glob("*.yaml"):
        cfg = compose_plain([f"hparams_search={path.stem}"])
        assert cfg["optimized_metric"] == "dev_macro_f1" and cfg["eval"]["dev_fraction"] > 0
