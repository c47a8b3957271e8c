"""The split stage: our news splitter's rules, the third-party splitters' exact spans, and
properties of every splitter over arbitrary Unicode text."""

import importlib.util
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.errors import PipelineError
from pipeline.core.files import REPO_ROOT, iter_jsonl
from pipeline.data.corpora import load_wikinews
from pipeline.split import SPLITTERS, Unit, get_splitter
from pipeline.split.news import split_text
from pipeline.split.units import is_blank, units_from_ends

HAS_SPACY = importlib.util.find_spec("spacy") is not None
THIRD_PARTY = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            name == "spacy" and not HAS_SPACY, reason="spacy extra not installed"
        ),
    )
    for name in SPLITTERS.names()
    if name != "news"
]
GOLDEN_RULES = [case for _, case in iter_jsonl(REPO_ROOT / "tests/data/golden_rules_en.jsonl")]


def sentences(text: str) -> list[str]:
    return [u.text for u in split_text(text) if u.kind == "sentence"]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in split_text(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # abbreviations
        (
            "Gov. Rick Perry spoke. Sen. Ted Cruz left.",
            ["Gov. Rick Perry spoke.", "Sen. Ted Cruz left."],
        ),
        (
            "Rep. Ann Lee met Lt. Gen. John Smith. They talked.",
            ["Rep. Ann Lee met Lt. Gen. John Smith.", "They talked."],
        ),
        (
            "He moved to the U.S. in 1990. He stayed.",
            ["He moved to the U.S. in 1990.", "He stayed."],
        ),
        (
            "The U.K. and the U.N. agreed. The talks ended.",
            ["The U.K. and the U.N. agreed.", "The talks ended."],
        ),
        (
            "She lives in Washington, D.C. She works there.",
            ["She lives in Washington, D.C.", "She works there."],
        ),
        ("It ran from Jan. 5 to Dec. 12 last year.", ["It ran from Jan. 5 to Dec. 12 last year."]),
        (
            "Acme Corp. bought Beta Inc. for cash. Both rose.",
            ["Acme Corp. bought Beta Inc. for cash.", "Both rose."],
        ),
        ("He joined Acme Inc. The deal closed.", ["He joined Acme Inc.", "The deal closed."]),
        (
            "Martin Luther King Jr. spoke on Elm St. near the park.",
            ["Martin Luther King Jr. spoke on Elm St. near the park."],
        ),
        (
            "It ranked No. 1 in vol. 3, pp. 12-15. It cost approx. $3 million, est. 2019 prices.",
            [
                "It ranked No. 1 in vol. 3, pp. 12-15.",
                "It cost approx. $3 million, est. 2019 prices.",
            ],
        ),
        ("The answer was no. Then he left.", ["The answer was no.", "Then he left."]),
        # a.m. and p.m. inside and at the end of a sentence
        ("It met on Jan. 5 at 9 a.m. local time.", ["It met on Jan. 5 at 9 a.m. local time."]),
        (
            "The talks ended at 5 p.m. The vote followed.",
            ["The talks ended at 5 p.m.", "The vote followed."],
        ),
        (
            "At 5 a.m. Mr. Smith left. He was back at 6 P.M. Mr. Smith slept.",
            ["At 5 a.m. Mr. Smith left.", "He was back at 6 P.M.", "Mr. Smith slept."],
        ),
        # decimals, money, percentages
        (
            "Apple Inc. said sales rose 3.7 percent to $1.5 billion.",
            ["Apple Inc. said sales rose 3.7 percent to $1.5 billion."],
        ),
        (
            "Prices rose 2.5% to €1.08. Rents fell 0.3%.",
            ["Prices rose 2.5% to €1.08.", "Rents fell 0.3%."],
        ),
        # initials
        ("John F. Kennedy was shot. It was 1963.", ["John F. Kennedy was shot.", "It was 1963."]),
        (
            "J. K. Rowling met George W. Bush. E. B. White did not.",
            ["J. K. Rowling met George W. Bush.", "E. B. White did not."],
        ),
        (
            "We make a team, you and I. Did you see Albert I. Jones?",
            ["We make a team, you and I.", "Did you see Albert I. Jones?"],
        ),
        ("The case Roe v. Wade was cited.", ["The case Roe v. Wade was cited."]),
        # ellipses
        (
            "He paused... then spoke. It was over… Nobody moved.",
            ["He paused... then spoke.", "It was over…", "Nobody moved."],
        ),
        ("I never meant that.... She left.", ["I never meant that....", "She left."]),
        (
            '"Ten years ago it was rare[...] Today it is common."',
            ['"Ten years ago it was rare[...]', 'Today it is common."'],
        ),
        # parentheses
        (
            "The ministry (which denied it.) said nothing. (The report was withdrawn.) "
            "Officials left.",
            [
                "The ministry (which denied it.) said nothing.",
                "(The report was withdrawn.)",
                "Officials left.",
            ],
        ),
        (
            '"Bohr used the analogy [...]" (Smith 55). Next.',
            ['"Bohr used the analogy [...]" (Smith 55).', "Next."],
        ),
        # quotes, straight and curly, with attribution after them
        (
            '"It is over," he said. "We won." Then he left.',
            ['"It is over," he said.', '"We won."', "Then he left."],
        ),
        (
            "“It is over,” Smith said. “Never.” The crowd cheered.",
            ["“It is over,” Smith said.", "“Never.”", "The crowd cheered."],
        ),
        ('He said "This is great." She agreed.', ['He said "This is great."', "She agreed."]),
        # question and exclamation marks inside quotes
        ('"Why now?" she asked. Nobody knew.', ['"Why now?" she asked.', "Nobody knew."]),
        ("“Why now?” Smith asked. Nobody knew.", ["“Why now?” Smith asked.", "Nobody knew."]),
        (
            '"We will win!" shouted the mayor. "Really?" He nodded.',
            ['"We will win!" shouted the mayor.', '"Really?"', "He nodded."],
        ),
        ("She works at Yahoo! in the city.", ["She works at Yahoo! in the city."]),
        # a missing space after a full stop, but not in addresses
        ("The vote failed.Lawmakers left.", ["The vote failed.", "Lawmakers left."]),
        (
            "Write to Jane.Doe@example.com. She answers.",
            ["Write to Jane.Doe@example.com.", "She answers."],
        ),
        # inline lists
        ("1) The first item 2) The second item", ["1) The first item", "2) The second item"]),
    ],
)
def test_news_sentences(text, expected):
    assert sentences(text) == expected


# --- Issue: sentences glued after a number, abbreviations ending a sentence, credit lines -------


@pytest.mark.parametrize(
    "text, expected",
    [
        # a number, a full stop and a capitalised word with no space: a boundary
        (
            "The House passed the bill 218-214.The Senate will vote next week.",
            ["The House passed the bill 218-214.", "The Senate will vote next week."],
        ),
        (
            "He has not spoken since leaving office in 1993.The network will air it later.",
            ["He has not spoken since leaving office in 1993.", "The network will air it later."],
        ),
        (
            "Sales rose 4.5%.Analysts had expected less. It cost $1.5.Nobody paid.",
            ["Sales rose 4.5%.", "Analysts had expected less.", "It cost $1.5.", "Nobody paid."],
        ),
        ("The vote was 52-48!Critics left.", ["The vote was 52-48!", "Critics left."]),
        # ... and after a closing quotation mark, or before an opening one
        (
            'The report called the growth "robust".The rate fell.',
            ['The report called the growth "robust".', "The rate fell."],
        ),
        (
            'It was stated by the ministry\'s division."We found a hole," it said.',
            ["It was stated by the ministry's division.", '"We found a hole," it said.'],
        ),
        (
            'He said "no."Then he left. He asked, "Why?"Nobody knew.',
            ['He said "no."', "Then he left.", 'He asked, "Why?"', "Nobody knew."],
        ),
        ("He said “no.”Then he left.", ["He said “no.”", "Then he left."]),
    ],
)
def test_glued_sentence_ends(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Prices rose 3.5 percent in 2019.",  # decimals
        "He installed version 2.0.1 and Windows 3.1 on it.",  # versions
        "It was ranked No.5.Nobody cared.",  # "No.5" is no number alone
        "The bus leaves at 5.30pm.The driver waits.",  # a time written with a full stop
        "Mr.Bush and Dr.Smith met at the U.S.Embassy.",  # abbreviations glued to a name
        "Write to jane.Doe@example.com or visit www.Example.com today.",  # addresses
        "See the file report2019.Pdf and the sites Yahoo.Com and MySpace.Com for details.",
    ],
)
def test_glued_non_boundaries(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        # a company suffix, then a new subject: a name of one or two words and its verb
        (
            "The firm was sold to Angelo, Gordon & Co. White Hen has previously declared "
            "bankruptcy.",
            [
                "The firm was sold to Angelo, Gordon & Co.",
                "White Hen has previously declared bankruptcy.",
            ],
        ),
        (
            "The names will be changed to Daimler AG and Chrysler Holding LLC. DaimlerChrysler has "
            "sold 80.1% of its stake.",
            [
                "The names will be changed to Daimler AG and Chrysler Holding LLC.",
                "DaimlerChrysler has sold 80.1% of its stake.",
            ],
        ),
        (
            "Vodafone has bought ihug New Zealand Ltd. Ihug will remain a separate company.",
            ["Vodafone has bought ihug New Zealand Ltd.", "Ihug will remain a separate company."],
        ),
        (
            "Most of it came from a facility of Morgan Stanley Senior Funding Inc. Adam Aircraft "
            "say that the money will be used well.",
            [
                "Most of it came from a facility of Morgan Stanley Senior Funding Inc.",
                "Adam Aircraft say that the money will be used well.",
            ],
        ),
        (
            "The system is to compete with the search engine Google Inc. Yahoo's technology will "
            "help.",
            [
                "The system is to compete with the search engine Google Inc.",
                "Yahoo's technology will help.",
            ],
        ),
        # a district or state after a comma, then a new subject
        (
            "Leaders met in Washington, D.C. Protesters gathered outside the building.",
            ["Leaders met in Washington, D.C.", "Protesters gathered outside the building."],
        ),
        (
            "He was a member of the bar in New York and Washington, D.C. Russert entered "
            "politics later.",
            [
                "He was a member of the bar in New York and Washington, D.C.",
                "Russert entered politics later.",
            ],
        ),
        (
            "Dion spoke as he worked through St. John's, N.L. Dion is hoping to win seats.",
            ["Dion spoke as he worked through St. John's, N.L.", "Dion is hoping to win seats."],
        ),
        # a sentence opener (pronoun, determiner, preposition, adverb) after the abbreviation
        (
            "She fought for recognition of King Jr. For over a decade, she lobbied Congress.",
            [
                "She fought for recognition of King Jr.",
                "For over a decade, she lobbied Congress.",
            ],
        ),
        (
            "Tensions have risen between Pakistan and the U.S. Recently elected leaders spoke.",
            [
                "Tensions have risen between Pakistan and the U.S.",
                "Recently elected leaders spoke.",
            ],
        ),
        (
            "The store sells iPods, Mac minis, etc. New Zealand is the 22nd country to get it.",
            [
                "The store sells iPods, Mac minis, etc.",
                "New Zealand is the 22nd country to get it.",
            ],
        ),
        (
            "It marks the end of World War I. Police remained on alert.",
            ["It marks the end of World War I.", "Police remained on alert."],
        ),
        (
            "Apple signs contracts in each country. iTunes is likely to lead the market.",
            ["Apple signs contracts in each country.", "iTunes is likely to lead the market."],
        ),
        (
            "Somerfield is being acquired by Co-op. Co-op has said the deal is done.",
            ["Somerfield is being acquired by Co-op.", "Co-op has said the deal is done."],
        ),
    ],
)
def test_abbreviation_ends_sentence(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # a name after the abbreviation is the subject of a head without a verb of its own
        "The co-founder and former chief executive officer of Apple Inc. Steve Jobs has died.",
        "Former chief U.S. spokesman to the U.N. Richard Grenell said the vote was wrong.",
        # abbreviations that stand before a name
        "He said the U.S. Navy has sent ships to the region.",
        "Schools closed for Martin Luther King Jr. Day and reopened on Tuesday.",
        "They met at the Martin Luther King, Jr. Center in Atlanta yesterday.",
        "Analysts said Warner Bros. Pictures has a hit.",
        # a title after a company suffix
        '"It fits," said 7-Eleven Inc. President and Chief Executive Joseph DePinto.',
        "A deal was signed by Acme Inc. Chairman Jo Roe on Monday.",
        # a capitalised word that is no new subject
        "The rise in the U.S. Dollar worried exporters who sell to Brazil.",
        "It was sold to Acme Corp. Holdings and Beta Ltd. Partners at a loss.",
    ],
)
def test_abbreviation_inside_sentence(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "The bill failed. CNN's Jo Roe contributed to this report.",
            [
                ("sentence", "The bill failed."),
                ("byline", "CNN's Jo Roe contributed to this report."),
            ],
        ),
        (
            "Protesters met in Washington, D.C. CNN's Jo Roe and Al Li contributed to this report.",
            [
                ("sentence", "Protesters met in Washington, D.C."),
                ("byline", "CNN's Jo Roe and Al Li contributed to this report."),
            ],
        ),
        (
            '"We won," he said. The Associated Press contributed reporting from Paris.',
            [
                ("sentence", '"We won," he said.'),
                ("byline", "The Associated Press contributed reporting from Paris."),
            ],
        ),
        (
            "Shares fell 3%. (Reporting by Jo Roe; Editing by Al Li)",
            [
                ("sentence", "Shares fell 3%."),
                ("byline", "(Reporting by Jo Roe; Editing by Al Li)"),
            ],
        ),
        (
            "It rose 5%. With files from The Canadian Press.",
            [("sentence", "It rose 5%."), ("byline", "With files from The Canadian Press.")],
        ),
        (
            "The talks ended. Jo R. Roe and Sam Lee Jr. contributed to this report.",
            [
                ("sentence", "The talks ended."),
                ("byline", "Jo R. Roe and Sam Lee Jr. contributed to this report."),
            ],
        ),
        # a whole credit line, a byline
        (
            "Jo R. Roe in Washington contributed to this story.",
            [("byline", "Jo R. Roe in Washington contributed to this story.")],
        ),
        ("By Jane Roe, CNN", [("byline", "By Jane Roe, CNN")]),
        # sentences that only look like credits
        (
            "Experts say the drought contributed to this rise. Prices fell.",
            [
                ("sentence", "Experts say the drought contributed to this rise."),
                ("sentence", "Prices fell."),
            ],
        ),
        (
            "Many factors contributed to this report's findings.",
            [("sentence", "Many factors contributed to this report's findings.")],
        ),
        (
            "By law, all men over 18 must register. This makes them eligible.",
            [
                ("sentence", "By law, all men over 18 must register."),
                ("sentence", "This makes them eligible."),
            ],
        ),
        (
            "By April 9, all 10,000 copies had been sold.",
            [("sentence", "By April 9, all 10,000 copies had been sold.")],
        ),
    ],
)
def test_credit_line_after_the_last_sentence(line, expected):
    article = f"Monday, May 6, 2019\n\nThe vote was close.\n\n{line}\n"
    assert kinds(article)[2:] == expected


@pytest.mark.parametrize("case", GOLDEN_RULES, ids=[c["name"] for c in GOLDEN_RULES])
def test_golden_rules(case):
    assert [u.text for u in split_text(case["input"])] == case["expected"]


def test_line_kinds_and_exact_offsets():
    article = (
        "Friday, January 4, 2019\n\nStruggling for a solution\nThe bill failed. It may return.\n"
        "CNN's Jo Roe contributed to this report.\n"
    )
    units = split_text(article)
    assert [u.kind for u in units] == ["dateline", "heading", "sentence", "sentence", "byline"]
    assert all(article[u.start : u.end] == u.text for u in units)


@pytest.mark.parametrize(
    "article, expected",
    [
        (
            "WASHINGTON (CNN) -- The bill failed.",
            [("dateline", "WASHINGTON (CNN) --"), ("sentence", "The bill failed.")],
        ),
        (
            "By Jane Roe\nImmigrants or refugees?\nIt passed.",
            [
                ("byline", "By Jane Roe"),
                ("heading", "Immigrants or refugees?"),
                ("sentence", "It passed."),
            ],
        ),
        (
            "Rex, a dog. Image: Jo Roe.\nPhoto: Jo Roe/AP",
            [
                ("heading", "Rex, a dog."),
                ("byline", "Image: Jo Roe."),
                ("byline", "Photo: Jo Roe/AP"),
            ],
        ),
        (
            "The mayor in 1990  (Image: AP)",
            [("heading", "The mayor in 1990"), ("byline", "(Image: AP)")],
        ),
        (
            "It passed.\n—Jane Roe, the mayor",
            [("sentence", "It passed."), ("byline", "—Jane Roe, the mayor")],
        ),
        (
            "Related: Key questions\nSister links\nSources",
            [("other", "Related: Key questions"), ("other", "Sister links"), ("other", "Sources")],
        ),
        # a lone subhead after the last sentence heads nothing: a related link
        (
            "It passed.\nKey questions about the plan\nCNN's Jo Roe contributed to this report.",
            [
                ("sentence", "It passed."),
                ("other", "Key questions about the plan"),
                ("byline", "CNN's Jo Roe contributed to this report."),
            ],
        ),
        (
            'He said, "We won." ((es))Spanish language: \u200dGanamos.',
            [
                ("sentence", 'He said, "We won."'),
                ("other", "((es))Spanish language: \u200d"),
                ("sentence", "Ganamos."),
            ],
        ),
        (
            "It was fine. [...] It ended.",
            [("sentence", "It was fine."), ("other", "[...]"), ("sentence", "It ended.")],
        ),
    ],
)
def test_non_sentence_lines(article, expected):
    assert kinds(article) == expected


def test_interview_speaker_labels():
    article = (
        "((WN))  Why birds?\n\nJane Roe: I like them.\n\n((WN)) How long?\n\n"
        "JR: Six months. It was fun.\n\n((WN)) And you?\n\nMS We stayed.\n\nMS Then we left.\n"
    )
    assert kinds(article) == [
        ("other", "((WN))"),
        ("sentence", "Why birds?"),
        ("other", "Jane Roe:"),
        ("sentence", "I like them."),
        ("other", "((WN))"),
        ("sentence", "How long?"),
        ("other", "JR:"),
        ("sentence", "Six months."),
        ("sentence", "It was fun."),
        ("other", "((WN))"),
        ("sentence", "And you?"),
        ("other", "MS"),
        ("sentence", "We stayed."),
        ("other", "MS"),
        ("sentence", "Then we left."),
    ]
    assert kinds("NASA Administrator Jim Bridenstine spoke.") == [
        ("sentence", "NASA Administrator Jim Bridenstine spoke.")
    ]


def test_seed_article(seed_text):
    units = split_text(seed_text)
    assert all(seed_text[u.start : u.end] == u.text for u in units)
    assert sum(u.kind == "sentence" for u in units) == 31
    assert [u.text for u in units if u.kind != "sentence"][:2] == [
        "Underlying causes",
        "Most can't stay",
    ]


def test_news_gold_boundary_f1():
    gold: dict[str, list[dict]] = defaultdict(list)
    for _, unit in iter_jsonl(REPO_ROOT / "data/splitter/news_gold.jsonl"):
        gold[unit["doc"]].append(unit)
    texts = {
        a.doc_id: a.text
        for path in (
            "wikinews-sample/wikinews_2019.csv",
            "wikinews-toscadata-2004-2018/articles.csv",
        )
        for a in load_wikinews(path)
        if a.doc_id in gold
    }
    tp = fp = fn = 0
    for doc, text in texts.items():
        gold_b, pred_b = {u["end"] for u in gold[doc][:-1]}, {u.end for u in split_text(text)[:-1]}
        tp, fp, fn = tp + len(gold_b & pred_b), fp + len(pred_b - gold_b), fn + len(gold_b - pred_b)
    assert len(texts) == 47 and 2 * tp / (2 * tp + fp + fn) >= 0.99
    assert fn <= 4  # the four known misses: see data/splitter/README.md


def test_whitespace_only_gives_nothing():
    assert split_text(" \n\n\t\u00a0\ufeff ") == []


def test_units_from_ends_covers_the_text_whatever_the_ends():
    text = "One. Two three.  Four"
    assert units_from_ends(text, [4, 99, -3, 4, 15]) == [
        Unit("One.", 0, 4),
        Unit("Two three.", 5, 15),
        Unit("Four", 17, 21),
    ]
    assert units_from_ends(text, []) == [Unit(text, 0, len(text))]


@pytest.mark.parametrize("name", THIRD_PARTY)
def test_third_party_spans_are_exact(name, seed_text):
    units = get_splitter(name)(seed_text)
    assert len(units) > 30 and all(seed_text[u.start : u.end] == u.text for u in units)


def test_unknown_splitter():
    with pytest.raises(PipelineError, match="unknown splitter 'nope'"):
        get_splitter("nope")


# --- Properties of every splitter over arbitrary Unicode text ------------------------------------

NEWSY = st.lists(
    st.sampled_from(
        [
            "U.S.",
            "a.m.",
            "Mr.",
            "Jan.",
            "No.",
            "1)",
            "a.",
            "...",
            ". . .",
            "…",
            "[...]",
            "((WN))",
            "((es))Spanish language: \u200d",
            "Image: X.",
            "—",
            '"',
            "“",
            "”",
            "'",
            "(",
            ")",
            "?",
            "!",
            ".",
            ",",
            ":",
            "NG:",
            "MS",
            "He",
            "said",
            "it",
            "The",
            "I",
            "3.5",
            "$1",
            " ",
            "  ",
            "\n",
            "\n\n",
            "\t",
            "\u00a0",
            "\ufeff",
            "\u2028",
            "x.Y",
        ]
    ),
    max_size=40,
).map("".join)
TEXTS = st.one_of(st.text(), NEWSY)
WHITESPACE = st.text(st.sampled_from([c for c in map(chr, range(0x3001)) if is_blank(c)]))


def check_units(text: str, units: list[Unit]) -> None:
    """Exact offsets, ordered and non-overlapping non-blank units.

    Every non-space character is covered.
    """
    previous_end = 0
    covered = 0
    for u in units:
        assert text[u.start : u.end] == u.text and u.text.strip() == u.text and u.start < u.end
        assert u.start >= previous_end
        previous_end = u.end
        covered += sum(not is_blank(c) for c in u.text)
    assert covered == sum(not is_blank(c) for c in text)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_news_properties(text):
    check_units(text, split_text(text))


@pytest.mark.parametrize("name", THIRD_PARTY)
def test_third_party_properties(name):
    split = get_splitter(name)

    @settings(max_examples=40, deadline=None)
    @given(TEXTS)
    def check(text):
        check_units(text, split(text))

    check()


@pytest.mark.parametrize("name", ["news", *THIRD_PARTY])
def test_whitespace_only_gives_no_units(name):
    split = get_splitter(name)

    @settings(max_examples=30, deadline=None)
    @given(WHITESPACE)
    def check(text):
        assert split(text) == []

    check()
