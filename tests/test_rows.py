"""Held-out splits: the same share of each source, grouped by document, gold subsamples and
cross-validation folds."""

import numpy as np
import pytest

from pipeline.core.errors import PipelineError
from pipeline.data import rows as splits
from pipeline.data.rows import LabelledUnit, fold_documents, gold_subsample


def unit(doc: str, source: str, label_source: str | None = "gold") -> LabelledUnit:
    return LabelledUnit(
        id=f"{doc}#0",
        doc_id=doc,
        source=source,
        index=0,
        start=0,
        end=1,
        kind="sentence",
        text="x",
        prev_text="",
        label="fact",
        label_source=label_source,
        annotator="a",
        weak_label=None,
        external=False,
        votes=(),
    )


ROWS = (
    [unit(f"news{i}", "wikinews") for i in range(20) for _ in range(3)]
    + [unit("seed", "seed")]
    + [unit(f"ct{i}", "checkthat") for i in range(50)]
    + [unit(f"plain{i}", "wikinews", None) for i in range(5)]
)


def test_each_source_gives_the_same_share_and_a_lone_document_joins_the_largest():
    held = splits.test_documents(ROWS, 0.3, seed=0)
    news = {d for d in held if d.startswith("news") or d == "seed"}
    assert len(news) == round(0.3 * 21) and len(held - news) == round(0.3 * 50)
    assert not {d for d in held if d.startswith("plain")}  # only gold documents are held out
    assert (
        held == splits.test_documents(ROWS, 0.3, seed=0) != splits.test_documents(ROWS, 0.3, seed=1)
    )


def test_a_gold_subsample_keeps_a_share_of_the_training_side_and_never_the_test_side():
    held = splits.test_documents(ROWS, 0.3, seed=0)
    assert gold_subsample(ROWS, 1.0, seed=1, held_out=held) == set()
    left_out = gold_subsample(ROWS, 0.5, seed=1, held_out=held)
    training = {r.doc_id for r in ROWS if r.label_source == "gold"} - held
    assert not left_out & held and left_out < training
    assert abs(len(training - left_out) - 0.5 * len(training)) <= 1
    assert left_out != gold_subsample(ROWS, 0.5, seed=2, held_out=held)  # seeded by `seed`


def test_folds_partition_the_gold_documents_by_source_and_are_seeded():
    folds = fold_documents(ROWS, 3, seed=0)
    gold_docs = {r.doc_id for r in ROWS if r.label_source == "gold"}
    assert len(folds) == 3 and set().union(*folds) == gold_docs
    assert sum(map(len, folds)) == len(gold_docs)  # each gold document in exactly one fold
    news = [{d for d in fold if d.startswith("news")} for fold in folds]
    assert [len(n) for n in news] == [7, 7, 6]  # 20 articles
    # 50 CheckThat! sentences and the lone seed article, which joins the largest source
    assert [len(fold - n) for fold, n in zip(folds, news)] == [17, 17, 17]
    assert folds == fold_documents(ROWS, 3, seed=0) != fold_documents(ROWS, 3, seed=1)
    # each source's seeded permutation (as test_documents draws it), dealt round-robin
    order = np.random.default_rng(0).permutation(sorted(set().union(*news))).tolist()
    assert news == [set(order[i::3]) for i in range(3)]


def test_too_many_folds_for_the_largest_source_is_refused():
    few = [unit(f"news{i}", "wikinews") for i in range(3)] + [unit("seed", "seed")]
    assert len(fold_documents(few, 4, seed=0)[-1]) == 1  # the seed article joins the news
    with pytest.raises(PipelineError, match=r"eval.folds=5 .* allowed: 2 <= value <= 4"):
        fold_documents(few, 5, seed=0)


def test_unlabelled_rows_leave_out_held_documents_and_texts_and_sample_by_seed():
    from dataclasses import replace

    from pipeline.data.rows import unlabelled_rows

    pool = [
        replace(unit(f"d{i % 5}", "wikinews", None), index=i, text=f"sentence {i}", label=None)
        for i in range(40)
    ]
    rows = unlabelled_rows(pool, {"d0"}, {"sentence 1"}, None, seed=0)
    assert {r.doc_id for r in rows} == {"d1", "d2", "d3", "d4"} and len(rows) == 31
    sample = unlabelled_rows(pool, {"d0"}, {"sentence 1"}, 10, seed=3)
    assert len(sample) == 10 and sample == unlabelled_rows(pool, {"d0"}, {"sentence 1"}, 10, 3)
    assert [r.index for r in sample] == sorted(r.index for r in sample)  # pool order kept
    assert sample != unlabelled_rows(pool, {"d0"}, {"sentence 1"}, 10, seed=4)
