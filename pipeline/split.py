"""Split stage: news articles into sentences and non-sentence lines.

`split_text` is line- and paragraph-aware: every non-empty line is a block; a block that
is a dateline, byline, credit line or subhead becomes one unit of that kind, any other
block is cut into sentences at terminal punctuation, with news abbreviations, initials,
decimals and quotations handled. Offsets are exact: ``unit.text == text[unit.start:unit.end]``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.sources import Article

KINDS = ("sentence", "heading", "dateline", "byline", "other")

# Abbreviations that never end a sentence (titles, months before a date, "No. 5").
_NEVER_FINAL = {
    "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "lt", "gen", "col", "capt", "cpt",
    "sgt", "maj", "adm", "cmdr", "rev", "hon", "pres", "supt", "det", "insp", "st", "mt", "ft",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "nos", "vol", "vols", "pp", "p", "approx", "est", "fig", "ch", "art", "sec", "vs",
    "e.g", "i.e", "cf", "al", "op", "v", "ave", "blvd", "rd", "dept", "univ", "assn", "bros",
}
# Abbreviations that may end a sentence: split only before a typical sentence opener.
_MAYBE_FINAL = {
    "u.s", "u.k", "u.n", "e.u", "d.c", "a.m", "p.m", "inc", "corp", "co", "ltd", "llc", "jr",
    "sr", "etc", "plc", "u.s.a", "n.y", "l.a",
}
_OPENERS = set(
    """a an the he she it they we i you this that these those there his her its their our my
    in on at but and or so yet however meanwhile also after before when while as if although
    though according some many most several no one two three all both each every other others
    officials police authorities what why how where who since until during despite then
    later earlier now today yesterday tomorrow last next""".split()
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATELINE = re.compile(
    rf"^(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}},\s+\d{{4}}$|^{_WEEKDAY},?\s+\d{{1,2}}\s+{_MONTH}\s+\d{{4}}$"
)
_DATELINE_PREFIX = re.compile(r"^[A-Z][A-Z .,'-]{2,40}(?:\([A-Za-z .]+\))?\s*(?:--|—|–)\s*")
_BYLINE = re.compile(
    r"^(?:By|Reporting by|Written by|Edited by)\s+[A-Z]|contributed to this report\.?$"
    r"|^(?:—|–|--)\s*\S|^(?:Photo|Image|Credit|Source)s?:\s",
    re.IGNORECASE,
)
_RELATED = re.compile(r"^(?:Related|See also|Read more|Sister links|Sources?)\b:?", re.IGNORECASE)
_BLOCK = re.compile(r"[^\n]+")
# A candidate boundary: terminal punctuation, closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s+)")
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_TOKEN_BEFORE = re.compile(r"(\S+?)[.!?…]*[\"'”’)\]]*$")
_SPACE = " \t\r\f\v\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\ufeff"


@dataclass(frozen=True)
class Unit:
    """A span of an article: a sentence or a non-sentence line."""

    text: str
    start: int
    end: int
    kind: str = "sentence"

    def to_dict(self) -> dict:
        return asdict(self)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with white space."""
    while start < end and (text[start].isspace() or text[start] in _SPACE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SPACE):
        end -= 1
    return start, end


def _line_kind(line: str) -> str | None:
    """The kind of a whole line when it is not running prose, else None."""
    if _DATELINE.match(line):
        return "dateline"
    if _BYLINE.search(line):
        return "byline"
    if _RELATED.match(line):
        return "other"
    words = line.split()
    ends_like_sentence = re.search(r"[.!?…][\"'”’)\]]*$", line) is not None
    if not ends_like_sentence and len(words) <= 15:
        return "heading"
    if line.endswith("?") and len(words) <= 4:
        return "heading"
    return None


def _is_boundary(block: str, end: int) -> bool:
    """Whether a sentence may end at `end` (just after its punctuation) in `block`."""
    rest = block[end:].lstrip()
    if not rest:
        return False
    first = rest[0]
    if not (first.isupper() or first.isdigit() or first in "\"'“‘([¿¡"):
        return False
    if block[end - 1] in "!?…\"'”’)]" and block[end - 1] != ".":
        return True
    token = _TOKEN_BEFORE.search(block[:end])
    word = token.group(1).lower().lstrip("\"'“‘([") if token else ""
    if re.fullmatch(r"[a-z]", word) and block[end - 2].isupper():
        return False  # an initial: "John F. Kennedy"
    if word in _NEVER_FINAL:
        return False
    if word in _MAYBE_FINAL or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        next_word = re.match(r"[\"'“‘(]*([A-Za-z]+)", rest)
        return bool(next_word) and next_word.group(1).lower() in _OPENERS
    return True


def _sentence_spans(block: str) -> list[tuple[int, int]]:
    """Sentence spans (relative to `block`) covering the whole block."""
    cuts = [m.end() for m in _BOUNDARY.finditer(block) if _is_boundary(block, m.end())]
    cuts += [m.start() for m in _GLUED.finditer(block) if not re.search(r"\w\.\w+$", block[: m.start() - 1])]
    edges = [0, *sorted(set(cuts)), len(block)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _split_block(text: str, start: int, end: int) -> list[Unit]:
    line = text[start:end]
    kind = _line_kind(line)
    if kind:
        return [Unit(line, start, end, kind)]
    units = []
    prefix = _DATELINE_PREFIX.match(line)
    offset = 0
    if prefix and prefix.end() < len(line):
        s, e = _strip_span(text, start, start + prefix.end())
        units.append(Unit(text[s:e], s, e, "dateline"))
        offset = prefix.end()
    for a, b in _sentence_spans(line[offset:]):
        s, e = _strip_span(text, start + offset + a, start + offset + b)
        if e > s:
            units.append(Unit(text[s:e], s, e, "sentence"))
    return units


def split_text(text: str) -> list[Unit]:
    """Split an article into units that cover every non-space character, in order."""
    units: list[Unit] = []
    for block in _BLOCK.finditer(text):
        start, end = _strip_span(text, block.start(), block.end())
        if end > start:
            units.extend(_split_block(text, start, end))
    return units


def _spans_from_sentences(text: str, sentences: list[str]) -> list[Unit]:
    """Align another splitter's sentence strings back onto `text` as exact spans."""
    units, pos = [], 0
    for sent in sentences:
        sent = sent.strip()
        if not sent:
            continue
        found = text.find(sent, pos)
        if found < 0:
            continue
        units.append(Unit(sent, found, found + len(sent)))
        pos = found + len(sent)
    return units


def line_by_line(segment: Callable[[str], list[str]]) -> Callable[[str], list[Unit]]:
    """Make a splitter from a function that cuts one line into sentence strings: it is applied to
    every line, and its sentences are aligned back onto the article as exact spans."""

    def split(text: str) -> list[Unit]:
        units = []
        for block in _BLOCK.finditer(text):
            units += [Unit(u.text, u.start + block.start(), u.end + block.start())
                      for u in _spans_from_sentences(block.group(), segment(block.group()))]
        return units

    return split


@functools.cache
def _pysbd_segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _pysbd(line: str) -> list[str]:
    return _pysbd_segmenter().segment(line)


def _syntok(line: str) -> list[str]:
    from syntok import segmenter

    return ["".join(t.spacing + t.value for t in sentence) for paragraph in segmenter.analyze(line)
            for sentence in paragraph]


def _blingfire(line: str) -> list[str]:
    import blingfire

    return blingfire.text_to_sentences(line).split("\n")


split_pysbd = line_by_line(_pysbd)


def split_corpus(articles: Sequence[Article], splitter: Callable[[str], list[Unit]]) -> dict[str, list[Unit]]:
    """Split every article, keyed by document id, with a progress bar on long corpora."""
    from tqdm.auto import tqdm

    return {a.doc_id: splitter(a.text) for a in tqdm(articles, desc="split", unit="doc", disable=len(articles) < 50)}


def split_batch(batch: dict[str, list], splitter: str = "news") -> dict[str, list]:
    """`Dataset.map(batched=True)` body: article rows (`doc_id`, `text`) in, one row per unit out."""
    split_fn = get_splitter(splitter)
    out: dict[str, list] = {k: [] for k in ("doc_id", "index", "start", "end", "kind", "text", "prev_text")}
    for doc_id, text in zip(batch["doc_id"], batch["text"]):
        prev = ""
        for i, unit in enumerate(split_fn(text or "")):
            for key, value in (("doc_id", doc_id), ("index", i), ("start", unit.start), ("end", unit.end),
                               ("kind", unit.kind), ("text", unit.text), ("prev_text", prev)):
                out[key].append(value)
            prev = unit.text
    return out


def split_dataset(articles, splitter: str = "news", num_proc: int | None = None, batch_size: int = 64):
    """Split a `datasets.Dataset` of articles (columns `doc_id`, `text`) into a dataset of units,
    in Arrow batches (optionally across processes) rather than Python lists of every article."""
    return articles.map(split_batch, batched=True, batch_size=batch_size, num_proc=num_proc,
                        fn_kwargs={"splitter": splitter}, remove_columns=articles.column_names, desc="split")


SPLITTERS: dict[str, Callable[[str], list[Unit]]] = {
    "news": split_text,
    "pysbd": split_pysbd,
    "syntok": line_by_line(_syntok),
    "blingfire": line_by_line(_blingfire),
}


def get_splitter(name: str) -> Callable[[str], list[Unit]]:
    """Look up a splitter by its config name."""
    if name not in SPLITTERS:
        from pipeline.errors import PipelineError

        raise PipelineError(f"unknown splitter {name!r}; choose one of: {', '.join(SPLITTERS)}")
    return SPLITTERS[name]
