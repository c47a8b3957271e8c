import pytest

from pipeline.core.errors import PipelineError
from pipeline.core.files import read_text_file
from pipeline.data.corpora import (
    candidate_external_dirs,
    find_external_file,
    load_subjectivity,
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
