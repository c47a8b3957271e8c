"""The labeling-function report: coverage, overlap and conflict of each function, and its accuracy
on gold dev sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.core.labels import LABEL2ID
from pipeline.data.rows import LabelledUnit
from pipeline.weak.labelers import Labeler
from pipeline.weak.lfs import ABSTAIN, LABELING_FUNCTIONS


def lf_report(rows: Sequence[LabelledUnit], dev_docs: set[str], labeler: Labeler) -> list[dict]:
    """Per labeling function: coverage, overlap and conflict on every article sentence (Snorkel's
    `LFAnalysis`), and accuracy on gold sentences of `dev_docs`; then the two combiners'
    accuracy."""
    from snorkel.labeling import LFAnalysis

    sentences = [r for r in rows if r.kind == "sentence" and not r.external]
    dev = [r for r in sentences if r.label_source == "gold" and r.doc_id in dev_docs]
    width = len(LABELING_FUNCTIONS)
    summary = LFAnalysis(np.array([r.votes for r in sentences]).reshape(-1, width)).lf_summary()
    dev_votes = np.array([r.votes for r in dev]).reshape(-1, width)
    dev_gold = np.array([LABEL2ID[r.label] for r in dev])
    report = []
    for j, lf in enumerate(LABELING_FUNCTIONS):
        fired = dev_votes[:, j] != ABSTAIN
        report.append(
            {
                "name": lf.name,
                "label": lf.label,
                "coverage": float(summary["Coverage"].iloc[j]),
                "overlaps": float(summary["Overlaps"].iloc[j]),
                "conflicts": float(summary["Conflicts"].iloc[j]),
                "dev_fired": int(fired.sum()),
                "dev_accuracy": float((dev_votes[fired, j] == dev_gold[fired]).mean())
                if fired.any()
                else None,
            }
        )
    for method, accuracy in labeler.dev_accuracy.items():
        report.append(
            {
                "name": f"[combined] {method}",
                "label": "all",
                "coverage": 1.0,
                "overlaps": None,
                "conflicts": None,
                "dev_fired": len(dev),
                "dev_accuracy": accuracy,
            }
        )
    return report
