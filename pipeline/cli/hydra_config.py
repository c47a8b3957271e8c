"""Hydra at the command-line edge: resolvers, composing the config, one-line config errors."""

from __future__ import annotations

import argparse
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    OmegaConfBaseException,
    ValidationError,
)

from pipeline.cli.schema import plain_config, type_error_message
from pipeline.core.errors import PipelineError, one_line
from pipeline.core.files import REPO_ROOT


def register_resolvers() -> None:
    """`${repo_root:}` and `${run_id:}` (a short random id, fixed once per composed config)."""
    if not OmegaConf.has_resolver("repo_root"):
        OmegaConf.register_new_resolver("repo_root", lambda: str(REPO_ROOT))
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", lambda: secrets.token_hex(3), use_cache=True)


CONFIG_DIR = REPO_ROOT / "configs"


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


def _omegaconf_cause(err: Exception) -> Exception:
    """The OmegaConf error behind a Hydra error (its cause or context), else `err` itself."""
    for cause in (err.__cause__, err.__context__):
        if isinstance(cause, OmegaConfBaseException):
            return cause
    return err


def config_error_message(err: Exception) -> str:
    """One line for a Hydra or OmegaConf config error, naming the key and the valid keys, options
    or types where it can."""
    cause = _omegaconf_cause(err)
    parent = getattr(cause, "parent_node", None)
    if isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and isinstance(parent, DictConfig):
        keys = [str(k) for k in parent if k != "hydra"]
        return f"unknown config key {cause.full_key!r}; choose one of: {', '.join(keys)}"
    if isinstance(cause, ValidationError):  # a value of the wrong type, checked by the schema
        key = str(cause.full_key or "")
        message = type_error_message(key, cause.value) or one_line(
            f"{key or 'config'}: {str(cause.msg).splitlines()[0]}"
        )  # OmegaConf's reason
        in_file = re.match(r"In '([^']+)':", str(err))  # Hydra names the config file it merged
        return f"{in_file.group(1)}.yaml: {message}" if in_file else message
    message = one_line(str(err).split("\n\n")[0])
    options = getattr(err, "options", None)
    return f"{message}; choose one of: {', '.join(options)}" if options else message


@contextmanager
def config_errors() -> Iterator[None]:
    """Raise Hydra's and OmegaConf's config errors (unknown key, bad override, wrong type) as
    one-line PipelineErrors."""
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
    """The resolved main config with command-line style overrides, without running the app: a plain
    dict, its types checked by Hydra against the schema and its values by `check_config`."""
    from hydra import compose, initialize_config_dir

    check_choices(overrides)
    register_resolvers()
    with config_errors(), initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return plain_config(compose(config_name="config", overrides=list(overrides)))


def parse_with_overrides(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> argparse.Namespace:
    """Parse options with `parser`; the remaining `key=value` words become `args.overrides`."""
    args, rest = parser.parse_known_args(argv)
    bad = [word for word in rest if word.startswith("-") or "=" not in word]
    if bad:
        parser.error(
            f"unrecognized arguments: {' '.join(bad)} (config overrides look like key=value)"
        )
    args.overrides = rest
    return args
