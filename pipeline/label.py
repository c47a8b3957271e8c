"""Label stage: gold labels from standoff annotations, weak labels from labeling functions.

Each labeling function (LF) reads a sentence (and the unit before it) and votes for one label or
abstains. Votes are combined by majority vote (ties go to the label that comes first in the decision order
of LABELS.md: quote, policy, opinion, fact) or by Snorkel's `LabelModel`. Output of LFs is a weak label, never
gold: every labelled unit records its `label_source` and who or what made the label.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.annotations import (
    Annotation,
    annotations_by_doc,
    best_units,
    index_annotations,
    match_units,
)
from pipeline.errors import ArgumentParser, PipelineError, exit_code
from pipeline.labels import LABEL2ID, LABELS
from pipeline.lfs import ABSTAIN, LABELING_FUNCTIONS, apply_lfs, majority_vote
from pipeline.sources import Article, LabelledSentence
from pipeline.split import Unit


class Labeler:
    """Turns a label matrix into weak labels: majority vote or Snorkel's `LabelModel`.

    `method="auto"` fits both and keeps the one with the higher accuracy on gold dev sentences.
    """

    METHODS = ("majority", "label_model", "auto")

    def __init__(self, method: str = "majority", fallback: str | None = "fact", seed: int = 0, n_epochs: int = 500):
        if method not in self.METHODS:
            raise PipelineError(f"unknown labeler {method!r}; choose one of: {', '.join(self.METHODS)}")
        self.method, self.fallback, self.seed, self.n_epochs = method, fallback, seed, n_epochs
        self.label_model = None
        self.dev_accuracy: dict[str, float] = {}

    def fit(self, votes: np.ndarray, dev_votes: np.ndarray | None = None, dev_gold: np.ndarray | None = None) -> Labeler:
        """Fit the label model (unsupervised, on `votes`); with `auto`, choose by dev accuracy."""
        if self.method in ("label_model", "auto"):
            from snorkel.labeling.model import LabelModel

            self.label_model = LabelModel(cardinality=len(LABELS), verbose=False)
            with warnings.catch_warnings():  # scipy's dtype FutureWarning inside snorkel
                warnings.simplefilter("ignore", FutureWarning)
                self.label_model.fit(votes, n_epochs=self.n_epochs, seed=self.seed, progress_bar=False)
        if dev_votes is not None and len(dev_votes):
            for method in ("majority", "label_model") if self.label_model else ("majority",):
                self.dev_accuracy[method] = float((self._predict(dev_votes, method) == dev_gold).mean())
        if self.method == "auto":
            self.method = max(self.dev_accuracy, key=self.dev_accuracy.get) if self.dev_accuracy else "majority"
        return self

    def _predict(self, votes: np.ndarray, method: str) -> np.ndarray:
        if method == "majority" or not len(votes):
            return majority_vote(votes, self.fallback)
        predicted = self.label_model.predict(votes, tie_break_policy="abstain")
        fallback = LABEL2ID[self.fallback] if self.fallback else ABSTAIN
        return np.where((votes == ABSTAIN).all(axis=1), fallback, predicted)

    def predict(self, votes: np.ndarray) -> np.ndarray:
        """Weak label ids (ABSTAIN where there is none)."""
        return self._predict(votes, self.method)


@dataclass(frozen=True)
class LabelledUnit:
    """One unit with its label, where that label came from, the weak label and the LF votes.

    `label`/`label_source`/`annotator` give the best label the unit has: gold where a person
    annotated it, else external (a corpus's own label), else weak.
    """

    id: str
    doc_id: str
    source: str
    index: int
    start: int
    end: int
    kind: str
    text: str
    prev_text: str
    label: str | None
    label_source: str | None
    annotator: str | None
    weak_label: str | None
    external: bool
    votes: tuple[int, ...]


def _votes_row(votes: Sequence[int] | None) -> tuple[int, ...]:
    return tuple(int(v) for v in votes) if votes is not None else (ABSTAIN,) * len(LABELING_FUNCTIONS)


def label_articles(
    articles: Sequence[Article], units_by_doc: dict[str, list[Unit]], annotations: Sequence[Annotation]
) -> list[LabelledUnit]:
    """Every unit of every article with its gold label (where annotated, matched by `match_units`)
    and its LF votes."""
    gold = annotations_by_doc(index_annotations(list(annotations), {a.doc_id: a.text for a in articles}).values())
    rows = []
    for article in articles:
        units = units_by_doc[article.doc_id]
        prevs = [""] + [u.text for u in units[:-1]]
        sentences = [i for i, u in enumerate(units) if u.kind == "sentence"]
        vote_of = dict(zip(sentences, apply_lfs([units[i].text for i in sentences], [prevs[i] for i in sentences])))
        gold_of = match_units(units, gold.get(article.doc_id, []))
        for i, unit in enumerate(units):
            ann = gold_of.get(i)
            rows.append(
                LabelledUnit(
                    id=f"{article.doc_id}#{unit.start}-{unit.end}",
                    doc_id=article.doc_id,
                    source=article.source,
                    index=i,
                    start=unit.start,
                    end=unit.end,
                    kind=unit.kind,
                    text=unit.text,
                    prev_text=prevs[i],
                    label=ann.label if ann else None,
                    label_source="gold" if ann else None,
                    annotator=ann.annotator if ann else None,
                    weak_label=None,
                    external=False,
                    votes=_votes_row(vote_of.get(i)),
                )
            )
    return rows


def gold_rows(rows: Sequence[LabelledUnit], annotations: Sequence[Annotation]) -> list[LabelledUnit]:
    """One row per annotation of a loaded article, whatever the splitter: the row of the unit that
    overlaps it most (`best_units`; its text is what a model reads) under the annotation's id, span
    and label. Evaluated on these, every splitter is scored on the same gold sentences."""
    by_doc: dict[str, list[LabelledUnit]] = {}
    for row in rows:
        if not row.external:
            by_doc.setdefault(row.doc_id, []).append(row)
    grouped = annotations_by_doc(sorted(annotations, key=lambda a: (a.doc, a.start)))
    return [
        replace(units[i], id=f"{doc}#{ann.start}-{ann.end}", start=ann.start, end=ann.end, label=ann.label,
                label_source="gold", annotator=ann.annotator)
        for doc, units in by_doc.items()
        for ann, i, _ in best_units(units, grouped.get(doc, []))
    ]


def label_external(sentences: Sequence[LabelledSentence]) -> list[LabelledUnit]:
    """Sentences of an external corpus: SUBJ as an external opinion label; OBJ ("not opinion")
    gets a weak label from the majority vote of the non-opinion functions."""
    votes = apply_lfs([s.text for s in sentences], [""] * len(sentences))
    not_opinion = majority_vote(np.where(votes == LABEL2ID["opinion"], ABSTAIN, votes), "fact")
    rows = []
    for s, row, weak in zip(sentences, votes, not_opinion):
        subj = s.label == "opinion"
        rows.append(
            LabelledUnit(
                id=s.sent_id, doc_id=s.sent_id, source=s.source, index=0, start=0, end=len(s.text),
                kind="sentence", text=s.text, prev_text="",
                label="opinion" if subj else LABELS[weak],
                label_source="external" if subj else "weak",
                annotator=s.source if subj else f"majority_vote:not_opinion:{s.source}",
                weak_label=None if subj else LABELS[weak],
                external=True,
                votes=_votes_row(row),
            )
        )
    return rows


def apply_weak_labels(rows: Sequence[LabelledUnit], labeler: Labeler) -> list[LabelledUnit]:
    """Set `weak_label` on every article sentence, and make it the label where there is no gold."""
    todo = [i for i, r in enumerate(rows) if r.kind == "sentence" and not r.external]
    predicted = labeler.predict(np.array([rows[i].votes for i in todo]).reshape(len(todo), len(LABELING_FUNCTIONS)))
    out = list(rows)
    for i, label_id in zip(todo, predicted):
        weak = LABELS[label_id] if label_id != ABSTAIN else None
        row = replace(rows[i], weak_label=weak)
        if row.label is None and weak is not None:
            row = replace(row, label=weak, label_source="weak", annotator=labeler.method)
        out[i] = row
    return out


def vote_batch(batch: dict[str, list]) -> dict[str, list]:
    """`Dataset.map(batched=True)` body: LF votes and the majority-vote weak label of each sentence."""
    sentences = [i for i, kind in enumerate(batch["kind"]) if kind == "sentence"]
    votes = apply_lfs([batch["text"][i] for i in sentences], [batch["prev_text"][i] for i in sentences])
    weak = majority_vote(votes)
    all_votes: list[list[int] | None] = [None] * len(batch["kind"])
    labels: list[str | None] = [None] * len(batch["kind"])
    for j, i in enumerate(sentences):
        all_votes[i], labels[i] = votes[j].tolist(), LABELS[weak[j]]
    return {"votes": all_votes, "weak_label": labels}


def weak_label_dataset(units, num_proc: int | None = None, batch_size: int = 1000):
    """Add LF votes and majority-vote weak labels to a dataset of units, batch by batch on Arrow."""
    return units.map(vote_batch, batched=True, batch_size=batch_size, num_proc=num_proc, desc="label")


def to_dataset(rows: Sequence[LabelledUnit]):
    """A Hugging Face `datasets.Dataset` with one column per field and one per LF vote."""
    from datasets import Dataset

    columns: dict[str, list] = {field: [] for field in LabelledUnit.__dataclass_fields__ if field != "votes"}
    for row in rows:
        for field in columns:
            columns[field].append(getattr(row, field))
    for j, lf in enumerate(LABELING_FUNCTIONS):
        columns[f"lf_{lf.name}"] = [row.votes[j] for row in rows]
    return Dataset.from_dict(columns)


def lf_report(rows: Sequence[LabelledUnit], dev_docs: set[str], labeler: Labeler) -> list[dict]:
    """Per labeling function: coverage, overlap and conflict on every article sentence (Snorkel's
    `LFAnalysis`), and accuracy on gold sentences of `dev_docs`; then the two combiners' accuracy."""
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
        report.append({
            "name": lf.name, "label": lf.label,
            "coverage": float(summary["Coverage"].iloc[j]), "overlaps": float(summary["Overlaps"].iloc[j]),
            "conflicts": float(summary["Conflicts"].iloc[j]), "dev_fired": int(fired.sum()),
            "dev_accuracy": float((dev_votes[fired, j] == dev_gold[fired]).mean()) if fired.any() else None,
        })
    for method, accuracy in labeler.dev_accuracy.items():
        report.append({"name": f"[combined] {method}", "label": "all", "coverage": 1.0, "overlaps": None,
                       "conflicts": None, "dev_fired": len(dev), "dev_accuracy": accuracy})
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m pipeline.label report [--format table|md|csv|json] [Hydra overrides ...]`."""
    import sys

    from pipeline.compare import render
    from pipeline.config import compose_config, parse_with_overrides
    from pipeline.experiment import build_rows, fit_labeler, test_documents

    parser = ArgumentParser(prog="python -m pipeline.label", description="Labeling-function report")
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--format", choices=["table", "md", "csv", "json"], default="table")
    args = parse_with_overrides(parser, sys.argv[1:] if argv is None else argv)

    def report() -> None:
        cfg = compose_config(args.overrides)
        rows, _, _ = build_rows(cfg)
        held_out = test_documents(rows, cfg["eval"]["test_fraction"], cfg["eval"]["split_seed"])
        labeler = fit_labeler(rows, held_out, {**cfg["labeler"], "name": "auto"}, cfg["seed"])
        dev_docs = {r.doc_id for r in rows} - held_out
        print(render(lf_report(rows, dev_docs, labeler), args.format))

    return exit_code(report)


if __name__ == "__main__":
    raise SystemExit(main())
