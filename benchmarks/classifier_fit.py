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
import time

import yaml

from pipeline.cli.hydra_config import compose_config
from pipeline.core.labels import LABEL2ID
from pipeline.evaluation.metrics import macro_f1, macro_f1_3
from pipeline.experiment import divide, load_data
from pipeline.models import build_model, fit_model, predict_scores
from pipeline.runs import RunRecord


def parse_variant(variant: str) -> dict:
    """`key=value,...` as parameters (values read as YAML)."""
    pairs = [item.split("=", 1) for item in variant.split(",") if item]
    return {key: yaml.safe_load(value) for key, value in pairs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("variants", nargs="*", default=["one_vs_rest=false", ""])
    args = parser.parse_args()
    for seed in args.seeds:
        cfg = compose_config(["eval.dev_fraction=0.2", f"seed={seed}"])
        data = load_data(cfg, RunRecord(run_id="benchmark", experiment="benchmark", seed=seed))
        splits, _, _ = divide(cfg, data, 0)
        train, dev = splits.train, splits.dev
        gold = [LABEL2ID[r.label] for r in dev]
        for variant in args.variants:
            changes = parse_variant(variant)
            thresholds = bool(changes.pop("thresholds", False))
            params = dict(cfg["model"]["params"]) | changes
            model = build_model(cfg["model"]["name"], params, seed)
            began = time.perf_counter()
            fit_model(
                model,
                [r.text for r in train],
                [LABEL2ID[r.label] for r in train],
                [r.prev_text for r in train],
                [r.doc_id for r in train],
                thresholds=thresholds,
                following=[r.next_text for r in train],
            )
            seconds = time.perf_counter() - began
            pred = predict_scores(
                model, [r.text for r in dev], [r.prev_text for r in dev], [r.next_text for r in dev]
            ).argmax(axis=1)
            print(
                f"seed {seed} {variant or 'as configured':<20} train {len(train)} dev {len(dev)}: "
                f"fit {seconds:.1f} s, dev macro_f1_3 {macro_f1_3(gold, pred):.4f}, "
                f"4-way {macro_f1(gold, pred):.4f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
