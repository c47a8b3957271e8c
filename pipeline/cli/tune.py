"""`python -m pipeline.tune`: Optuna search with pruning over a model's settings.

    python -m pipeline.tune [--space minilm_finetune] [--trials 8] [key=value ...]

The search space is `configs/tune/<space>.yaml`. Each trial is a run of its own,
`<experiments_dir>/<experiment_name>/trial-NNN`, scored by `dev_macro_f1` on held-out training
articles (`eval.dev_fraction`, 0.15 unless overridden), never on the test side. After every epoch
the model reports the macro-F1 of its own dev split; a `MedianPruner` stops a trial that falls below
the median of earlier trials at the same epoch (its run.json then says `pruned`). The study is held
in memory (the Optuna 2 that Hydra's sweeper pins cannot open an SQLite store with SQLAlchemy 2):
every trial's run folder remains, and `pipeline.compare` reads them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import count
from pathlib import Path

from pipeline.cli.hydra_config import CONFIG_DIR, compose_config, parse_with_overrides
from pipeline.core.errors import ArgumentParser, PipelineError, Pruned, exit_code
from pipeline.core.files import read_yaml_mapping
from pipeline.experiment import run_experiment
from pipeline.models.finetune.training import epoch_hook

DEV_FRACTION = 0.15


def read_space(name: str) -> dict:
    """The search space `configs/tune/<name>.yaml`, or a one-line error naming the spaces."""
    path = CONFIG_DIR / "tune" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise PipelineError(f"unknown search space {name!r}; choose one of: {', '.join(known)}")
    return read_yaml_mapping(path)


def suggest(trial, space: dict) -> list[str]:
    """The trial's value of every key of `space`, as overrides."""
    overrides = []
    for key, spec in space.items():
        if "choices" in spec:
            value = trial.suggest_categorical(key, list(spec["choices"]))
        elif isinstance(spec["low"], int) and isinstance(spec["high"], int):
            value = trial.suggest_int(key, spec["low"], spec["high"], log=spec.get("log", False))
        else:
            low, high = float(spec["low"]), float(spec["high"])
            value = trial.suggest_float(key, low, high, log=spec.get("log", False))
        overrides.append(f"{key}={value}")
    return overrides


def objective(base: Sequence[str], space: dict, folder: Path):
    """The Optuna objective: one run per trial, its epochs reported for pruning."""
    import optuna

    def run_trial(trial) -> float:
        overrides = [*base, *suggest(trial, space)]
        epochs = count()

        def report(dev_f1: float) -> None:
            epoch = next(epochs)
            trial.report(dev_f1, epoch)
            if trial.should_prune():
                raise Pruned(
                    f"pruned by Optuna after epoch {epoch + 1} (dev macro-F1 {dev_f1:.3f})"
                )

        with epoch_hook(report):
            try:
                metrics = run_experiment(
                    compose_config(overrides), folder / f"trial-{trial.number:03d}", overrides
                )
            except Pruned:
                raise optuna.TrialPruned() from None
        return metrics["dev_macro_f1"]

    return run_trial


def run_study(overrides: Sequence[str], space_name: str, n_trials: int, pruner=None):
    """A study of `n_trials` trials over the space `space_name`."""
    import optuna

    spec = read_space(space_name)
    base = [
        f"model={spec['model']}",
        f"experiment_name=tune_{space_name}",
        f"eval.dev_fraction={DEV_FRACTION}",
        *overrides,
    ]
    cfg = compose_config(base)  # a bad override fails before any trial
    folder = Path(cfg["paths"]["experiments_dir"]) / cfg["experiment_name"]
    folder.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=cfg["experiment_name"],
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=cfg["seed"]),
        pruner=pruner or optuna.pruners.MedianPruner(**spec.get("pruner", {})),
    )
    study.optimize(objective(base, spec["space"], folder), n_trials=n_trials)
    return study


def trials_table(study) -> str:
    """One line per trial: number, state, dev macro-F1, parameters; then the best."""
    from tabulate import tabulate

    rows = [[t.number, t.state.name.lower(), t.value, *t.params.values()] for t in study.trials]
    keys = list(study.trials[0].params) if study.trials else []
    table = tabulate(rows, headers=["trial", "state", "dev_macro_f1", *keys], floatfmt=".4g")
    if not any(t.state.name == "COMPLETE" for t in study.trials):
        return table
    best = study.best_trial
    return f"{table}\nbest: trial {best.number}, dev macro-F1 {best.value:.3f}, {best.params}"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m pipeline.tune [--space NAME] [--trials N] [overrides ...]`."""
    parser = ArgumentParser(prog="python -m pipeline.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="minilm_finetune", help="configs/tune/<space>.yaml")
    parser.add_argument("--trials", type=int, default=8, help="number of trials")
    args = parse_with_overrides(parser, sys.argv[1:] if argv is None else argv)
    return exit_code(
        lambda: print(trials_table(run_study(args.overrides, args.space, args.trials)))
    )
