import pytest

from pipeline.core.errors import PipelineError
from pipeline.core.files import read_text_file
from pipeline.data.corpora import (
    candidate_external_dirs,
    find_external_file,
    load_sentences,
    load_subjectivity,
    load_wikinews,
)


def test_lookup_order(monkeypatch, tmp_path):
    monkeypatch.setenv("PIPELINE_EXTERNAL_DIR", str(tmp_path / "env"))
    dirs = candidate_external_dirs(tmp_path / "explicit")
    assert dirs[:2] == [tmp_path / "explicit", tmp_path / "env"]
    assert [d.parts[-2:] for d in dirs[2:]] == [("shared", "external"), ("data", "external")]


def test_explicit_dir_wins(tmp_path):
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "a.txt").write_text("Hello.")
    assert find_external_file("seed/a.txt", tmp_path) == tmp_path / "seed" / "a.txt"


def test_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(PipelineError, match=r"not found \(looked in .*SOURCE.txt"):
        find_external_file("nothing/here.csv", tmp_path)


def test_reserved_evaluation_files_are_refused():
    for name in (
        "wikinews-sample/wikinews_2020.csv",
        "checkthat2025-subjectivity-en/test_en_labeled.tsv",
    ):
        with pytest.raises(PipelineError, match="reserved for held-out evaluation"):
            find_external_file(name)


def test_bad_text_files(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(PipelineError, match="empty"):
        read_text_file(tmp_path / "empty.txt")
    with pytest.raises(PipelineError, match="not UTF-8"):
        read_text_file(tmp_path / "latin1.txt")
    with pytest.raises(PipelineError, match="not found"):
        read_text_file(tmp_path / "nope.txt")


def test_newssd_subj_maps_to_opinion():
    sentences = load_subjectivity("newssd-eng/english/train.csv")
    assert len(sentences) == 244 and {s.label for s in sentences} == {"opinion"}
    assert all(s.text == s.text.strip() for s in sentences)


def write_external(tmp_path, relative: str, text: str) -> str:
    (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relative).write_text(text, encoding="utf-8")
    return relative


def test_a_sentence_corpus_gives_one_unsplit_document_per_distinct_sentence(tmp_path):
    from pipeline.split import split_corpus
    from pipeline.split.news import split_text

    path = write_external(
        tmp_path,
        "ct/train_en.tsv",
        "sentence_id\tsentence\tlabel\n"
        "a1\tWhat has changed?\tSUBJ\n"
        "a2\t The vote passed. Then it rained. \tOBJ\n"
        "a3\tWhat has changed?\tSUBJ\n",
    )
    articles = load_sentences(path, tmp_path, source="checkthat")
    assert [(a.doc_id, a.text, a.source) for a in articles] == [
        ("ct/train_en.tsv#a1", "What has changed?", "checkthat"),
        ("ct/train_en.tsv#a2", "The vote passed. Then it rained.", "checkthat"),
    ]
    units = split_corpus(articles, split_text)  # a heading to the news splitter, a sentence here
    assert [(u.kind, u.text) for u in units["ct/train_en.tsv#a1"]] == [
        ("sentence", "What has changed?")
    ]
    assert len(units["ct/train_en.tsv#a2"]) == 1
    with pytest.raises(PipelineError, match="reserved for held-out evaluation"):
        load_sentences("checkthat2025-subjectivity-en/test_en_labeled.tsv")


def test_wikinews_only_keeps_the_listed_articles_in_list_order(tmp_path):
    path = write_external(
        tmp_path,
        "w/articles.csv",
        "url,date,title,text\nu1,d,T1,One.\nu2,d,T2,Two.\nu3,d,T3,Three.\n",
    )
    (tmp_path / "keep.txt").write_text("u3\nu1\n")
    articles = load_wikinews(path, tmp_path, only=str(tmp_path / "keep.txt"))
    assert [a.doc_id for a in articles] == ["u3", "u1"]
    (tmp_path / "keep.txt").write_text("u9\n")
    with pytest.raises(PipelineError, match="1 urls are not in w/articles.csv, e.g. u9"):
        load_wikinews(path, tmp_path, only=str(tmp_path / "keep.txt"))


def test_babe_opinion_sentences_are_subj_and_the_middle_grade_is_left_out(tmp_path):
    path = write_external(
        tmp_path,
        "babe/final_labels_SG2.csv",
        "\ufefftext;news_link;outlet;topic;type;label_bias;label_opinion;biased_words\n"
        "A disgraceful bill.;l;o;t;left;Biased;Expresses writer’s opinion;[]\n"
        "The bill passed.;l;o;t;left;Non-biased;Entirely factual;[]\n"
        "A bill, sadly.;l;o;t;left;Biased;Somewhat factual but also opinionated;[]\n",
    )
    subj = load_subjectivity(path, tmp_path)
    assert [(s.text, s.label) for s in subj] == [("A disgraceful bill.", "opinion")]
    both = load_subjectivity(path, tmp_path, keep=("SUBJ", "OBJ"))
    assert [s.label for s in both] == ["opinion", "not_opinion"]
