"""`python -m pipeline`: the Hydra command line for split -> label -> train -> evaluate."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from pipeline.config import (
    check_choices,
    config_errors,
    config_identity,
    register_resolvers,
)
from pipeline.errors import exit_code, interrupt_on_sigterm
from pipeline.experiment import run_experiment
from pipeline.runs import RUN_FILE, completed_twin

log = logging.getLogger("pipeline")

register_resolvers()
# A single run's error, held back from Hydra (which would print a line of its own about it) and
# raised again by `run_app` once Hydra has returned.
_HELD: list[Exception] = []


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
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


def run_job(cfg: DictConfig) -> float:
    """Run one experiment into Hydra's output folder; return `optimized_metric` (a sweep's objective)."""
    hydra_cfg = HydraConfig.get()
    plain = OmegaConf.to_container(cfg, resolve=True)
    run_dir = Path(hydra_cfg.runtime.output_dir)
    twin = None if plain.get("force") else completed_twin(plain["paths"]["experiments_dir"], config_identity(plain), run_dir)
    if twin is not None:
        log.info("skipped: same config as completed run %s (force=true reruns it)", twin)
        if not (run_dir / RUN_FILE).exists():  # Hydra's folder for this job, not another run's
            shutil.rmtree(run_dir, ignore_errors=True)
        return json.loads((twin / "metrics.json").read_text())[plain.get("optimized_metric", "macro_f1")]
    metrics = run_experiment(plain, run_dir, hydra_cfg.overrides.task)
    return metrics[plain.get("optimized_metric", "macro_f1")]


def run_app(argv: Sequence[str]) -> None:
    """Check config-group choices first (a typo gets one line listing the valid ones), then run Hydra."""
    check_choices(argv)
    with config_errors():
        main()
        if _HELD:
            raise _HELD.pop()


def cli(argv: Sequence[str]) -> None:
    """`python -m pipeline`: any failure is one `error:` line (see `pipeline.errors.exit_code`)."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing: errors come back here
    interrupt_on_sigterm()
    sys.exit(exit_code(lambda: run_app(argv)))


if __name__ == "__main__":
    cli(sys.argv[1:])
