"""The Arrow path of the split and label stages matches the in-memory path."""

from datasets import Dataset

from pipeline.core.labels import LABELS
from pipeline.split import split_dataset
from pipeline.split.news import split_text
from pipeline.weak.labelling import weak_label_dataset
from pipeline.weak.lfs import apply_lfs, majority_vote

ARTICLES = {
    "a": "Friday, January 4, 2019\nThe Senate passed the bill. Critics worry it fails.\n",
    "b": '"We will win," the mayor said. Five people died on Monday.',
}


def test_dataset_split_and_votes_match_the_plain_functions():
    articles = Dataset.from_dict({"doc_id": list(ARTICLES), "text": list(ARTICLES.values())})
    units = weak_label_dataset(split_dataset(articles, batch_size=1), batch_size=2)
    expected = [(doc, u) for doc, text in ARTICLES.items() for u in split_text(text)]
    assert units.num_rows == len(expected)
    for row, (doc, unit) in zip(units, expected):
        assert (row["doc_id"], row["start"], row["end"], row["kind"], row["text"]) == (
            doc,
            unit.start,
            unit.end,
            unit.kind,
            unit.text,
        )
    sentences = [r for r in units if r["kind"] == "sentence"]
    votes = apply_lfs([r["text"] for r in sentences], [r["prev_text"] for r in sentences])
    assert [r["votes"] for r in sentences] == votes.tolist()
    assert [r["weak_label"] for r in sentences] == [LABELS[i] for i in majority_vote(votes)]
    assert units[0]["weak_label"] is None and units[0]["votes"] is None  # the dateline
