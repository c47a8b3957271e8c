"""`python -m pipeline`: the Hydra command line for split -> label -> train -> evaluate."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.config import (
    CONFIG_DIR,
    config_identity,
    register_resolvers,
    unknown_choice,
)
from pipeline.errors import PipelineError
from pipeline.experiment import run_experiment
from pipeline.runs import completed_twin

log = logging.getLogger("pipeline")

register_resolvers()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> float:
    """Run one experiment into Hydra's output folder; return `optimized_metric` (a sweep's objective)."""
    hydra_cfg = HydraConfig.get()
    plain = OmegaConf.to_container(cfg, resolve=True)
    run_dir = Path(hydra_cfg.runtime.output_dir)
    twin = None if plain.get("force") else completed_twin(plain["paths"]["experiments_dir"], config_identity(plain), run_dir)
    if twin is not None:
        log.info("skipped: same config as completed run %s (force=true reruns it)", twin)
        shutil.rmtree(run_dir, ignore_errors=True)
        return json.loads((twin / "metrics.json").read_text())[plain.get("optimized_metric", "macro_f1")]
    try:
        metrics = run_experiment(plain, run_dir, hydra_cfg.overrides.task)
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    return metrics[plain.get("optimized_metric", "macro_f1")]


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler or `kill` stopping the job) ends the run like Ctrl-C: marked interrupted."""
    raise KeyboardInterrupt(f"signal {signum}")


def cli(argv: Sequence[str]) -> None:
    """Check config-group choices first, so a typo gets one line listing the valid ones."""
    problem = unknown_choice(argv, CONFIG_DIR)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    signal.signal(signal.SIGTERM, _interrupt)
    main()


if __name__ == "__main__":
    cli(sys.argv[1:])
