"""The label stage: gold labels from standoff annotations, weak labels from labeling functions.

Each labeling function (LF) reads a sentence (and the unit before it) and votes for one label or
abstains. Votes are combined by majority vote (ties go to the label that comes first in the
decision order of LABELS.md: quote, policy, opinion, fact) or by Snorkel's `LabelModel`. Output of
LFs is a weak label, never gold: every labelled unit records its `label_source` and who or what
made the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.data.annotations import Annotation, annotations_by_doc, index_annotations, match_units
from pipeline.data.corpora import Article, LabelledSentence
from pipeline.data.rows import LabelledUnit
from pipeline.split import Unit
from pipeline.weak.labelers import Labeler
from pipeline.weak.lfs import ABSTAIN, LABELING_FUNCTIONS, apply_lfs, majority_vote


def _votes_row(votes: Sequence[int] | None) -> tuple[int, ...]:
    return (
        tuple(int(v) for v in votes) if votes is not None else (ABSTAIN,) * len(LABELING_FUNCTIONS)
    )


def label_articles(
    articles: Sequence[Article],
    units_by_doc: dict[str, list[Unit]],
    annotations: Sequence[Annotation],
) -> list[LabelledUnit]:
    """Every unit of every article with its gold label (where annotated, matched by `match_units`)
    and its LF votes."""
    gold = annotations_by_doc(
        index_annotations(list(annotations), {a.doc_id: a.text for a in articles}).values()
    )
    rows = []
    for article in articles:
        units = units_by_doc[article.doc_id]
        prevs = [""] + [u.text for u in units[:-1]]
        sentences = [i for i, u in enumerate(units) if u.kind == "sentence"]
        vote_of = dict(
            zip(
                sentences,
                apply_lfs([units[i].text for i in sentences], [prevs[i] for i in sentences]),
            )
        )
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
                id=s.sent_id,
                doc_id=s.sent_id,
                source=s.source,
                index=0,
                start=0,
                end=len(s.text),
                kind="sentence",
                text=s.text,
                prev_text="",
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
    predicted = labeler.predict(
        np.array([rows[i].votes for i in todo]).reshape(len(todo), len(LABELING_FUNCTIONS))
    )
    out = list(rows)
    for i, label_id in zip(todo, predicted):
        weak = LABELS[label_id] if label_id != ABSTAIN else None
        row = replace(rows[i], weak_label=weak)
        if row.label is None and weak is not None:
            row = replace(row, label=weak, label_source="weak", annotator=labeler.method)
        out[i] = row
    return out


def vote_batch(batch: dict[str, list]) -> dict[str, list]:
    """`Dataset.map(batched=True)` body of the labeling functions.

    LF votes and the majority-vote weak label of each sentence.
    """
    sentences = [i for i, kind in enumerate(batch["kind"]) if kind == "sentence"]
    votes = apply_lfs(
        [batch["text"][i] for i in sentences], [batch["prev_text"][i] for i in sentences]
    )
    weak = majority_vote(votes)
    all_votes: list[list[int] | None] = [None] * len(batch["kind"])
    labels: list[str | None] = [None] * len(batch["kind"])
    for j, i in enumerate(sentences):
        all_votes[i], labels[i] = votes[j].tolist(), LABELS[weak[j]]
    return {"votes": all_votes, "weak_label": labels}


def weak_label_dataset(units, num_proc: int | None = None, batch_size: int = 1000):
    """Add LF votes and majority-vote weak labels to a dataset of units, batch by batch on Arrow."""
    return units.map(
        vote_batch, batched=True, batch_size=batch_size, num_proc=num_proc, desc="label"
    )


def to_dataset(rows: Sequence[LabelledUnit]):
    """A Hugging Face `datasets.Dataset` with one column per field and one per LF vote."""
    from datasets import Dataset

    columns: dict[str, list] = {
        field: [] for field in LabelledUnit.__dataclass_fields__ if field != "votes"
    }
    for row in rows:
        for field in columns:
            columns[field].append(getattr(row, field))
    for j, lf in enumerate(LABELING_FUNCTIONS):
        columns[f"lf_{lf.name}"] = [row.votes[j] for row in rows]
    return Dataset.from_dict(columns)
