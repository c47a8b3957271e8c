"""Split stage: news articles into sentences and non-sentence lines.

`split_text` is line- and paragraph-aware: every non-empty line is a block; a block that is a
dateline, byline, credit line, related-link line or subhead becomes one unit of that kind, a photo
caption is cut from its credit, a credit line ("... contributed to this report.") from the sentences
before it on its line, an interview line from its speaker label, and any other block is cut into
sentences at terminal punctuation, with news abbreviations (and the sentence ends they may make),
initials, decimals, ellipses, a missing space after a full stop, inline lists and quotations
followed by their attribution handled. Offsets are exact:
``unit.text == text[unit.start:unit.end]``, and the units cover every non-space character once.

The other splitters (`SPLITTERS`) wrap third-party segmenters, applied line by line; whatever they
return is turned into exact units by one shared path (`units_from_ends`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from pipeline.split.units import SPLITTERS, Splitter, Unit, make_unit, strip_span

# Abbreviations that never end a sentence (titles, months before a date, "No. 5", "pp. 3").
NEVER_FINAL = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "messrs",
        "mme",
        "dr",
        "prof",
        "gov",
        "govs",
        "sen",
        "sens",
        "rep",
        "reps",
        "lt",
        "gen",
        "col",
        "capt",
        "cpt",
        "sgt",
        "cpl",
        "pvt",
        "maj",
        "adm",
        "cmdr",
        "brig",
        "rev",
        "msgr",
        "fr",
        "hon",
        "pres",
        "supt",
        "det",
        "insp",
        "amb",
        "atty",
        "asst",
        "mt",
        "ft",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "vol",
        "vols",
        "pp",
        "p",
        "approx",
        "est",
        "fig",
        "figs",
        "ch",
        "art",
        "sec",
        "vs",
        "v",
        "e.g",
        "i.e",
        "cf",
        "op",
        "n°",
        "nº",
    ]
)
# Abbreviations that may end a sentence: they do only before a typical sentence opener.
MAYBE_FINAL = frozenset(
    [
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "d.c",
        "a.m",
        "p.m",
        "inc",
        "corp",
        "co",
        "cos",
        "ltd",
        "llc",
        "plc",
        "kft",
        "pty",
        "jr",
        "sr",
        "etc",
        "al",
        "st",
        "ave",
        "blvd",
        "rd",
        "dept",
        "univ",
        "assn",
        "bros",
        "u.s.a",
        "n.y",
        "l.a",
        "ala",
        "ariz",
        "ark",
        "calif",
        "colo",
        "conn",
        "fla",
        "kan",
        "ky",
        "md",
        "mich",
        "minn",
        "mont",
        "neb",
        "nev",
        "okla",
        "tenn",
        "vt",
        "wis",
        "wyo",
    ]
)
# "No." and "Nos." abbreviate "number" only before a numeral.
NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})
_OPENERS = frozenset(
    [
        "a",
        "an",
        "the",
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "this",
        "that",
        "these",
        "those",
        "there",
        "his",
        "her",
        "its",
        "their",
        "our",
        "my",
        "in",
        "on",
        "at",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "however",
        "meanwhile",
        "also",
        "after",
        "before",
        "when",
        "while",
        "as",
        "if",
        "although",
        "though",
        "according",
        "some",
        "many",
        "most",
        "several",
        "no",
        "one",
        "two",
        "three",
        "all",
        "both",
        "each",
        "every",
        "other",
        "others",
        "officials",
        "police",
        "authorities",
        "what",
        "why",
        "how",
        "where",
        "who",
        "since",
        "until",
        "during",
        "despite",
        "then",
        "later",
        "earlier",
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "last",
        "next",
        "mr",
        "mrs",
        "ms",
        "dr",
        # prepositions, conjunctions and sentence adverbs: written with a capital after an
        # abbreviation only when they open a sentence ("... King Jr. For over a decade, ...")
        "for",
        "with",
        "by",
        "from",
        "to",
        "of",
        "among",
        "about",
        "against",
        "over",
        "through",
        "within",
        "without",
        "because",
        "unless",
        "whether",
        "instead",
        "still",
        "even",
        "only",
        "such",
        "here",
        "thus",
        "therefore",
        "moreover",
        "furthermore",
        "nevertheless",
        "nonetheless",
        "indeed",
        "currently",
        "recently",
        "previously",
        "initially",
        "finally",
        "separately",
        "following",
    ]
)
# Abbreviations that close a name (company suffixes): one that ends a clause may also end the
# sentence before a new subject, a name of one or two words followed by its verb ("... sold to
# Acme Holding LLC. DaimlerChrysler has sold 80.1% ..."). So do a district or state after a
# comma ("Washington, D.C. Russert entered politics ..."). "U.S.", "U.K.", "Jr." or "Bros." do
# not: they often stand before a name ("the U.S. Navy has", "King Jr. Day is").
_AFTER_NAME = frozenset(
    ["inc", "corp", "co", "cos", "ltd", "llc", "plc", "kft", "pty", "s.a", "n.v"]
)
# Abbreviations that often stand before a name, even after a comma ("In Canada, U.S. Steel ...",
# "Martin Luther King, Jr. Day").
_BEFORE_NAME = frozenset(["u.s", "u.k", "u.n", "e.u", "jr", "sr", "st", "bros", "u.s.a"])
# "etc." closes a list: a capitalised word after it opens a new sentence.
_CLOSES_LIST = frozenset(["etc"])
# A finite verb: auxiliaries, common irregular past tenses and any "-ed" form.
_VERB = (
    r"(?:is|was|are|were|has|have|had|will|would|could|can|may|might|must|should|shall|did|does"
    r"|said|says|say|told|became|becomes|remains|met|went|came|took|made|gave|held|left|led|won"
    r"|lost|sold|bought|paid|saw|got|began|ran|fell|rose|grew|knew|found|kept|brought|thought"
    r"|spent|sent|built|stood|spoke|wrote|chose|flew|fought|felt|heard|struck|taught|[a-z]{2,}ed)"
)
# A subject of one or two capitalised words (no titles, no acronyms) and its verb.
_TITLES = frozenset(
    [
        "President",
        "Chairman",
        "Chairwoman",
        "Chief",
        "Director",
        "Spokesman",
        "Spokeswoman",
        "Secretary",
        "Senator",
        "Governor",
        "Minister",
        "Judge",
        "Justice",
        "Mayor",
        "Executive",
        "Officer",
        "Manager",
    ]
)
_NAME_VERB = re.compile(
    rf"([A-Z][a-z][\w'’-]*)(?:\s+([A-Z][a-z][\w'’-]*))?(?:['’]s\s+[a-z]+)?\s+(?:also\s+)?{_VERB}\b"
)
_HEAD_VERB = re.compile(rf"\b{_VERB}\b")
_REPORTING = (
    r"(?:said|says|asked|asks|told|tells|added|adds|wrote|writes|explained|noted|stated|replied|remarked"
    r"|argued|warned|tweeted|exclaimed|insisted|recalled|concluded|declared|commented|claimed|continued)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_DATELINE = re.compile(
    rf"^(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}},\s+\d{{4}}$|^{_WEEKDAY},?\s+\d{{1,2}}\s+{_MONTH}\s+\d{{4}}$"
)
_DATELINE_PREFIX = re.compile(r"^[A-Z][A-Z .,'-]{2,40}(?:\([A-Za-z .]+\))?\s*(?:--|—|–)\s*")
# A byline ("By Jane Roe", "Reporting by Jo Roe") and, for every line, the "—Name" line under a
# pull quote and a credit line ("Photo: ...").
_BY_LINE = re.compile(r"(?i:By|Reporting by|Written by|Edited by)\s+[A-Z]")
_BYLINE = re.compile(r"(?:—|–|--)\s*\S|\(?(?:Photo|Image|Credit|Source)s?:\s", re.IGNORECASE)
# A credit line at the end of a line, alone or after the last sentence: "CNN's Jo Roe contributed
# to this report.", "The AP contributed reporting from Paris.", "(Reporting by Jo Roe; Editing by
# Al Li)", "With files from The Canadian Press." Names hold no full stop but an initial's or a short
# title's ("Jo R. Roe", "U.S.", "Jr.").
_NAME_CHARS = r"(?:[^.!?\n]|(?<=\b[A-Z])\.|(?<=\b[A-Z][a-z])\.)"
_CREDIT_LINE = re.compile(
    rf"\(?(?:[A-Z]{_NAME_CHARS}*?\scontributed(?: reporting| to this (?:report|story|article))"
    rf"(?:\s+from\s+[A-Z]{_NAME_CHARS}*?)?|(?:Additional reporting|Reporting|Writing|Editing"
    rf"|With files|With reporting) (?:by|from)\s+[A-Z]{_NAME_CHARS}*?)\.?\)?$"
)
# Where a sentence may start after another; not after an initial or a short title ("Jo R. Roe").
_SENTENCE_GAP = re.compile(r"[.!?\"'”’)\]]\s+")
_INITIAL_BEFORE = re.compile(r"(?:^|\s)[A-Z][a-z]?\.\s+$")
_RELATED = re.compile(r"^(?:Related|See also|Read more|Sister links|Sources?)\b:?", re.IGNORECASE)
# A photo credit at the end of a caption line: "Rex, a dog. Image: Jo Roe."
_CREDIT = re.compile(r"\s(\(?(?:Image|Photo|Photograph|Picture|Credit)s?:\s[^\n]{1,80})$")
# Wikinews' interviewer tag ("((WN))") and language tag ("((hu))Hungarian language: ",
# "((ru))Russian: ").
_INTERVIEWER_TAG = re.compile(r"\(\([A-Z][A-Za-z]{1,11}\)\)")
_TAG = re.compile(
    r"\(\((?:[A-Z][A-Za-z]{1,11}|[a-z]{2,3})\)\)(?:[A-Z][a-z]+(?: language)?:\s*\u200d?)?"
)
# An interviewee's label at the start of an answer: "Jane Roe:", "JR:" or bare initials "JR".
_INITIALS = r"(?P<initials>[A-Z]{2,4})(?=\s+[A-Z\"“])"
_SPEAKER = re.compile(rf"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){{0,3}}:(?=\s+\S)|{_INITIALS}")
# Inline list markers: "1.)", "2)", "3.", "a.", optionally after a bullet.
_LIST_MARKER = re.compile(r"(?:^|(?<=\s))[•⁃‣◦▪*-]?\s*(\d{1,3}|[a-z])(?:\.\)|\)|\.)(?=\s)")
BLOCK = re.compile(r"[^\n]+")
# A candidate boundary: terminal punctuation and closing quotes/brackets before white space, or
# (group "glued") a full stop with no space after it, perhaps with a quotation mark:
# "He left.She stayed.", "It passed 218-214.The Senate ...", 'He said "no."Then ...'
_BOUNDARY = re.compile(
    r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s)|(?P<glued>[.!?])(?P<closer>[\"”’)\]]?)(?=[\"“‘]?[A-Z][a-z])"
)
# A number before a glued full stop: "218-214", "1993", "$1.5", "50%" (not "No.5", "v2").
_NUMBER = re.compile(r"[\"'“‘(\[]*(?:[A-Z]{0,2}[$€£¥])?\d[\d.,:/–-]*%?")
_CLOSERS = "\"'”’)]"
_DOMAIN = re.compile(r"(?:Com|Org|Net|Edu|Gov|Info|Biz)\b")  # "MySpace.Com", "Silicon.Com"
_TRAILING_DOTS = re.compile(r"(?:\s?\.)+$")
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")  # "u.s", "d.c"
_MARKER = re.compile(r"\W*(?:\d{1,3}|[A-Za-z])[.)]+")  # a list marker: "1.)", "a."
_NEXT_WORD = re.compile(r"[\"'“‘(\[]*([A-Za-z]+)")
_ATTRIBUTION = re.compile(rf"(?:[A-Z][\w'’.-]*\s+){{1,4}}{_REPORTING}(?:[.!?]|$)")
_CITATION = re.compile(r"\([^()]{1,40}\)[.!?]")
_LEADING_ELLIPSIS = re.compile(r"\.(?:\s?\.){2}\s+[A-Z]")
_ALNUM = re.compile(r"[^\W_]")
_NOT_DOTS = re.compile(r"[^\s.…]")


# --- Sentence boundaries inside one block -------------------------------------------------------


def _starts_sentence(rest: str, attached: bool) -> bool:
    """Whether `rest` (the text after a candidate, spaces stripped) may open a sentence."""
    if not _ALNUM.search(rest):
        return False  # only closing punctuation follows
    first = rest[0]
    if first.isupper() or first.isdigit() or first in "\"'“‘[¿¡":
        return True
    if first.islower() and rest[1:2].isupper():
        return True  # a name written with a small first letter: "iTunes", "eBay"
    if first == "(":
        return not _CITATION.match(rest)  # "(Smith 55)." belongs to the sentence before
    return attached and _LEADING_ELLIPSIS.match(rest) is not None  # "compounds. . . . The"


def _ellipsis_ends(tail: str, rest: str) -> bool | None:
    """For a sentence ending in an ellipsis: four dots end it, three (an omission) end it unless the
    pronoun "I" follows an unbracketed one; None when there is no ellipsis."""
    tail = tail.rstrip("\"'”’)")
    bracketed = tail.endswith("]")
    tail = tail.rstrip("]")
    if tail.endswith("…"):
        count = 3
    elif tail.endswith((". .", "..")):
        count = _TRAILING_DOTS.search(tail).group().count(".")
    else:
        return None
    if count < 3:
        return None
    return count > 3 or bracketed or not re.match(r"I\b", rest)


def _closes_name(word: str, head: str) -> bool:
    """Whether the abbreviation `word` that ends `head` closes a name: a company suffix, or a
    district or state after a comma ("Washington, D.C.", "St. John's, N.L.")."""
    if word in _AFTER_NAME:
        return True
    before = head.rstrip()[: -len(word) - 1].rstrip()
    return before.endswith(",") and word not in _BEFORE_NAME


def _new_subject(word: str, head: str, rest: str) -> bool:
    """Whether, after an abbreviation that closes a name, `rest` opens a new clause: a name of one
    or two words and its verb, after a head that has a verb of its own (without one, the name is
    the subject of the head: "The co-founder of Apple Inc. Steve Jobs has died")."""
    if not _closes_name(word, head):
        return False
    subject = _NAME_VERB.match(rest)
    return (
        subject is not None
        and not {subject.group(1), subject.group(2)} & _TITLES
        and _HEAD_VERB.search(head) is not None
    )


def _abbreviation_ends(word: str, head: str, rest: str) -> bool | None:
    """For a sentence ending in an abbreviation, whether it ends there; None for other words."""
    if word in NEVER_FINAL or (word in NUMBER_ABBREVIATIONS and rest[:1].isdigit()):
        return False
    if word in MAYBE_FINAL or _DOTTED.fullmatch(word):
        if len(head.split()) < 4:
            return False  # a fronted phrase such as "At 5 a.m."
        next_word = _NEXT_WORD.match(rest)
        if not next_word:
            return False
        if next_word.group(1).lower() in _OPENERS:
            return True
        if word in _CLOSES_LIST:
            return next_word.group(1)[0].isupper()
        return _new_subject(word, head, rest)
    return None


def _last_word(tail: str) -> str:
    """The last word before a candidate end, lower-cased, without its punctuation and quotes."""
    words = tail.rsplit(None, 1)
    return words[-1].rstrip(".!?…\"'”’)]").lstrip("\"'“‘([").lower() if words else ""


def _is_initial(tail: str, word: str) -> bool:
    """A capital letter and a full stop, as in "John F. Kennedy".

    The pronoun in "you and I." and the numeral in "World War I." do not count.
    """
    if len(word) != 1 or not "a" <= word <= "z" or not tail.rstrip(".\"'”’)]")[-1:].isupper():
        return False
    before = tail.rstrip(".\"'”’)]")[:-1].split()
    return not (word == "i" and before and (before[-1][:1].islower() or before[-1] == "War"))


def _is_boundary(block: str, last: int, mark: int, end: int) -> bool:
    """Whether a sentence that began at `last` may end at `end`.

    Its terminal punctuation starts at `mark`.
    """
    rest = block[end : end + 120].lstrip()
    attached = mark > 0 and block[mark - 1].isalnum() and block[mark:end] == "."
    if not _starts_sentence(rest, attached) or not _NOT_DOTS.search(block, last, end):
        return False
    if end - last < 10 and _MARKER.fullmatch(block[last:end].strip()):
        return False  # a list marker: "1.)", "a."
    closers = block[mark:end].lstrip(".!?…")
    if closers and closers[0] in "\"'”’" and _ATTRIBUTION.match(rest):
        return False  # '"Why now?" Smith asked.'
    tail = block[max(last, end - 60) : end]
    ellipsis = _ellipsis_ends(tail, rest)
    if ellipsis is not None:
        return ellipsis
    if "!" in block[mark:end] or "?" in block[mark:end]:
        return True
    word = _last_word(tail)
    if _is_initial(tail, word):
        return False
    ends = _abbreviation_ends(word, block[last:end], rest)
    return True if ends is None else ends


def _glued_end(block: str, match: re.Match) -> int | None:
    """Where a sentence ends at a full stop with no space after it, or None when it does not: after
    a lower-case word or a number (and any closing quotation marks), not inside an e-mail or web
    address or a dotted name. A straight quotation mark after the stop closes the sentence when it
    is the block's odd one, else it opens the next ('"no."Then' against 'left."We')."""
    mark = match.start()
    word_end = mark
    while word_end and block[word_end - 1] in _CLOSERS:
        word_end -= 1
    start = block.rfind(" ", 0, mark) + 1
    before = block[max(word_end - 2, start) : word_end]
    if len(before) == 2 and before.isalpha() and before.islower():
        end = block.find(" ", mark)
        token = block[start : end if end >= 0 else len(block)]
        if (
            "@" in token
            or "://" in token
            or "." in block[start:mark]
            or token.lower().startswith("www.")
            or _DOMAIN.match(block, mark + 1)
        ):
            return None
    elif not (before[-1:].isdigit() or before[-1:] == "%") or not _NUMBER.fullmatch(
        block, start, word_end
    ):
        return None
    if match.group("closer") == '"' and block.count('"', 0, mark) % 2 == 0:
        return mark + 1
    return match.end()


def _candidates(block: str) -> list[tuple[int, int]]:
    """(punctuation start, end) of every possible sentence end, in order."""
    found = []
    for m in _BOUNDARY.finditer(block):
        end = m.end() if m.group("glued") is None else _glued_end(block, m)
        if end is not None:
            found.append((m.start(), end))
    return found


def _sentence_ends(block: str) -> list[int]:
    """Offsets (in `block`) where a sentence ends, before the block's own end."""
    ends, last = [], 0
    for mark, end in _candidates(block):
        if end > last and _is_boundary(block, last, mark, end):
            ends.append(end)
            last = end
    return ends


def _list_starts(block: str) -> list[int]:
    """Where the items of an inline list start ("1) one 2) two"), or [] when the block is no such
    list: it must open with a marker and carry at least two markers numbered or lettered in
    sequence."""
    if not _LIST_MARKER.match(block):
        return []
    starts, expected = [], None
    for m in _LIST_MARKER.finditer(block):
        value = int(m.group(1)) if m.group(1).isdigit() else ord(m.group(1))
        if expected is None or value == expected:
            starts.append(m.start())
            expected = value + 1
    return starts if len(starts) >= 2 else []


# --- Lines --------------------------------------------------------------------------------------


def _credit_start(line: str) -> int | None:
    """Where a credit line at the end of `line` starts (0 for a whole credit line), or None: the
    last sentence start from which the rest of the line is a credit."""
    if not ("contributed" in line or "ing by " in line or "files from" in line):
        return None
    starts = [0] + [m.end() for m in _SENTENCE_GAP.finditer(line)]
    for start in reversed(starts):
        if start and _INITIAL_BEFORE.search(line[max(start - 6, 0) : start]):
            continue
        if _CREDIT_LINE.match(line, start):
            return start
    return None


def _is_by_line(line: str) -> bool:
    """A byline that names its writer: "By Jane Roe, CNN", not a sentence that opens with "By"
    ("By law, all male residents must register.", "By April 9, all copies had been sold.")."""
    return _BY_LINE.match(line) is not None and len(line.split()) <= 12 and line[-1] not in '.!?"”'


def _line_kind(line: str) -> str | None:
    """The kind of a whole line that is a dateline, byline or related-link line, else None."""
    if _DATELINE.match(line):
        return "dateline"
    if _BYLINE.match(line) or _is_by_line(line):
        return "byline"
    if _RELATED.match(line):
        return "other"
    return None


def _is_heading(line: str, ends: Sequence[int]) -> bool:
    """A subhead or caption: one short sentence without a full stop, or a very short question."""
    if ends:
        return False
    words = line.split()
    if line.rstrip("\"'”’)]")[-1:] not in (".", "!", "?", "…"):
        return len(words) <= 15
    return line.endswith("?") and len(words) <= 4


def _speaker_label(line: str, speakers: frozenset[str]) -> int:
    """Length of an interview line's leading speaker label ("((WN))", "JR:", or initials such as
    "JR" that open two or more answers), else 0."""
    tag = _INTERVIEWER_TAG.match(line)
    if tag:
        return tag.end()
    label = _SPEAKER.match(line)
    if label and (label.group("initials") is None or label.group("initials") in speakers):
        return label.end()
    return 0


def _sentences(text: str, start: int, end: int, ends: Sequence[int] | None = None) -> list[Unit]:
    """Sentence units of text[start:end] (which ends, if known, at `ends`); a leading Wikinews tag
    and a bare "[...]" are kind other."""
    block = text[start:end]
    edges = [0, *(_sentence_ends(block) if ends is None else ends), len(block)]
    units = []
    for a, b in itertools.pairwise(edges):
        a = strip_span(block, a, b)[0]
        tag = _TAG.match(block, a)
        if tag and tag.end() < b:
            units += make_unit(text, start + a, start + tag.end(), "other")
            a = tag.end()
        for unit in make_unit(text, start + a, start + b, "sentence"):
            units.append(
                unit
                if re.search(r"\w", unit.text)
                else Unit(unit.text, unit.start, unit.end, "other")
            )
    return units


def _body(text: str, start: int, end: int, labelled: bool = False) -> list[Unit]:
    """A line's running text: list items, a subhead (unless it follows a label), or sentences."""
    line = text[start:end]
    items = _list_starts(line)
    if items:
        return [
            u
            for a, b in itertools.pairwise([*items, len(line)])
            for u in _sentences(text, start + a, start + b)
        ]
    ends = _sentence_ends(line)
    if not labelled and _is_heading(line, ends):
        return make_unit(text, start, end, "heading")
    return _sentences(text, start, end, ends)


def _leading_label(line: str, speakers: frozenset[str] | None) -> tuple[int, str]:
    """Length and kind of a line's leading dateline ("WASHINGTON (CNN) --") or, in an interview,
    speaker label; (0, "other") when there is none."""
    prefix = _DATELINE_PREFIX.match(line)
    if prefix and prefix.end() < len(line):
        return prefix.end(), "dateline"
    return (_speaker_label(line, speakers) if speakers is not None else 0), "other"


def _split_line(text: str, start: int, end: int, speakers: frozenset[str] | None) -> list[Unit]:
    """Units of one non-blank line text[start:end] (already stripped)."""
    line = text[start:end]
    kind = _line_kind(line)
    if kind:
        return [Unit(line, start, end, kind)]
    credit_line = _credit_start(line)
    if credit_line == 0:
        return [Unit(line, start, end, "byline")]
    if credit_line:  # a credit line after the last sentence: "... CNN contributed to this report."
        return _split_line(
            text, *strip_span(text, start, start + credit_line), speakers
        ) + make_unit(text, start + credit_line, end, "byline")
    credit = _CREDIT.search(line, max(len(line) - 100, 0)) if ":" in line else None
    if credit and credit.start() > 0:
        return make_unit(text, start, start + credit.start(), "heading") + make_unit(
            text, start + credit.start(1), end, "byline"
        )
    cut, kind = _leading_label(line, speakers)
    return make_unit(text, start, start + cut, kind) + _body(
        text, *strip_span(text, start + cut, end), labelled=cut > 0
    )


def _interview_speakers(text: str) -> frozenset[str] | None:
    """In an interview, the initials that open two or more answers; else None.

    An interview's lines open with "((WN))".
    """
    lines = [m.group() for m in BLOCK.finditer(text)]
    if not any(_INTERVIEWER_TAG.match(line.strip()) for line in lines):
        return None
    openers = Counter(
        m.group("initials") for line in lines for m in [re.match(_INITIALS, line.strip())] if m
    )
    return frozenset(word for word, n in openers.items() if n >= 2)


def _related_links(units: list[Unit]) -> list[Unit]:
    """A lone subhead between the last sentence and the closing credits heads nothing: it is a
    related-link line (kind other)."""
    tail = len(units)
    while tail and units[tail - 1].kind == "byline":
        tail -= 1
    if tail >= 2 and units[tail - 1].kind == "heading" and units[tail - 2].kind == "sentence":
        units[tail - 1] = Unit(
            units[tail - 1].text, units[tail - 1].start, units[tail - 1].end, "other"
        )
    return units


def split_text(text: str) -> list[Unit]:
    """Split an article into units that cover every non-space character, in order."""
    speakers = _interview_speakers(text) if "((" in text else None
    units: list[Unit] = []
    for block in BLOCK.finditer(text):
        start, end = strip_span(text, block.start(), block.end())
        if end > start:
            units.extend(_split_line(text, start, end, speakers))
    return _related_links(units)


@SPLITTERS.register("news")
def news() -> Splitter:
    """The project's news-aware splitter."""
    return split_text
