"""The label stage: gold labels from standoff annotations, weak labels from labeling functions.

Each labeling function (LF) reads a sentence (and the unit before it) and votes for one label or
abstains. Votes are combined by majority vote (ties go to the label that comes first in the
decision order of LABELS.md: quote, policy, opinion, fact) or by Snorkel's `LabelModel`. Output of
LFs is a weak label, never gold: every labelled unit records its `label_source` and who or what
made the label.
"""

from __future__ import annotations

import tempfile
import typing
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import groupby
from operator import itemgetter

import numpy as np

from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.data.annotations import Annotation, annotations_by_doc, index_annotations, match_units
from pipeline.data.corpora import Article, LabelledSentence
from pipeline.data.rows import LabelledUnit
from pipeline.split import Unit, split_dataset
from pipeline.split.units import around
from pipeline.weak.labelers import Labeler
from pipeline.weak.lfs import ABSTAIN, LABELING_FUNCTIONS, apply_lfs, majority_vote


def _votes_row(votes: Sequence[int] | None) -> tuple[int, ...]:
    return (
        tuple(int(v) for v in votes) if votes is not None else (ABSTAIN,) * len(LABELING_FUNCTIONS)
    )


def _gold_by_doc(
    articles: Sequence[Article], annotations: Sequence[Annotation]
) -> dict[str, list[Annotation]]:
    """The annotations of the loaded articles, checked against their text, by document."""
    texts = {a.doc_id: a.text for a in articles}
    return annotations_by_doc(index_annotations(list(annotations), texts).values())


def _article_rows(
    article: Article,
    units: Sequence[Unit],
    prevs: Sequence[str],
    votes: Sequence[Sequence[int] | None],
    gold: Sequence[Annotation],
) -> list[LabelledUnit]:
    """One article's units, each with the units before and after it, its LF votes (None: not a
    sentence) and its gold label where annotated (matched by `match_units`)."""
    gold_of = match_units(units, gold)
    rows = []
    for i, (unit, prev, unit_votes) in enumerate(zip(units, prevs, votes)):
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
                prev_text=prev,
                label=ann.label if ann else None,
                label_source="gold" if ann else None,
                annotator=ann.annotator if ann else None,
                weak_label=None,
                external=False,
                votes=_votes_row(unit_votes),
                next_text=around(units, i)[1],
            )
        )
    return rows


def label_articles(
    articles: Sequence[Article],
    units_by_doc: dict[str, list[Unit]],
    annotations: Sequence[Annotation],
) -> list[LabelledUnit]:
    """Every unit of every article with its gold label (where annotated, matched by `match_units`)
    and its LF votes."""
    gold = _gold_by_doc(articles, annotations)
    rows = []
    for article in articles:
        units = units_by_doc[article.doc_id]
        prevs = [""] + [u.text for u in units[:-1]]
        sentences = [i for i, u in enumerate(units) if u.kind == "sentence"]
        texts, sentence_prevs = [units[i].text for i in sentences], [prevs[i] for i in sentences]
        vote_of = dict(zip(sentences, apply_lfs(texts, sentence_prevs)))
        votes = [vote_of.get(i) for i in range(len(units))]
        rows += _article_rows(article, units, prevs, votes, gold.get(article.doc_id, []))
    return rows


def _dataset_units(units) -> Iterator[tuple[str, list[tuple[Unit, str, list[int] | None]]]]:
    """A unit dataset's rows as (document id, [(unit, previous text, votes), ...]), one entry per
    document in dataset order (`Dataset.map` keeps the order of the articles)."""
    stream = (
        (doc_id, (Unit(text, start, end, kind), prev, votes))
        for batch in units.iter(batch_size=10_000)
        for doc_id, text, start, end, kind, prev, votes in zip(
            *(batch[k] for k in ("doc_id", "text", "start", "end", "kind", "prev_text", "votes"))
        )
    )
    for doc_id, group in groupby(stream, key=itemgetter(0)):
        yield doc_id, [entry for _, entry in group]


def label_unit_dataset(
    articles: Sequence[Article], units, annotations: Sequence[Annotation]
) -> list[LabelledUnit]:
    """`label_articles` for units split and voted on Arrow (`split_dataset` of `articles`, then
    `weak_label_dataset`): the same rows, read from the dataset one document at a time."""
    gold = _gold_by_doc(articles, annotations)
    documents = _dataset_units(units)
    current = next(documents, None)
    rows = []
    for article in articles:
        if current is None or current[0] != article.doc_id:
            continue  # a blank article has no units
        unit_list, prevs, votes = zip(*current[1])
        rows += _article_rows(article, unit_list, prevs, votes, gold.get(article.doc_id, []))
        current = next(documents, None)
    return rows


def label_on_arrow(
    articles: Sequence[Article],
    splitter_cfg: dict,
    annotations: Sequence[Annotation],
    num_proc: int,
) -> list[LabelledUnit]:
    """Split `articles` and apply the LFs on Arrow (`split_dataset`, `weak_label_dataset`, across
    `num_proc` processes), then label the units as `label_articles` does. The articles are saved
    to a temporary folder first, so that both stages write their results to memory-mapped files
    there rather than to memory."""
    from datasets import Dataset, load_from_disk

    params = {key: value for key, value in splitter_cfg.items() if key != "name"}
    with tempfile.TemporaryDirectory(prefix="pipeline-arrow-") as folder:
        Dataset.from_dict(
            {
                "doc_id": [a.doc_id for a in articles],
                "text": [a.text for a in articles],
                "one_sentence": [a.one_sentence for a in articles],
            }
        ).save_to_disk(folder)
        units = split_dataset(load_from_disk(folder), splitter_cfg["name"], num_proc, params=params)
        units = weak_label_dataset(units, num_proc=num_proc)
        return label_unit_dataset(articles, units, annotations)


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


def _features():
    """The Arrow types of `to_dataset`'s columns, from `LabelledUnit`'s type hints (fixed, so that
    chunks converted apart agree even where one holds only nulls)."""
    from datasets import Features, Value

    arrow = {int: "int64", bool: "bool", str: "string"}
    hints = typing.get_type_hints(LabelledUnit)
    columns = {
        name: Value(arrow[next(t for t in typing.get_args(hint) or (hint,) if t is not type(None))])
        for name, hint in hints.items()
        if name != "votes"
    }
    return Features(columns | {f"lf_{lf.name}": Value("int64") for lf in LABELING_FUNCTIONS})


def _columns(rows: Sequence[LabelledUnit], features) -> dict[str, list]:
    columns = {name: [getattr(row, name) for row in rows] for name in features if name[:3] != "lf_"}
    for j, lf in enumerate(LABELING_FUNCTIONS):
        columns[f"lf_{lf.name}"] = [row.votes[j] for row in rows]
    return columns


def to_dataset(rows: Sequence[LabelledUnit], chunk_size: int = 20_000):
    """A Hugging Face `datasets.Dataset` with one column per field and one per LF vote, converted
    `chunk_size` rows at a time: at 360,000 rows this halves the memory the conversion takes."""
    from datasets import Dataset, concatenate_datasets

    features = _features()
    chunks = [rows[i : i + chunk_size] for i in range(0, len(rows), chunk_size)] or [rows]
    return concatenate_datasets(
        [Dataset.from_dict(_columns(chunk, features), features=features) for chunk in chunks]
    )
