"""Macro-F1 of a finished run's model with and without its decision offsets, on the run's own test
sentences (predictions.jsonl), the same network scored both ways.

    python benchmarks/offsets.py RUN_DIR [RUN_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.core.files import iter_jsonl
from pipeline.core.labels import LABEL2ID
from pipeline.evaluation.metrics import macro_f1, macro_f1_3
from pipeline.models import load_model, predict_scores


def main(runs: list[str]) -> int:
    for run in map(Path, runs):
        rows = [r for _, r in iter_jsonl(run / "predictions.jsonl")]
        gold = [LABEL2ID[r["gold"]] for r in rows]
        model = load_model(run)
        for name, offsets in (("with offsets", model.offsets), ("without", None)):
            model.offsets = offsets
            pred = predict_scores(model, [r["text"] for r in rows]).argmax(axis=1)
            print(
                f"{run.name} {name:<13} macro_f1_3 {macro_f1_3(gold, pred):.3f}  "
                f"4-way {macro_f1(gold, pred):.3f}  offsets {offsets}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
