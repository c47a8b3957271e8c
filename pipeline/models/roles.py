"""Role cues of a news sentence, read with regular expressions: the reporting frame of its main
clause, the state of quotation marks across it and the sentence before, and measures of a
government or institution (LABELS.md: quote first, then policy).

`role_features` gives one row of `ROLE_NAMES` per sentence; `abstract_text` rewrites a sentence as
word classes (reporting verb, institution, measure, capitalised word, number; function words kept),
so that n-grams over it see frames such as `CAP CAP RV that` whoever speaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from pipeline.core.patterns import trie_pattern


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Verbs that introduce a source's words, finding or judgement, in all their forms.
REPORTING_VERBS = _word_set(
    """
    say says said saying tell tells told telling state states stated announce announces announced
    add adds added ask asks asked write writes wrote argue argues argued warn warns warned
    explain explains explained note notes noted claim claims claimed insist insists insisted
    tweet tweets tweeted comment comments commented remark remarks remarked confirm confirms
    confirmed testify testifies testified acknowledge acknowledges acknowledged describe describes
    described report reports reported admit admits admitted deny denies denied urge urges urged
    reply replies replied respond responds responded declare declares declared reveal reveals
    revealed stress stresses stressed reiterate reiterates reiterated recall recalls recalled
    suggest suggests suggested predict predicts predicted estimate estimates estimated reckon
    reckons reckoned find finds found conclude concludes concluded show shows showed establish
    establishes established believe believes believed think thinks thought contend contends
    contended maintain maintains maintained assert asserts asserted emphasise emphasises emphasised
    emphasize emphasizes emphasized promise promises promised vow vows vowed pledge pledges
    pledged blame blames blamed criticise criticises criticised criticize criticizes criticized
    praise praises praised welcome welcomes welcomed condemn condemns condemned brand brands
    branded dismiss dismisses dismissed defend defends defended accuse accuses accused allege
    alleges alleged complain complains complained concede concedes conceded observe observes
    observed mention mentions mentioned call calls called quip quips quipped
    """
)
INSTITUTIONS = (
    r"governments?|administration|ministry|ministers?|parliament(?:ary)?|congress|senate|council|"
    r"courts?|judges?|authorit(?:y|ies)|police|agency|department|commission|lawmakers|legislators|"
    r"legislature|cabinet|regulators?|federal|officials|president|prime minister|governor|mayor|"
    r"EU|UN|NATO|military|army|troops|assembly|central bank|treasury|white house|kremlin"
)
MEASURES = (
    r"laws?|bills?|acts?|legislation|regulations?|rules?|bans?|polic(?:y|ies)|programmes?|programs?|"
    r"budgets?|funding|funds?|tax(?:es)?|tariffs?|sanctions?|orders?|rulings?|decrees?|reforms?|"
    r"plans?|schemes?|subsid(?:y|ies)|stimulus|treat(?:y|ies)|amendments?|referendum|votes?|"
    r"ballots?|penalt(?:y|ies)|sentences?|fines?|investigations?|inquiry|deployment|enforcement|"
    r"measures?|restrictions?|mandates?|moratorium|curfew|lockdown|quarantine|visas?|permits?|"
    r"licen[cs]es?|constitution|statute|ordinance|resolution|veto|impeachment|injunction|grants?|"
    r"spending|pensions?|benefits|ceasefire|embargo"
)
MEASURE_VERBS = (
    r"approv(?:e|es|ed|ing)|pass(?:es|ed)?|enact(?:s|ed)?|impos(?:e|es|ed|ing)|"
    r"introduc(?:e|es|ed|ing)|propos(?:e|es|ed|ing)|bann?(?:ed|s)?|order(?:s|ed)?|rul(?:e|es|ed)|"
    r"vot(?:e|es|ed|ing)|veto(?:es|ed)?|sign(?:s|ed)|allocat(?:e|es|ed)|fund(?:s|ed)?|"
    r"deploy(?:s|ed)?|enforc(?:e|es|ed|ing)|authori[sz](?:e|es|ed)|requir(?:e|es|ed)|"
    r"mandat(?:e|es|ed)|implement(?:s|ed)?|adopt(?:s|ed)?|repeal(?:s|ed)?|abolish(?:es|ed)?|"
    r"legali[sz](?:e|es|ed)|restrict(?:s|ed)?|suspend(?:s|ed)?|sanction(?:s|ed)?|levy|levied|"
    r"prohibit(?:s|ed)?|outlaw(?:s|ed)?|instituted?|appoint(?:s|ed)?|nominat(?:e|es|ed)|"
    r"grant(?:s|ed)?|exempt(?:s|ed)?|pardon(?:s|ed)?|evacuat(?:e|es|ed)|investigat(?:e|es|ed|ing)|"
    r"prosecut(?:e|es|ed)|charg(?:e|es|ed)|sentenced|extradit(?:e|es|ed)|expel(?:s|led)?|"
    r"deport(?:s|ed)?"
)

_RV = trie_pattern(REPORTING_VERBS)
_WORD = r"[\w.'’\-]+"
_REPORTING = re.compile(rf"\b{_RV}\b", re.I)
_SOURCED = re.compile(
    r"\baccording to\b|\bquoted\b|\bcit(?:ed|ing)\b|"
    r"\bin (?:a|an|his|her|their|its) (?:statement|interview|speech|report|letter|post|tweet)\b",
    re.I,
)
_LEAD = r"^(?:(?:but|and|however|meanwhile|also|later|earlier|on \w+|in \w+|yesterday|today)[, ]+)*"
# Subject and reporting verb open the main clause: `Obama told ...`, `The study found ...`.
_FRAME_START = re.compile(
    rf"{_LEAD}(?:{_WORD}\s+){{0,7}}?(?:(?:also|later|has|have|had)\s+)?{_RV}\b", re.I
)
# A reporting verb whose complement is a that-clause: `told the leaders that ...`.
_FRAME_THAT = re.compile(rf"\b{_RV}\b(?:\s+{_WORD}){{0,4}}?\s+that\b", re.I)
# The frame closes the sentence: `..., X said.`, `..., said X.`, `..., according to X.`
_FRAME_END = re.compile(
    rf"[,;—–-]\s*(?:{_WORD}\s+){{0,6}}{_RV}(?:\s+{_WORD}){{0,6}}\s*[.!?]?[\"”’]?$"
    rf"|,\s*{_RV}\s+(?:{_WORD}\s*){{1,6}}[.!?]?$|\baccording to\b[^,]*[.!?]?$",
    re.I,
)
_SOURCE_NOUN = re.compile(
    r"\b(?:spokes(?:man|woman|person)|officials?|statement|stud(?:y|ies)|survey|poll|report|"
    r"researchers|scientists|findings|analysts|experts|sources|press release|interview|"
    r"reporters|news agency|newspaper)\b",
    re.I,
)
_MARK = re.compile(r"[\"“”]")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]|‘[^’]{3,}’(?!\w)")
_LONG_QUOTATION = re.compile(r"[\"“][^\"“”]{12,}[\"”]|‘[^’]{12,}’(?!\w)")
_SINGLE_QUOTATION = re.compile(r"‘[^’]{3,}’(?!\w)")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|me|my|My|our|Our|us|I'm|we're|I've|we've)\b")
_SECOND_PERSON = re.compile(r"\b(?:you|your|You|Your)\b")
_ELLIPSIS_ONLY = re.compile(r"^\W*(?:\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…)\W*$")
_DATELINE = re.compile(
    r"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+\w+\s+\d{1,2},?\s+\d{4}$"
)
_INSTITUTION = re.compile(rf"\b(?:{INSTITUTIONS})\b", re.I)
_MEASURE = re.compile(rf"\b(?:{MEASURES})\b", re.I)
_MEASURE_VERB = re.compile(rf"\b(?:{MEASURE_VERBS})\b", re.I)
_PLANNED = re.compile(
    r"\b(?:will|would|shall|plans? to|planning to|(?:is|are) (?:expected|set|due|scheduled|going) "
    r"to|intends? to|aims? to|seeks? to|considering|under consideration|proposed|proposal|"
    r"(?:is|are|was|were) to)\b",
    re.I,
)
_MONEY = re.compile(
    r"(?:\$|€|£|¥)\s?\d|\b\d[\d.,]*\s*(?:million|billion|trillion|bn)\b|\b(?:per ?cent|%)", re.I
)
_STANCE = re.compile(
    r"\b(?:should|must|ought|needs? to|believe|hope|fear|worr(?:y|ied)|concerned|likely|perhaps|"
    r"probably|clearly|obviously|seems?|appears?)\b",
    re.I,
)

SENTENCE_CUES = (
    "reporting_verb",  # a reporting verb outside quoted words
    "log_reporting_verbs",
    "frame_start",  # subject + reporting verb open the sentence
    "frame_that",  # `said (...) that`
    "frame_end",  # `..., X said.` / `according to X.`
    "sourced",  # `according to`, `in a statement`, `cited`
    "source_noun",  # spokesman, study, officials, ...
    "frame_start_and_quotation",
    "quotation",  # a quotation of at least 12 characters
    "single_quotation",  # ‘...’
    "unquoted",  # no quotation marks at all
    "first_person",  # outside quoted words
    "second_person",
    "first_person_unquoted",  # first person in a sentence without quotation marks
    "institution",
    "log_measures",
    "log_measure_verbs",
    "planned",  # will, plans to, is expected to, proposed, ...
    "money",
    "institution_acts",  # institution and measure verb
    "institution_measure",  # institution and measure noun
    "planned_measure",  # measure noun and future or plan
    "policy_cues",  # share of the four policy cues present
    "stance",  # should, believe, likely, ... outside quoted words
    "question",
)
CONTEXT_CUES = (
    "inside_open_quotation",  # the sentence before left a quotation open and this has no marks
    "first_person_after_open_quotation",
    "prev_ellipsis",  # the sentence before is `[...]`
    "prev_starts_with_quote",
    "prev_frame_end",
    "prev_reporting_verb",
    "prev_empty",  # first sentence (or a sentence without context)
    "prev_dateline",  # first sentence after the dateline
    "prev_colon_frame",  # `X said:` introduces this sentence
)
ROLE_NAMES = SENTENCE_CUES + CONTEXT_CUES
_CUE = {name: i for i, name in enumerate(SENTENCE_CUES)}


@lru_cache(maxsize=20_000)
def _sentence_cues(text: str) -> tuple[float, ...]:
    """The `SENTENCE_CUES` of one sentence (cached: a sentence is also the next one's context)."""
    outside = _QUOTED.sub(" ", text)
    unquoted = _MARK.search(text) is None
    quotation = _LONG_QUOTATION.search(text) is not None
    verbs = len(_REPORTING.findall(outside))
    frame_start = verbs > 0 and _FRAME_START.search(outside) is not None
    first_person = _FIRST_PERSON.search(outside) is not None
    institution = _INSTITUTION.search(outside) is not None
    measures = len(_MEASURE.findall(outside))
    measure_verbs = len(_MEASURE_VERB.findall(outside))
    planned = _PLANNED.search(outside) is not None
    cues = (
        verbs > 0,
        np.log1p(verbs),
        frame_start,
        _FRAME_THAT.search(outside) is not None,
        _FRAME_END.search(text) is not None,
        _SOURCED.search(text) is not None,
        _SOURCE_NOUN.search(outside) is not None,
        frame_start and quotation,
        quotation,
        _SINGLE_QUOTATION.search(text) is not None,
        unquoted,
        first_person,
        _SECOND_PERSON.search(outside) is not None,
        first_person and unquoted,
        institution,
        np.log1p(measures),
        np.log1p(measure_verbs),
        planned,
        _MONEY.search(text) is not None,
        institution and measure_verbs > 0,
        institution and measures > 0,
        measures > 0 and planned,
        ((measures > 0) + (measure_verbs > 0) + institution + planned) / 4,
        _STANCE.search(outside) is not None,
        text.rstrip().endswith("?"),
    )
    return tuple(float(value) for value in cues)


def _context_cues(cues: tuple[float, ...], prev: str) -> list[float]:
    """The `CONTEXT_CUES` of a sentence with `SENTENCE_CUES` `cues` after the sentence `prev`."""
    prev = prev.strip()
    before = _sentence_cues(prev)
    prev_open = len(_MARK.findall(prev)) % 2 == 1 or (
        prev.startswith(('"', "“")) and not prev.endswith(('"', "”"))
    )
    return [
        prev_open and cues[_CUE["unquoted"]],
        prev_open and cues[_CUE["first_person"]],
        _ELLIPSIS_ONLY.match(prev) is not None,
        prev.startswith(('"', "“")),
        before[_CUE["frame_end"]],
        before[_CUE["reporting_verb"]],
        not prev,
        _DATELINE.match(prev) is not None,
        prev.endswith(":") and before[_CUE["reporting_verb"]],
    ]


def sentence_cues(texts: Sequence[str]) -> np.ndarray:
    """One row of `SENTENCE_CUES` per sentence, read from the sentence alone."""
    rows = [_sentence_cues(text) for text in texts]
    return np.array(rows, dtype=float).reshape(len(rows), len(SENTENCE_CUES))


def role_features(texts: Sequence[str], prevs: Sequence[str]) -> np.ndarray:
    """One row of `ROLE_NAMES` per sentence (`prevs`: the sentence before each, or "")."""
    rows = []
    for text, prev in zip(texts, prevs):
        cues = _sentence_cues(text)
        rows.append([*cues, *_context_cues(cues, prev or "")])
    return np.array(rows, dtype=float).reshape(len(rows), len(ROLE_NAMES))


# quotation marks, words (inner full stops of `U.S.` kept), numbers, other symbols
_TOKEN = re.compile(r"[\"“”‘’]|[A-Za-z](?:[\w'’-]|\.(?=\w))*|\d(?:[\d,]|\.(?=\d))*|[^\w\s]")
FUNCTION_WORDS = _word_set(
    """
    the a an of to in on at for with by from as that which who whom whose this these those it its he
    she they him her them his their we our i my you your is are was were be been being has have had
    will would shall should can could may might must not no and or but if than then so also after
    before since while when where because though although about over under into against between
    during
    """
)


@lru_cache(maxsize=200_000)
def _word_class(token: str, first: bool) -> str:
    """The class of one token: a function word stays itself, anything else becomes its class."""
    lower = token.lower()
    if token in '"“”':
        return "Q"
    if token in "‘’":
        return "SQ"
    if lower in REPORTING_VERBS:
        return "RV"
    if lower in FUNCTION_WORDS:
        return lower
    if token[0].isdigit():
        return "NUM"
    if _MEASURE.fullmatch(token):
        return "MEASURE"
    if _MEASURE_VERB.fullmatch(token):
        return "ACT"
    if _INSTITUTION.fullmatch(token):
        return "INST"
    if not token[0].isalnum():
        return token
    return "CAP" if token[0].isupper() and not first else "w"


def abstract_text(text: str) -> str:
    """The sentence as space-separated word classes between `BOS` and `EOS`."""
    tokens = _TOKEN.findall(text)
    return " ".join(["BOS", *(_word_class(t, i == 0) for i, t in enumerate(tokens)), "EOS"])
