"""Labeling functions: named rules that vote for one label or abstain, and their majority vote.

Each labeling function (LF) reads a sentence (and the unit before it). Votes form a label matrix
(one row per sentence, one column per LF, -1 for abstain) as Snorkel expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.core.patterns import words_pattern

ABSTAIN = -1
DECISION_ORDER = ("quote", "policy", "opinion", "fact")


@dataclass(frozen=True)
class LabelingFunction:
    """A named rule that votes `label` when `applies(text, prev)` is true, else abstains."""

    name: str
    label: str
    applies: Callable[[str, str], bool]

    def __call__(self, text: str, prev: str = "") -> int:
        return LABEL2ID[self.label] if self.applies(text, prev) else ABSTAIN


def _regex_lf(name: str, label: str, pattern: str, flags: int = re.IGNORECASE) -> LabelingFunction:
    """An LF that fires where `pattern` matches. Non-quote LFs abstain on reported speech, since
    quote comes first in the decision order."""
    compiled = re.compile(pattern, flags)
    if label == "quote":
        return LabelingFunction(name, label, lambda text, prev: compiled.search(text) is not None)
    return LabelingFunction(
        name, label, lambda text, prev: compiled.search(text) is not None and not _reported(text)
    )


_REPORTING = words_pattern(
    "said says say told tells stated states announced added adds asked wrote writes argued warned "
    "explained noted claimed insisted tweeted commented remarked confirmed testified acknowledged "
    "described indicated reported admitted denied urged replied responded",
    "called for",
)
_QUOTATION = r"[\"“][^\"”]{12,}[\"”]"


def _quotation_attributed(text: str, prev: str) -> bool:
    """A quotation in this sentence, with a reporting verb here or in the sentence before."""
    if not re.search(_QUOTATION, text) and not re.match(r"^[\"“]", text):
        return False
    return bool(re.search(_REPORTING, text, re.I) or re.search(_REPORTING + r"|:$", prev, re.I))


_OUTSIDE_QUOTES = re.compile(r"[\"“][^\"”]*[\"”]")
_REPORTED = re.compile(rf"{_REPORTING}|\baccording to\b|{_QUOTATION}", re.IGNORECASE)


def _reported(text: str) -> bool:
    """Whether the sentence reports someone's words (a reporting verb or a quotation)."""
    return _REPORTED.search(text) is not None


LABELING_FUNCTIONS: tuple[LabelingFunction, ...] = (
    LabelingFunction("quote_quotation_attributed", "quote", _quotation_attributed),
    _regex_lf("quote_reporting_verb", "quote", _REPORTING),
    _regex_lf("quote_according_to", "quote", r"\baccording to\b"),
    _regex_lf(
        "quote_said_at_end",
        "quote",
        r"[,.!?][\"”’]?\s+(?:\w+\s){0,4}(?:said|says|added|told \w+)\.?$",
    ),
    _regex_lf(
        "policy_legislation",
        "policy",
        words_pattern(
            "law laws bill bills legislation regulation regulations ban banned tariff tariffs "
            "sanction sanctions treaty decree referendum ordinance statute amendment",
            "executive order",
        ),
    ),
    _regex_lf(
        "policy_institution_measure",
        "policy",
        words_pattern(
            "government administration ministry parliament congress senate council agency "
            "department authorities commission court lawmakers legislature"
        )
        + ".{0,60}"
        + words_pattern(
            "plan plans propose proposed approved passed introduced considering vote voted ruled "
            "ordered allocate allocated budget funding programme program",
            "will require",
        ),
    ),
    _regex_lf(
        "policy_funding",
        "policy",
        r"(?:\$|€|£)\s?\d[\d.,]*\s*(?:million|billion|trillion)?.{0,40}\b(?:funds?|funding|budget|spend|aid|grants?)\b"
        r"|\b(?:funds?|funding|budget|spend|aid|grants?)\b.{0,40}(?:\$|€|£)\s?\d",
    ),
    _regex_lf(
        "opinion_stance_verb",
        "opinion",
        words_pattern(
            "worry worries fear fears hope hopes believe believes concerned consider considers "
            "doubt doubts suspect suspects feel feels"
        ),
    ),
    _regex_lf(
        "opinion_evaluative",
        "opinion",
        words_pattern(
            "should must unfortunately fortunately remarkable remarkably crucial disastrous "
            "terrible wonderful shameful absurd outrageous brilliant excellent awful ridiculous "
            "best worst clearly obviously surely undoubtedly arguably",
            "ought to",
            "needs? to",
        ),
    ),
    LabelingFunction(
        "opinion_first_person",
        "opinion",
        lambda text, prev: (
            not _reported(text)
            and re.search(r"\b(?:I|we|my|our|us)\b", _OUTSIDE_QUOTES.sub("", text)) is not None
        ),
    ),
    _regex_lf(
        "opinion_speculation",
        "opinion",
        words_pattern(
            "likely unlikely probably perhaps possibly seem seems",
            "appears? to",
            "could well",
            "may well",
            "is expected to be",
            "will likely",
        ),
    ),
    _regex_lf(
        "fact_number",
        "fact",
        r"\d|"
        + words_pattern(
            "one two three four five six seven eight nine ten dozen dozens hundred hundreds "
            "thousand thousands"
        ),
    ),
    _regex_lf(
        "fact_date_time",
        "fact",
        words_pattern(
            "Monday Tuesday Wednesday Thursday Friday Saturday Sunday yesterday today January "
            "February March April May June July August September October November December",
            "last (?:week|month|year)",
        ),
        0,
    ),
    _regex_lf(
        "fact_event_verb",
        "fact",
        words_pattern(
            "killed died injured arrested won held met occurred collapsed elected launched opened "
            "closed born founded located attended visited scored finished released hit struck "
            "crashed signed moved"
        ),
    ),
)


def apply_lfs(
    texts: Sequence[str], prevs: Sequence[str], lfs: Sequence[LabelingFunction] = LABELING_FUNCTIONS
) -> np.ndarray:
    """The label matrix: one row per sentence, one column per LF, ABSTAIN where it abstains."""
    return np.array(
        [[lf(t, p) for lf in lfs] for t, p in zip(texts, prevs)], dtype=np.int64
    ).reshape(len(texts), len(lfs))


def majority_vote(votes: np.ndarray, fallback: str | None = "fact") -> np.ndarray:
    """Combine a label matrix row-wise; ties by decision order, all-abstain rows get `fallback`."""
    order = [LABEL2ID[label] for label in DECISION_ORDER]
    fallback_id = LABEL2ID[fallback] if fallback else ABSTAIN
    out = np.full(len(votes), fallback_id, dtype=np.int64)
    for i, row in enumerate(votes):
        counts = np.bincount(row[row != ABSTAIN], minlength=len(LABELS))
        if counts.any():
            best = counts.max()
            out[i] = next(label for label in order if counts[label] == best)
    return out
