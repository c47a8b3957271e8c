"""The committed gold annotations: valid records that match the external documents exactly."""

import json
from collections import Counter

import pytest

from pipeline.cli.hydra_config import compose_config
from pipeline.core.errors import PipelineError
from pipeline.core.files import REPO_ROOT, iter_jsonl
from pipeline.data.annotations import (
    Annotation,
    load_annotations,
    match_units,
    parse_annotation,
)
from pipeline.data.corpora import load_articles
from pipeline.split import Unit, split_corpus
from pipeline.split.news import split_text
from pipeline.weak.labelling import label_articles

ANNOTATIONS = REPO_ROOT / "data" / "annotations"
DATA = compose_config([])["data"]  # every corpus the gold annotates


@pytest.mark.slow
def test_every_annotation_matches_a_sentence_of_its_document():
    articles = load_articles(DATA)
    loaded = {a.doc_id for a in articles}
    annotations = [a for a in load_annotations(ANNOTATIONS) if a.doc in loaded]
    assert len(annotations) >= 6500  # a repeated CheckThat! sentence is loaded once
    rows = label_articles(articles, split_corpus(articles, split_text), annotations)
    gold = [r for r in rows if r.label_source == "gold"]
    assert len(gold) == len(annotations)  # each annotation lands on its own split unit (by overlap)
    exact = {(a.doc, a.start, a.end) for a in annotations}
    assert sum((r.doc_id, r.start, r.end) in exact for r in gold) >= 0.98 * len(annotations)
    assert len({(a.doc, a.start) for a in annotations}) == len(annotations)


def test_units_take_the_annotation_they_overlap_most():
    def ann(start, end, label):
        return Annotation("d", start, end, "hash", label, "me")

    units = [
        Unit("", 0, 10),
        Unit("", 11, 20),
        Unit("", 21, 30, "heading"),
        Unit("", 31, 40),
        Unit("", 41, 50),
    ]
    exact, over_heading, small, split = (
        ann(0, 10, "fact"),
        ann(11, 30, "quote"),
        ann(31, 34, "policy"),
        ann(35, 50, "opinion"),
    )
    assert match_units(units, [exact, over_heading, small, split]) == {
        0: exact,
        1: over_heading,
        3: small,
        4: split,
    }
    first, second = (
        ann(0, 8, "fact"),
        ann(9, 20, "quote"),
    )  # one unit over two annotations keeps the larger
    assert match_units([Unit("", 0, 20)], [first, second]) == {0: second}
    assert match_units(units, [ann(21, 30, "fact")]) == {}  # only sentences carry labels


def test_seed_article_is_fully_annotated(seed_text):
    seed = [a for a in load_annotations(ANNOTATIONS) if a.doc.startswith("seed/")]
    assert len(seed) == sum(u.kind == "sentence" for u in split_text(seed_text))
    # version 2: one fact became policy (a team sent to assess border efforts: a deployment)
    assert Counter(a.label for a in seed) == {"quote": 14, "policy": 9, "fact": 5, "opinion": 3}


def test_bad_records_are_named_by_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"doc": "d"}\n{broken\n')
    with pytest.raises(PipelineError, match=r"a.jsonl:2: broken JSON line"):
        list(iter_jsonl(path))
    record = {"doc": "d", "start": 0, "end": 4, "hash": "x", "label": "rumour", "annotator": "me"}
    with pytest.raises(PipelineError, match="unknown label 'rumour'"):
        parse_annotation(record, "a.jsonl:1")
    with pytest.raises(PipelineError, match="lacks field 'hash'"):
        parse_annotation({k: v for k, v in record.items() if k != "hash"}, "a.jsonl:1")


def test_annotations_hold_no_corpus_text():
    for path in ANNOTATIONS.rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            assert set(json.loads(line)) <= {
                "doc",
                "start",
                "end",
                "hash",
                "label",
                "annotator",
                "guideline",
            }


def test_agreement_matches_a_hand_count():
    from pipeline.data.annotations import agreement

    first = [
        {"doc": "d", "start": i, "label": lab}
        for i, lab in enumerate(["fact", "fact", "quote", "quote", "none"])
    ]
    second = [
        {"doc": "d", "start": i, "label": lab}
        for i, lab in enumerate(["fact", "quote", "quote", "quote", "fact"])
    ]
    result = agreement(first, second)
    assert (result["n"], result["n_excluded"], result["observed_agreement"]) == (4, 1, 0.75)
    # p_o = 0.75; p_e = 0.5*0.25 + 0.5*0.75 = 0.5; kappa = (0.75 - 0.5) / 0.5
    assert abs(result["cohen_kappa"] - 0.5) < 1e-9
    assert result["confusion_matrix"][0][:2] == [1, 1]
    # fact: 1 shared of 2 (first) and 1 (second) -> F1 2/3; quote: 2 of 2 and 3 -> 0.8
    assert abs(result["per_label_f1"]["fact"] - 2 / 3) < 1e-9
    assert abs(result["per_label_f1"]["quote"] - 0.8) < 1e-9


def test_the_v2_agreement_study_is_stratified_and_independent():
    from pipeline.data.annotations import agreement

    first = [r for _, r in iter_jsonl(REPO_ROOT / "data/agreement/v2/pass1.jsonl")]
    second = [r for _, r in iter_jsonl(REPO_ROOT / "data/agreement/v2/pass2.jsonl")]
    assert len(first) == len(second) >= 600
    assert not {r["annotator"] for r in first} & {r["annotator"] for r in second}
    result = agreement(first, second)
    assert min(result["first_pass_counts"].values()) >= 100  # every label, opinion included
    assert result["cohen_kappa"] > 0.9 and min(result["per_label_f1"].values()) > 0.9


def test_committed_agreement_passes_are_independent_readings_of_the_same_spans():
    from pipeline.data.annotations import agreement

    first = [r for _, r in iter_jsonl(REPO_ROOT / "data/agreement/pass1.jsonl")]
    second = [r for _, r in iter_jsonl(REPO_ROOT / "data/agreement/pass2.jsonl")]
    assert len(first) == len(second) == 260
    assert {r["annotator"] for r in second} == {"annotator-g"} and "annotator-g" not in {
        r["annotator"] for r in first
    }
    assert agreement(first, second)["cohen_kappa"] > 0.8
