"""The Hydra command line of `python -m pipeline`: split -> label -> train -> evaluate."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from pipeline.cli.hydra_config import (
    CONFIG_DIR,
    check_choices,
    config_errors,
    register_resolvers,
)
from pipeline.cli.schema import plain_config
from pipeline.core.errors import exit_code, interrupt_on_sigterm
from pipeline.experiment import run_experiment, run_identity
from pipeline.runs import RUN_FILE, completed_twin

log = logging.getLogger("pipeline")

register_resolvers()
# A single run's error, held back from Hydra (which would print a line of its own about it) and
# raised again by `run_app` once Hydra has returned.
_HELD: list[Exception] = []


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Hydra's task: one experiment. In a sweep a failed job is left to Hydra, which names it, runs
    the other jobs and then raises the first failure."""
    try:
        return run_job(cfg)
    except Exception as err:
        if HydraConfig.get().mode != RunMode.RUN:
            raise
        _HELD.append(err)
        return None


def _remove_job_folder(run_dir: Path) -> None:
    """Remove Hydra's folder for a job that never started a run (not another run's folder), and
    the experiment's folder above it if that is left empty."""
    if not (run_dir / RUN_FILE).exists():
        shutil.rmtree(run_dir, ignore_errors=True)
        with suppress(OSError):  # not empty: other runs, or a sweep's multirun.yaml
            run_dir.parent.rmdir()


def run_job(cfg: DictConfig) -> float:
    """Run one experiment into Hydra's output folder; return `optimized_metric` (a sweep's
    objective). The config's values are checked against the schema before any stage runs."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        plain = plain_config(cfg)
    except Exception:
        _remove_job_folder(run_dir)
        raise
    objective = plain["optimized_metric"]
    twin = (
        None
        if plain["force"]
        else completed_twin(plain["paths"]["experiments_dir"], run_identity(plain), run_dir)
    )
    if twin is not None:
        log.info("skipped: same config and labels as completed run %s (force=true reruns it)", twin)
        _remove_job_folder(run_dir)
        return json.loads((twin / "metrics.json").read_text())[objective]
    try:  # a bad model or splitter parameter fails before the run claims its folder
        metrics = run_experiment(plain, run_dir, hydra_cfg.overrides.task)
    except Exception:
        _remove_job_folder(run_dir)
        raise
    return metrics[objective]


def run_app(argv: Sequence[str]) -> None:
    """Check config-group choices first (a typo gets one line listing the valid ones), then run
    Hydra, which checks types against the schema as it composes."""
    check_choices(argv)
    with config_errors():
        main()
        if _HELD:
            raise _HELD.pop()


def cli(argv: Sequence[str] | None = None) -> None:
    """`python -m pipeline`: any failure is one `error:` line (`pipeline.core.errors.exit_code`)."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing: errors come back here
    interrupt_on_sigterm()
    sys.exit(exit_code(lambda: run_app(sys.argv[1:] if argv is None else argv)))
