"""Variants of the default model's parameters (`tfidf_roles`; by default a multinomial regression
against the configured one binary regression per label fitted in threads): seconds to fit, and
macro-F1 on dev (a seeded 20% of the training articles; the test side is never read). The fits of
a seed run one after another in one invocation, so read their ratios.

    python benchmarks/classifier_fit.py [--seeds 1 2 3] [VARIANT ...]

A variant is `key=value[,key=value...]` over `model.params` (e.g. `tol=0.0001`), where
`thresholds=true` also tunes per-label decision offsets (`model.thresholds`); an empty one is the
model as configured.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.hydra_config import compose_config
from pipeline.core.labels import LABEL2ID
from pipeline.evaluation.metrics import macro_f1, macro_f1_3
from pipeline.experiment import configured_model, divide, load_data, train
from pipeline.models import predict_scores
from pipeline.runs import RunRecord


def variant_overrides(variant: str) -> list[str]:
    """`key=value,...` as Hydra overrides of `model.params` (`thresholds`: `model.thresholds`)."""
    return [
        f"+model.{item}" if item.startswith("thresholds=") else f"model.params.{item}"
        for item in variant.split(",")
        if item
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("variants", nargs="*", default=["one_vs_rest=false", ""])
    args = parser.parse_args()
    for seed in args.seeds:
        base = ["eval.dev_fraction=0.2", f"seed={seed}"]
        cfg = compose_config(base)
        data = load_data(cfg, RunRecord(run_id="benchmark", experiment="benchmark", seed=seed))
        splits, _, _ = divide(cfg, data, 0)
        n_train, dev = len(splits.train), splits.dev
        gold = [LABEL2ID[r.label] for r in dev]
        for variant in args.variants:
            cfg = compose_config([*base, *variant_overrides(variant)])
            model = configured_model(cfg)
            seconds = train(cfg, model, splits)
            pred = predict_scores(
                model, [r.text for r in dev], [r.prev_text for r in dev], [r.next_text for r in dev]
            ).argmax(axis=1)
            print(
                f"seed {seed} {variant or 'as configured':<20} train {n_train} dev {len(dev)}: "
                f"fit {seconds:.1f} s, dev macro_f1_3 {macro_f1_3(gold, pred):.4f}, "
                f"4-way {macro_f1(gold, pred):.4f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
