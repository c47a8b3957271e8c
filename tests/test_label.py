import numpy as np
import pytest

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.data.annotations import Annotation, span_hash
from pipeline.data.corpora import Article
from pipeline.data.rows import gold_rows
from pipeline.split import Unit
from pipeline.split.news import split_text
from pipeline.weak.labelers import LABELERS, Labeler
from pipeline.weak.labelling import apply_weak_labels, label_articles, label_external, to_dataset
from pipeline.weak.lfs import ABSTAIN, LABELING_FUNCTIONS, apply_lfs, majority_vote


def test_at_least_three_functions_per_label_with_unique_names():
    names = [lf.name for lf in LABELING_FUNCTIONS]
    assert len(names) == len(set(names))
    for label in LABELS:
        assert sum(lf.label == label for lf in LABELING_FUNCTIONS) >= 3


@pytest.mark.parametrize(
    "text, prev, label",
    [
        ('"We will win," the mayor said.', "", "quote"),
        ("The Senate passed the bill on Tuesday.", "", "policy"),
        ("Critics worry the plan is a disaster.", "", "opinion"),
        ("Five people died in the fire on Monday.", "", "fact"),
    ],
)
def test_majority_vote_on_clear_cases(text, prev, label):
    votes = apply_lfs([text], [prev])
    assert LABELS[majority_vote(votes)[0]] == label


def test_functions_abstain_on_neutral_text():
    votes = apply_lfs(["Hello there."], [""])
    assert (votes == ABSTAIN).all()
    assert majority_vote(votes, fallback="fact").tolist() == [LABEL2ID["fact"]]
    assert majority_vote(votes, fallback=None).tolist() == [ABSTAIN]


def test_ties_follow_decision_order():
    q, p, o, f = (LABEL2ID[x] for x in ("quote", "policy", "opinion", "fact"))
    votes = np.array(
        [
            [f, o],
            [o, p],
            [p, q],
            [
                f,
                f,
            ][:2],
        ]
    )
    assert majority_vote(votes).tolist() == [o, p, q, f]


def test_gold_overrides_weak_and_sources_are_recorded():
    text = "The Senate passed the bill. Critics worry it fails.\nSubhead here\n"
    article = Article("doc1", text, "test")
    units = split_text(text)
    first = units[0]
    gold = [Annotation("doc1", first.start, first.end, span_hash(first.text), "fact", "tester")]
    rows = apply_weak_labels(label_articles([article], {"doc1": units}, gold), Labeler("majority"))
    assert [(r.label, r.label_source, r.annotator, r.weak_label) for r in rows] == [
        ("fact", "gold", "tester", "policy"),
        ("opinion", "weak", "majority", "opinion"),
        (None, None, None, None),
    ]
    assert [(r.prev_text, r.next_text) for r in rows] == [
        ("", units[1].text),
        (units[0].text, units[2].text),
        (units[1].text, ""),
    ]
    ds = to_dataset(rows)
    assert ds.num_rows == 3
    assert {"label", "label_source", "annotator", "weak_label", "lf_policy_legislation"} <= set(
        ds.column_names
    )
    assert ds["lf_policy_legislation"][0] == LABEL2ID["policy"]


def test_gold_rows_are_the_annotated_sentences_whatever_the_splitter():
    text = 'He won. "We did it," she said. Fans cheered.'
    spans = [(0, 7, "fact"), (8, 30, "quote"), (31, 44, "fact")]
    gold = [Annotation("d", s, e, span_hash(text[s:e]), lab, "tester") for s, e, lab in spans]
    merged = [Unit(text[:30], 0, 30), Unit(text[31:], 31, 44)]  # a splitter that misses a boundary
    rows = label_articles([Article("d", text, "t")], {"d": merged}, gold)
    assert [r.label for r in rows] == [
        "quote",
        "fact",
    ]  # a unit takes the annotation it overlaps most
    assert [(r.id, r.label, r.text) for r in gold_rows(rows, gold)] == [
        ("d#0-7", "fact", text[:30]),
        ("d#8-30", "quote", text[:30]),
        ("d#31-44", "fact", "Fans cheered."),
    ]


def test_without_weak_labels_only_gold_is_labelled():
    text = "The Senate passed the bill. Critics worry it fails."
    rows = label_articles([Article("d", text, "t")], {"d": split_text(text)}, [])
    assert [r.label for r in rows] == [None, None]


def test_changed_source_text_is_caught():
    text = "The Senate passed the bill."
    bad = [Annotation("d", 0, len(text), span_hash("something else"), "policy", "tester")]
    with pytest.raises(PipelineError, match="hash differs"):
        label_articles([Article("d", text, "t")], {"d": split_text(text)}, bad)


def test_label_model_learns_from_votes_and_auto_picks_by_dev_accuracy():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 400)
    # three noisy functions per label id: each fires on 60% of its label's rows, right 85% of the
    # time
    votes = np.full((400, 4), ABSTAIN)
    for j in range(4):
        fire = rng.random(400) < 0.6
        votes[fire, j] = np.where(
            rng.random(fire.sum()) < 0.85, truth[fire], rng.integers(0, 4, fire.sum())
        )
    auto = Labeler("auto", seed=0, n_epochs=100).fit(votes, votes[:100], truth[:100])
    assert set(auto.dev_accuracy) == {"majority", "label_model"}
    assert auto.method == max(auto.dev_accuracy, key=auto.dev_accuracy.get)
    assert (auto.predict(votes) == truth).mean() > 0.6
    with pytest.raises(
        PipelineError, match="unknown labeler 'vote'; choose one of: majority, label_model, auto"
    ):
        LABELERS.build("vote")


def test_external_obj_sentences_never_get_opinion():
    from pipeline.data.corpora import LabelledSentence

    rows = label_external(
        [
            LabelledSentence("x#1", "Critics worry it fails.", "not_opinion", "x"),
            LabelledSentence("x#2", "What a disaster.", "opinion", "x"),
        ]
    )
    assert [(r.label, r.label_source, r.external) for r in rows] == [
        ("fact", "weak", True),
        ("opinion", "external", True),
    ]
