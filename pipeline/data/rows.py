"""Labelled rows of the data set, the article-grouped held-out splits, and what each source adds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABELS
from pipeline.data.annotations import Annotation, annotations_by_doc, best_units


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
    next_text: str = ""  # the unit after it in its document ("" for the last, or none)


def gold_rows(
    rows: Sequence[LabelledUnit], annotations: Sequence[Annotation]
) -> list[LabelledUnit]:
    """One row per annotation of a loaded article, whatever the splitter: the row of the unit that
    overlaps it most (`best_units`; its text is what a model reads) under the annotation's id, span
    and label. Evaluated on these, every splitter is scored on the same gold sentences."""
    by_doc: dict[str, list[LabelledUnit]] = {}
    for row in rows:
        if not row.external:
            by_doc.setdefault(row.doc_id, []).append(row)
    grouped = annotations_by_doc(sorted(annotations, key=lambda a: (a.doc, a.start)))
    return [
        replace(
            units[i],
            id=f"{doc}#{ann.start}-{ann.end}",
            start=ann.start,
            end=ann.end,
            label=ann.label,
            label_source="gold",
            annotator=ann.annotator,
        )
        for doc, units in by_doc.items()
        for ann, i, _ in best_units(units, grouped.get(doc, []))
    ]


def _strata(rows: Sequence[LabelledUnit], exclude: set[str] = frozenset()) -> list[list[str]]:
    """The gold-annotated documents not in `exclude`, sorted, one list per source; a source with a
    single gold document joins the largest."""
    source_of = {r.doc_id: r.source for r in rows if r.label_source == "gold"}
    docs = sorted(set(source_of) - set(exclude))
    if not docs:
        raise PipelineError(
            "no gold-labelled sentences in the loaded corpora: nothing to evaluate on"
        )
    strata: dict[str, list[str]] = {}
    for doc in docs:
        strata.setdefault(source_of[doc], []).append(doc)
    largest = max(strata, key=lambda source: len(strata[source]))
    for source in [s for s in strata if len(strata[s]) < 2 and s != largest]:
        strata[largest] = sorted(strata[largest] + strata.pop(source))
    return list(strata.values())


def test_documents(
    rows: Sequence[LabelledUnit], fraction: float, seed: int, exclude: set[str] = frozenset()
) -> set[str]:
    """Hold out a seeded share of the gold-annotated documents not in `exclude`, the same share of
    each source (news articles, a sentence corpus's one-sentence documents); a source with a
    single gold document joins the largest. At least one document is held out."""
    held = set()
    # each source drawn alone: adding a corpus moves no other
    for members in _strata(rows, exclude):
        n_held = max(1, round(fraction * len(members))) if len(members) > 1 else 1
        held |= set(np.random.default_rng(seed).permutation(members)[:n_held].tolist())
    return held


def fold_documents(
    rows: Sequence[LabelledUnit], k: int, seed: int, exclude: set[str] = frozenset()
) -> list[set[str]]:
    """The gold-annotated documents not in `exclude` in `k` seeded folds (cross-validation),
    stratified by source as `test_documents` is: each source's documents in one seeded
    permutation, dealt round-robin into the folds (a source with a single gold document joins the
    largest). Every such document is in exactly one fold; more folds than the largest source has
    documents is an error."""
    strata = _strata(rows, exclude)
    largest = max(map(len, strata))
    if largest < k:
        raise PipelineError(
            f"eval.folds={k} is more than the {largest} gold documents of the largest source: "
            f"a fold would have no test documents; allowed: 2 <= value <= {largest}"
        )
    folds: list[set[str]] = [set() for _ in range(k)]
    for members in strata:  # each source drawn alone, as in test_documents
        for i, doc in enumerate(np.random.default_rng(seed).permutation(members).tolist()):
            folds[i % k].add(doc)
    return folds


def gold_subsample(
    rows: Sequence[LabelledUnit], fraction: float, seed: int, held_out: set[str]
) -> set[str]:
    """The training side's gold documents left out so that `fraction` of them (per source, at
    least one) is trained on; none when `fraction` is 1."""
    if fraction >= 1:
        return set()
    kept = test_documents(rows, fraction, seed, held_out)
    return {r.doc_id for r in rows if r.label_source == "gold"} - set(held_out) - kept


def training_rows(
    rows: Sequence[LabelledUnit],
    held_out: set[str],
    sources: Sequence[str],
    exclude_sources: Sequence[str] = (),
    pseudo: Sequence[LabelledUnit] = (),
) -> list[LabelledUnit]:
    """Training sentences from documents outside the test side, by the sources asked for.

    `gold`: annotated sentences; `weak`: every other article sentence with its weak label (all of
    them when gold is not asked for); `external`: sentences of the extra sentence-level corpora,
    except those whose text is a held-out sentence's. Corpora named in `exclude_sources` give no
    training sentences (their gold still counts on the test side). `pseudo`: rows labelled by a
    model (`pipeline.data.pseudo`), kept like external ones when `pseudo` is asked for, except in
    documents annotated since (their gold is the label).
    """
    unknown = set(sources) - {"gold", "weak", "external", "pseudo"}
    if unknown:
        raise PipelineError(
            f"unknown train source {sorted(unknown)[0]!r}; "
            "choose from: gold, weak, external, pseudo"
        )
    held_texts = {r.text for r in rows if r.doc_id in held_out}
    chosen = []
    for r in rows:
        if r.kind != "sentence" or r.doc_id in held_out or r.label is None:
            continue
        if r.external:
            if "external" in sources and r.text not in held_texts:
                chosen.append(r)
        elif r.source in exclude_sources:
            continue
        elif r.label_source == "gold" and "gold" in sources:
            chosen.append(r)
        elif "weak" in sources and r.weak_label is not None:
            chosen.append(
                replace(r, label=r.weak_label, label_source="weak", annotator="weak_labeler")
            )
    if "pseudo" in sources:
        annotated = held_out | {r.doc_id for r in rows if r.label_source == "gold"}
        chosen += [r for r in pseudo if r.doc_id not in annotated and r.text not in held_texts]
    return chosen


def composition(rows: Sequence[LabelledUnit]) -> dict[str, dict[str, int]]:
    """What each source contributes: counts per (source, label_source) and label."""
    table: dict[str, Counter] = {}
    for r in rows:
        table.setdefault(f"{r.source}/{r.label_source}", Counter())[r.label] += 1
    return {
        key: {lab: counts.get(lab, 0) for lab in LABELS} | {"total": sum(counts.values())}
        for key, counts in sorted(table.items())
    }


@dataclass
class Splits:
    """Sentences for training, testing (held-out gold articles) and tuning (dev gold articles); test
    and dev hold one row per gold sentence (`label.gold_rows`), the same for every splitter."""

    train: list[LabelledUnit]
    test: list[LabelledUnit]
    dev: list[LabelledUnit]
    # sentences without gold from training-side articles (`data.unlabelled`), for models that
    # learn from them
    unlabelled: list[LabelledUnit] = field(default_factory=list)


def unlabelled_rows(
    pool: Sequence[LabelledUnit],
    excluded_docs: set[str],
    excluded_texts: set[str],
    limit: int | None,
    seed: int,
) -> list[LabelledUnit]:
    """The sentences of `pool` outside `excluded_docs` whose text is none of `excluded_texts`: a
    seeded sample of `limit` of them (None: all), in pool order."""
    rows = [r for r in pool if r.doc_id not in excluded_docs and r.text not in excluded_texts]
    if limit is not None and len(rows) > limit:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), limit, replace=False))
        rows = [rows[i] for i in keep]
    return rows
