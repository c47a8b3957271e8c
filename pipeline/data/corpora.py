"""Corpora the pipeline reads: where they live and how to load them as plain records.

External corpora are never copied into the repository. They are found, in this order, at an
explicit path from the config, at ``$PIPELINE_EXTERNAL_DIR``, at ``../shared/external`` (next to
the checkout), or at ``data/external``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import PipelineError
from pipeline.core.files import REPO_ROOT, read_csv_rows, read_text_file
from pipeline.core.registry import Registry

RESERVED = ("wikinews_2020.csv", "dev_test_en.tsv", "test_en_labeled.tsv")
_SOURCE_HINT = (
    "see SOURCE.txt in each folder of the shared external data for where to get the files"
)


@dataclass(frozen=True)
class Article:
    """One document of a corpus (`one_sentence`: a sentence-level corpus's entry, never split)."""

    doc_id: str
    text: str
    source: str
    title: str = ""
    one_sentence: bool = False


@dataclass(frozen=True)
class LabelledSentence:
    """A sentence from a sentence-level corpus with its mapped label."""

    sent_id: str
    text: str
    label: str
    source: str


def candidate_external_dirs(explicit: str | os.PathLike | None = None) -> list[Path]:
    """Where external data is looked for, in order."""
    dirs = []
    if explicit:
        dirs.append(Path(explicit).expanduser())
    if os.environ.get("PIPELINE_EXTERNAL_DIR"):
        dirs.append(Path(os.environ["PIPELINE_EXTERNAL_DIR"]).expanduser())
    dirs += [REPO_ROOT.parent / "shared" / "external", REPO_ROOT / "data" / "external"]
    return dirs


def find_external_file(
    relative: str, explicit: str | os.PathLike | None = None, evaluation: bool = False
) -> Path:
    """Resolve a file inside the external data folder, or fail with where we looked.

    Held-out files (RESERVED) are only handed out for evaluation.
    """
    if Path(relative).name in RESERVED and not evaluation:
        raise PipelineError(
            f"{relative} is reserved for held-out evaluation and cannot be used here"
        )
    looked = candidate_external_dirs(explicit)
    for base in looked:
        if (base / relative).is_file():
            return base / relative
    places = ", ".join(str(d) for d in looked)
    raise PipelineError(
        f"external data file {relative!r} not found (looked in {places}); set "
        f"PIPELINE_EXTERNAL_DIR or data.external_dir, and {_SOURCE_HINT}"
    )


# BABE's `label_opinion` values as subjectivity labels (the middle grade is left out).
BABE_OPINION = {"Expresses writer’s opinion": "SUBJ", "Entirely factual": "OBJ"}

LOADERS: Registry[Callable[..., list[Article]]] = Registry("corpus loader")


@LOADERS.register("seed")
def load_seed(path: str, external_dir: str | None = None) -> list[Article]:
    """The seed article: a plain-text file whose id is its path in the external folder."""
    found = find_external_file(path, external_dir)
    return [Article(doc_id=path, text=read_text_file(found), source="seed", title=found.stem)]


@LOADERS.register("wikinews")
def load_wikinews(
    path: str,
    external_dir: str | None = None,
    limit: int | None = None,
    only: str | None = None,
    source: str = "wikinews",
) -> list[Article]:
    """Wikinews articles from a CSV with url, date, title, text; the url is the document id.

    `only`: a file (absolute, or relative to the repository) listing the urls to keep, one a line,
    in the order to keep them (e.g. a recorded random draw). `source` names the corpus in rows
    (e.g. a training-only pool, `data.train_only_sources`)."""
    rows = read_csv_rows(find_external_file(path, external_dir), ("url", "text"))
    articles = [Article(r["url"], r["text"], source, r.get("title", "")) for r in rows]
    if only:
        by_id = {a.doc_id: a for a in articles}
        wanted = read_text_file(REPO_ROOT / only).split()
        missing = [doc for doc in wanted if doc not in by_id]
        if missing:
            raise PipelineError(f"{only}: {len(missing)} urls are not in {path}, e.g. {missing[0]}")
        articles = [by_id[doc] for doc in wanted]
    return articles[:limit] if limit else articles


@LOADERS.register("sentences")
def load_sentences(
    path: str, external_dir: str | None = None, source: str = "sentences", limit: int | None = None
) -> list[Article]:
    """A sentence-level corpus (a TSV with `sentence_id` and `sentence`, as CheckThat!'s), each
    sentence a one-sentence document `path#sentence_id`; a text already seen is skipped, so no
    sentence can stand on both sides of a split. Held-out files are refused."""
    rows = read_csv_rows(
        find_external_file(path, external_dir),
        ("sentence_id", "sentence"),
        delimiter="\t",
        quoting=csv.QUOTE_NONE,
    )
    seen: set[str] = set()
    articles = []
    for row in rows:
        text = row["sentence"].strip()
        if text and text not in seen:
            seen.add(text)
            articles.append(
                Article(f"{path}#{row['sentence_id']}", text, source, one_sentence=True)
            )
    return articles[:limit] if limit else articles


def load_subjectivity(
    relative: str,
    external_dir: str | None = None,
    keep: Iterable[str] = ("SUBJ",),
    evaluation: bool = False,
) -> list[LabelledSentence]:
    """NewsSD-ENG (CSV), CheckThat! (TSV) or BABE (CSV, `;`) sentences, SUBJ mapped to opinion
    (BABE: "Expresses writer's opinion" is SUBJ, "Entirely factual" OBJ, the rest left out).

    Only rows whose label is in `keep` are returned; OBJ rows carry no label of our set, so they
    are returned as ``not_opinion`` when asked for.
    """
    path = find_external_file(relative, external_dir, evaluation)
    keep = set(keep)
    if "label_opinion" in read_text_file(path).partition("\n")[0]:  # BABE: opinion by experts
        rows = read_csv_rows(path, ("text", "label_opinion"), delimiter=";")
        pairs = [
            (str(i), r["text"], BABE_OPINION.get(r["label_opinion"], ""))
            for i, r in enumerate(rows)
        ]
    elif path.suffix == ".tsv":
        rows = read_csv_rows(path, ("sentence", "label"), delimiter="\t", quoting=csv.QUOTE_NONE)
        pairs = [(r.get("sentence_id", ""), r["sentence"], r["label"]) for r in rows]
    else:
        pairs = [
            (str(i), r["Sentence"], r["Label"])
            for i, r in enumerate(read_csv_rows(path, ("Sentence", "Label")))
        ]
    mapped = {"SUBJ": "opinion", "OBJ": "not_opinion"}
    return [
        LabelledSentence(f"{relative}#{sid}", text.strip(), mapped[label], relative)
        for sid, text, label in pairs
        if label in keep and text.strip()
    ]


def load_articles(data_cfg: dict) -> list[Article]:
    """Every article of the configured corpora."""
    articles = []
    for corpus in data_cfg["corpora"].values():
        if corpus is None:
            continue
        params = {key: value for key, value in corpus.items() if key != "loader"}
        articles += LOADERS.build(
            corpus["loader"], params, external_dir=data_cfg.get("external_dir")
        )
    if not articles:
        raise PipelineError("no articles: data.corpora is empty")
    return articles


def on_arrow(data_cfg: dict, articles: Sequence[Article]) -> bool:
    """Whether split and weak-label run on Arrow (`data.backend`): `arrow`, `memory` (also a
    config without the key), or `auto`: on Arrow from `data.arrow_above_chars` characters of
    article text on."""
    backend = data_cfg.get("backend", "memory")
    if backend == "auto":
        return sum(len(a.text) for a in articles) >= data_cfg["arrow_above_chars"]
    return backend == "arrow"


def load_opinion_sentences(data_cfg: dict) -> list[LabelledSentence]:
    """Sentences of the configured sentence-level corpora (SUBJ as opinion; OBJ when asked for),
    each distinct text once (NewsSD-ENG is contained in CheckThat!)."""
    keep = data_cfg.get("opinion_keep") or ["SUBJ"]
    seen: set[str] = set()
    sentences = []
    for path in data_cfg.get("opinion_sources") or []:
        for sentence in load_subjectivity(path, data_cfg.get("external_dir"), keep=keep):
            if sentence.text not in seen:
                seen.add(sentence.text)
                sentences.append(sentence)
    return sentences
