"""Config helpers shared by the command-line edges: resolvers and flattening."""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    OmegaConfBaseException,
)

from pipeline.errors import PipelineError, one_line
from pipeline.sources import REPO_ROOT


def register_resolvers() -> None:
    """`${repo_root:}` and `${run_id:}` (a short random id, fixed once per composed config)."""
    if not OmegaConf.has_resolver("repo_root"):
        OmegaConf.register_new_resolver("repo_root", lambda: str(REPO_ROOT))
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", lambda: secrets.token_hex(3), use_cache=True)


def model_label(model: dict, prefix: str = "") -> str | None:
    """How results name a model config: its `label` if it sets one, else its `name` (`prefix`: the
    key prefix in a flattened config, e.g. "model.")."""
    return model.get(f"{prefix}label") or model.get(f"{prefix}name")


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    """Nested dicts as dotted keys: {"model": {"name": "x"}} -> {"model.name": "x"}."""
    flat: dict[str, object] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat |= flatten(value, dotted + ".")
        else:
            flat[dotted] = value
    return flat


CONFIG_DIR = REPO_ROOT / "configs"
# Keys that say where or under which name a run is written, not what it computes.
VOLATILE_PREFIXES = ("paths.", "data.external_dir", "data.annotations_dir", "experiment_name", "force")


def config_identity(config: dict) -> str:
    """A hash of what a run computes: its config without the volatile keys."""
    stable = {k: v for k, v in flatten(config).items() if not k.startswith(VOLATILE_PREFIXES)}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]


def group_choices(config_dir: Path, group: str) -> list[str]:
    """The options of a config group: the YAML files in its folder."""
    return sorted(p.stem for p in (config_dir / group).glob("*.yaml"))


def unknown_choice(overrides: Sequence[str], config_dir: Path = CONFIG_DIR) -> str | None:
    """A message for the first `group=option` override naming an option that does not exist."""
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if not sep or "(" in value or "." in key or not (config_dir / key).is_dir():
            continue
        choices = group_choices(config_dir, key)
        for option in filter(None, value.split(",")):
            if option != "null" and option not in choices:
                return f"unknown {key} {option!r}; choose one of: {', '.join(choices)}"
    return None


def config_error_message(err: Exception) -> str:
    """One line for a Hydra or OmegaConf config error, naming the valid keys or options where it can."""
    cause = err.__cause__ if isinstance(err.__cause__, OmegaConfBaseException) else err
    parent = getattr(cause, "parent_node", None)
    if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and isinstance(parent, DictConfig):
        keys = [str(k) for k in parent if k != "hydra"]
        return f"unknown config key {cause.full_key!r}; choose one of: {', '.join(keys)}"
    message = one_line(str(err).split("\n\n")[0])
    options = getattr(err, "options", None)
    return f"{message}; choose one of: {', '.join(options)}" if options else message


@contextmanager
def config_errors() -> Iterator[None]:
    """Raise Hydra's and OmegaConf's config errors (unknown key, bad override) as one-line PipelineErrors."""
    from hydra.errors import HydraException

    try:
        yield
    except (HydraException, OmegaConfBaseException) as err:
        raise PipelineError(config_error_message(err)) from None


def check_choices(overrides: Sequence[str]) -> None:
    """Fail on the first `group=option` override that names an option which does not exist."""
    problem = unknown_choice(overrides)
    if problem:
        raise PipelineError(problem)


def compose_config(overrides: Sequence[str] = ()) -> dict:
    """The resolved main config with command-line style overrides, without running the app."""
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    check_choices(overrides)
    register_resolvers()
    with config_errors(), initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
        with open_dict(cfg):
            cfg.pop("hydra", None)
        return OmegaConf.to_container(cfg, resolve=True)


def parse_with_overrides(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse options with `parser`; the remaining `key=value` words become `args.overrides`."""
    args, rest = parser.parse_known_args(argv)
    bad = [word for word in rest if word.startswith("-") or "=" not in word]
    if bad:
        parser.error(f"unrecognized arguments: {' '.join(bad)} (config overrides look like key=value)")
    args.overrides = rest
    return args
