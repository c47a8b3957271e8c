"""Pseudo labels: a fine-tuned model's labels of unannotated training-side sentences, standoff.

A folder of them holds `manifest.json` (who made the labels, from which corpora, and the test
documents of the model that made them) and JSON Lines records shaped like gold annotations (`doc`,
`start`, `end`, `hash`, `label`, `annotator`, plus the model's `score`). They are never gold: rows
made from them carry `label_source="pseudo"` and the model as annotator. A model that trained on a
document holds knowledge of its gold, so its labels are refused for a run whose test side has a
document outside the model's own test side (`check_test_side`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import PipelineError
from pipeline.core.files import read_text_file, write_json, write_jsonl
from pipeline.data.annotations import Annotation, index_annotations, load_annotations
from pipeline.data.corpora import load_articles
from pipeline.data.rows import LabelledUnit

MANIFEST = "manifest.json"
LABELS_FILE = "labels.jsonl"
LABEL_SOURCE = "pseudo"


@dataclass
class PseudoLabels:
    """Rows made from a folder of pseudo labels, and the test documents of the model that made
    them."""

    rows: list[LabelledUnit]
    test_documents: set[str]
    made_by: str


def write_pseudo_labels(directory: str | Path, records: list[dict], manifest: dict) -> Path:
    """Write `records` (`labels.jsonl`) and the manifest into `directory` (created if missing);
    return the records' file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LABELS_FILE
    write_jsonl(path, records)
    write_json(directory / MANIFEST, manifest)
    return path


def _rows(annotations: Sequence[Annotation], texts: dict[str, str]) -> list[LabelledUnit]:
    """One row per record, in document order; the sentences before and after are the previous and
    next records of the same document (whole articles are labelled, so they are)."""
    ordered = sorted(annotations, key=lambda a: (a.doc, a.start))
    spans = [texts[a.doc][a.start : a.end] for a in ordered]

    def neighbour(i: int, j: int) -> str:  # the text of record j if it is of record i's document
        return spans[j] if 0 <= j < len(ordered) and ordered[j].doc == ordered[i].doc else ""

    rows: list[LabelledUnit] = []
    for i, (ann, text) in enumerate(zip(ordered, spans)):
        rows.append(
            LabelledUnit(
                id=f"{ann.doc}#{ann.start}-{ann.end}",
                doc_id=ann.doc,
                source=LABEL_SOURCE,
                index=i,
                start=ann.start,
                end=ann.end,
                kind="sentence",
                text=text,
                prev_text=neighbour(i, i - 1),
                label=ann.label,
                label_source=LABEL_SOURCE,
                annotator=ann.annotator,
                weak_label=None,
                external=False,
                votes=(),
                next_text=neighbour(i, i + 1),
            )
        )
    return rows


def load_pseudo_labels(data_cfg: dict) -> PseudoLabels:
    """The pseudo labels of `data.pseudo.dir` on the text of `data.pseudo.corpora`; a missing
    folder, a document not in the corpora or a changed span is a one-line error."""
    spec = data_cfg["pseudo"]
    directory = Path(spec["dir"])
    if not (directory / MANIFEST).is_file():
        raise PipelineError(
            f"data.pseudo.dir={directory} has no {MANIFEST}: make pseudo labels with "
            "`python -m pipeline.annotate pseudo`, or drop `pseudo` from data.train_sources"
        )
    manifest = json.loads(read_text_file(directory / MANIFEST))
    annotations = load_annotations(directory)
    wanted = {ann.doc for ann in annotations}
    texts = {
        a.doc_id: a.text
        for a in load_articles({**data_cfg, "corpora": spec["corpora"]})
        if a.doc_id in wanted
    }
    missing = sorted(wanted - set(texts))
    if missing:
        raise PipelineError(
            f"{directory}: {len(missing)} documents are not in data.pseudo.corpora, e.g. "
            f"{missing[0]}"
        )
    index_annotations(annotations, texts)  # every span's hash checked against its document
    return PseudoLabels(
        _rows(annotations, texts), set(manifest["test_documents"]), manifest["made_by"]
    )


def check_test_side(pseudo: PseudoLabels, held_out: set[str]) -> None:
    """Refuse pseudo labels made by a model that trained on one of the run's test documents."""
    seen = sorted(held_out - pseudo.test_documents)
    if seen:
        raise PipelineError(
            f"the pseudo labels were made by {pseudo.made_by}, which trained on {len(seen)} of "
            f"this run's test documents (e.g. {seen[0]}): drop `pseudo` from data.train_sources "
            "or use the test side the model was made with"
        )
