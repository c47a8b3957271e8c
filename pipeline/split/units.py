"""Units of an article (sentences and non-sentence lines) and the splitter registry.

A splitter maps an article's text to units with exact offsets
(`unit.text == text[unit.start:unit.end]`) that cover every non-space character once. Register one
with `@SPLITTERS.register("name")` on a function that returns it (its parameters are the config's
`splitter` keys besides `name`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from pipeline.core.registry import Registry

KINDS = ("sentence", "heading", "dateline", "byline", "other")


@dataclass(frozen=True)
class Unit:
    """A span of an article: a sentence or a non-sentence line."""

    text: str
    start: int
    end: int
    kind: str = "sentence"

    def to_dict(self) -> dict:
        return asdict(self)


def around(units: Sequence[Unit], i: int) -> tuple[str, str]:
    """The texts of the units before and after `units[i]` ("" at either end of the article)."""
    return units[i - 1].text if i else "", units[i + 1].text if i + 1 < len(units) else ""


def is_blank(char: str) -> bool:
    """White space as the splitter sees it.

    Unicode white space (no-break spaces too) and the byte-order mark.
    """
    return char.isspace() or char == "\ufeff"


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with white space."""
    while start < end and is_blank(text[start]):
        start += 1
    while end > start and is_blank(text[end - 1]):
        end -= 1
    return start, end


def make_unit(text: str, start: int, end: int, kind: str) -> list[Unit]:
    """The stripped span as a one-unit list, or nothing when it is blank."""
    start, end = strip_span(text, start, end)
    return [Unit(text[start:end], start, end, kind)] if end > start else []


# Text in, units out.
Splitter = Callable[[str], list[Unit]]
SPLITTERS: Registry[Callable[..., Splitter]] = Registry("splitter")


def units_from_ends(text: str, ends: Iterable[int]) -> list[Unit]:
    """Exact sentence units of `text` cut at the given sentence ends: every non-space character is
    in exactly one unit, whatever ends a third-party segmenter reports (out of range, unordered,
    dropped text)."""
    cuts = sorted({min(max(e, 0), len(text)) for e in ends} | {0, len(text)})
    return [u for a, b in itertools.pairwise(cuts) for u in make_unit(text, a, b, "sentence")]
