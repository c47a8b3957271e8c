"""`python -m pipeline.compare curve DIR`: a learning curve from a sweep over `data.gold_fraction`.

One point per (model, gold fraction): the mean number of gold training sentences and the mean ±
standard deviation of a metric over the runs (seeds) at that point; optionally drawn as a plot.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.cli.compare import FORMATS, load_run, render, summarise
from pipeline.core.errors import ArgumentParser, PipelineError
from pipeline.core.files import atomic_path
from pipeline.runs import find_runs

FRACTION = "data.gold_fraction"


def gold_training_sentences(metrics: dict) -> int:
    """Gold sentences on a run's training side (from its data summary)."""
    train = metrics.get("data", {}).get("train", {})
    return sum(counts["total"] for key, counts in train.items() if key.endswith("/gold"))


def curve_points(directory: str | Path, metric: str) -> list[dict]:
    """Mean gold training sentences and mean ± std of `metric` per model and gold fraction."""
    runs = [load_run(d) for d in find_runs(directory)]
    rows = summarise(runs)
    groups: dict[tuple[str, float], list[tuple[int, float]]] = {}
    for run, row in zip(runs, rows):
        if row["status"] != "completed" or row.get(metric) is None:
            continue
        fraction = float(run["config"].get(FRACTION, 1.0))
        groups.setdefault((row["model"], fraction), []).append(
            (gold_training_sentences(run["metrics"]), row[metric])
        )
    if not groups:
        raise PipelineError(f"no completed runs with {metric!r} under {directory}")
    points = []
    for (model, fraction), values in sorted(groups.items()):
        sentences, scores = np.array(values, dtype=float).T
        points.append(
            {
                "model": model,
                "gold_fraction": fraction,
                "n_runs": len(values),
                "gold_train_sentences": int(round(sentences.mean())),
                f"{metric}_mean": float(scores.mean()),
                f"{metric}_std": float(scores.std(ddof=1)) if len(values) > 1 else 0.0,
            }
        )
    return points


def plot_curve(points: Sequence[dict], metric: str, path: str) -> None:
    """Metric against gold training sentences (log scale), one line per model, std as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=120)
    for model in sorted({p["model"] for p in points}):
        mine = [p for p in points if p["model"] == model]
        ax.errorbar(
            [p["gold_train_sentences"] for p in mine],
            [p[f"{metric}_mean"] for p in mine],
            yerr=[p[f"{metric}_std"] for p in mine],
            marker="o",
            capsize=3,
            label=model,
        )
    ax.set_xscale("log")
    ax.set_xlabel("gold training sentences")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} against gold training data (mean ± std over seeds)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def parse_curve_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m pipeline.compare curve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("dir", type=Path, help="experiments folder of the sweep")
    parser.add_argument("--metric", default="macro_f1_3", help="column of pipeline.compare")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--plot", help="write the curve as a PNG")
    return parser.parse_args(argv)


def learning_curve(argv: Sequence[str]) -> str:
    """The rendered curve table (and the plot, if asked for)."""
    args = parse_curve_args(argv)
    points = curve_points(args.dir, args.metric)
    if args.plot:
        plot_curve(points, args.metric, args.plot)
    return render(points, args.format)
