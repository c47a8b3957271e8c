"""Third-party sentence segmenters as splitters: applied line by line, their output turned into
exact units by one shared path (`units_from_ends`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from pipeline.core.errors import PipelineError
from pipeline.split.news import BLOCK, MAYBE_FINAL, NEVER_FINAL, NUMBER_ABBREVIATIONS
from pipeline.split.units import SPLITTERS, Splitter, Unit, units_from_ends


def ends_of_strings(text: str, sentences: Iterable[str]) -> list[int]:
    """Sentence ends of `text` for a segmenter that returns sentence strings.

    Each is found in order.
    """
    ends, pos = [], 0
    for sent in sentences:
        sent = sent.strip()
        found = text.find(sent, pos) if sent else -1
        if found >= 0:
            pos = found + len(sent)
            ends.append(pos)
    return ends


def line_by_line(segment: Callable[[str], Iterable[int]]) -> Callable[[str], list[Unit]]:
    """A splitter from a function that gives the sentence ends of one line: it is applied to every
    line, and a line's end always ends a unit."""

    def split(text: str) -> list[Unit]:
        ends = []
        for block in BLOCK.finditer(text):
            ends += [block.start() + e for e in segment(block.group())]
            ends.append(block.end())
        return units_from_ends(text, ends)

    return split


@functools.cache
def _pysbd_segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _pysbd(line: str) -> list[int]:
    return ends_of_strings(line, _pysbd_segmenter().segment(line))


def _syntok(line: str) -> list[int]:
    from syntok import segmenter

    return [
        sentence[-1].offset + len(sentence[-1].value)
        for paragraph in segmenter.analyze(line)
        for sentence in paragraph
        if sentence
    ]


def _blingfire(line: str) -> list[int]:
    import blingfire

    return ends_of_strings(line, blingfire.text_to_sentences(line).split("\n"))


# Abbreviations Punkt is told about (it cannot learn them here: its trained data is not downloaded).
PUNKT_ABBREVIATIONS = NEVER_FINAL | MAYBE_FINAL | NUMBER_ABBREVIATIONS


@functools.cache
def _punkt_tokenizer():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(PUNKT_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _punkt(line: str) -> list[int]:
    return [end for _, end in _punkt_tokenizer().span_tokenize(line)]


@functools.cache
def _spacy_pipeline():
    try:
        import spacy
    except ImportError:
        raise PipelineError("splitter 'spacy' needs spaCy: pip install -e '.[spacy]'") from None
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10**9  # the sentencizer keeps no large per-token state
    return nlp


def _spacy(line: str) -> list[int]:
    return [sent.end_char for sent in _spacy_pipeline()(line).sents]


@SPLITTERS.register("pysbd")
def pysbd() -> Splitter:
    """pysbd's rule-based segmenter."""
    return line_by_line(_pysbd)


@SPLITTERS.register("syntok")
def syntok() -> Splitter:
    """syntok's segmenter."""
    return line_by_line(_syntok)


@SPLITTERS.register("blingfire")
def blingfire() -> Splitter:
    """blingfire's segmenter."""
    return line_by_line(_blingfire)


@SPLITTERS.register("punkt")
def punkt() -> Splitter:
    """nltk's Punkt with the project's news abbreviations (no downloaded model)."""
    return line_by_line(_punkt)


@SPLITTERS.register("spacy")
def spacy() -> Splitter:
    """spaCy's rule-based sentencizer (`spacy.blank("en")`, no model download)."""
    return line_by_line(_spacy)
