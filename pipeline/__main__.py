"""`python -m pipeline`: the Hydra command line for split -> label -> train -> evaluate."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.config import CONFIG_DIR, register_resolvers, unknown_choice
from pipeline.errors import PipelineError
from pipeline.experiment import run_experiment

register_resolvers()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> float:
    """Run one experiment into Hydra's output folder; return macro-F1 (the sweep objective)."""
    hydra_cfg = HydraConfig.get()
    plain = OmegaConf.to_container(cfg, resolve=True)
    try:
        metrics = run_experiment(plain, Path(hydra_cfg.runtime.output_dir), hydra_cfg.overrides.task)
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    return metrics["macro_f1"]


def cli(argv: Sequence[str]) -> None:
    """Check config-group choices first, so a typo gets one line listing the valid ones."""
    problem = unknown_choice(argv, CONFIG_DIR)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    main()


if __name__ == "__main__":
    cli(sys.argv[1:])
