import pytest

from pipeline.errors import PipelineError
from pipeline.split import get_splitter, split_text


def sentences(text: str) -> list[str]:
    return [u.text for u in split_text(text) if u.kind == "sentence"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gov. Rick Perry spoke. Sen. Ted Cruz left.", ["Gov. Rick Perry spoke.", "Sen. Ted Cruz left."]),
        ("He moved to the U.S. in 1990. He stayed.", ["He moved to the U.S. in 1990.", "He stayed."]),
        ("She lives in Washington, D.C. She works there.", ["She lives in Washington, D.C.", "She works there."]),
        ("It met on Jan. 5 at 9 a.m. local time.", ["It met on Jan. 5 at 9 a.m. local time."]),
        ("The talks ended at 5 p.m. The vote followed.", ["The talks ended at 5 p.m.", "The vote followed."]),
        ("Apple Inc. said sales rose 3.7 percent to $1.5 billion.", ["Apple Inc. said sales rose 3.7 percent to $1.5 billion."]),
        ('"It is over," he said. "We won." Then he left.', ['"It is over," he said.', '"We won."', "Then he left."]),
        ('"Why now?" she asked. Nobody knew.', ['"Why now?" she asked.', "Nobody knew."]),
        ("John F. Kennedy was shot. It was 1963.", ["John F. Kennedy was shot.", "It was 1963."]),
        ("The case Roe v. Wade was cited.", ["The case Roe v. Wade was cited."]),
    ],
)
def test_news_sentences(text, expected):
    assert sentences(text) == expected


def test_line_kinds_and_exact_offsets():
    article = "Friday, January 4, 2019\n\nStruggling for a solution\nThe bill failed. It may return.\nCNN's Jo Roe contributed to this report.\n"
    units = split_text(article)
    assert [u.kind for u in units] == ["dateline", "heading", "sentence", "sentence", "byline"]
    assert all(article[u.start : u.end] == u.text for u in units)


def test_seed_article(seed_text):
    units = split_text(seed_text)
    assert all(seed_text[u.start : u.end] == u.text for u in units)
    assert sum(u.kind == "sentence" for u in units) == 31
    assert [u.text for u in units if u.kind != "sentence"][:2] == ["Underlying causes", "Most can't stay"]


def test_whitespace_only_gives_nothing():
    assert split_text(" \n\n\t\u00a0 ") == []


def test_pysbd_spans_are_exact(seed_text):
    units = get_splitter("pysbd")(seed_text)
    assert len(units) > 30 and all(seed_text[u.start : u.end] == u.text for u in units)


def test_unknown_splitter():
    with pytest.raises(PipelineError, match="unknown splitter 'nope'"):
        get_splitter("nope")
