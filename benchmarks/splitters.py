"""Sentence splitters side by side: the English Golden Rules, a hand-checked news set, throughput.

    python benchmarks/splitters.py
        [--splitters news,pysbd,syntok,blingfire,punkt,spacy] [--repeat 3]

Splitters: ours (`news`), pysbd, syntok, blingfire, nltk Punkt (built with the project's news
abbreviations, since its trained data cannot be downloaded here) and spaCy's rule-based sentencizer
(`spacy.blank("en")` + `sentencizer`; skipped with a note when the `spacy` extra is not installed).
The third-party ones are applied line by line, like ours, and turned into exact-offset units.

(a) golden: share of the 48 English Golden Rules cases (tests/data/golden_rules_en.jsonl) segmented
    exactly (pysbd reports 97.9%).
(b) news: boundary precision, recall and F1 against data/splitter/news_gold.jsonl (48 articles:
    the seed, 22 of Wikinews 2019 and 25 of Wikinews 2004-2018; 1,226 units, 1,178 boundaries,
    hand-checked; a boundary is the end of a unit that is not the article's last); `exact` is the
    share of the 1,042 gold sentences whose exact span a splitter produces, `kinds` the share of
    the 184 gold non-sentence lines (subheads, captions, datelines, bylines, credits, related
    links, interview labels) it produces with their span and kind.
(c) throughput: MB/s (UTF-8) over the whole Wikinews 2019 sample (best of --repeat passes), and
    the ratio to pysbd's in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import defaultdict

from pipeline.core.files import REPO_ROOT, iter_jsonl
from pipeline.data.corpora import load_seed, load_wikinews
from pipeline.split import SPLITTERS, get_splitter

WIKINEWS_2019 = "wikinews-sample/wikinews_2019.csv"
WIKINEWS_2004_2018 = "wikinews-toscadata-2004-2018/articles.csv"


def golden_rules(split) -> float:
    cases = [r for _, r in iter_jsonl(REPO_ROOT / "tests/data/golden_rules_en.jsonl")]
    return sum([u.text for u in split(c["input"])] == c["expected"] for c in cases) / len(cases)


def news_articles() -> dict[str, str]:
    texts = {a.doc_id: a.text for a in load_wikinews(WIKINEWS_2019)}
    texts |= {a.doc_id: a.text for a in load_wikinews(WIKINEWS_2004_2018)}
    texts |= {a.doc_id: a.text for a in load_seed("seed/000_683854a330873483.txt")}
    return texts


def news_scores(split, gold: dict[str, list[dict]], texts: dict[str, str]) -> dict[str, float]:
    tp = fp = fn = 0
    found: dict[bool, int] = defaultdict(int)
    total: dict[bool, int] = defaultdict(int)
    for doc, units in gold.items():
        predicted = split(texts[doc])
        gold_b = {u["end"] for u in units[:-1]}
        pred_b = {u.end for u in predicted[:-1]}
        tp, fp, fn = tp + len(gold_b & pred_b), fp + len(pred_b - gold_b), fn + len(gold_b - pred_b)
        spans = {(u.start, u.end, u.kind) for u in predicted}
        for u in units:
            is_sentence = u["kind"] == "sentence"
            total[is_sentence] += 1
            found[is_sentence] += (u["start"], u["end"], u["kind"]) in spans
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
        "exact": found[True] / total[True],
        "kinds": found[False] / total[False],
    }


def throughput(split, texts: list[str], repeat: int) -> float:
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for text in texts:
            split(text)
        best = min(best, time.perf_counter() - began)
    return size / best


def available(name: str) -> bool:
    """Whether a splitter's optional package is installed (only spaCy's is optional)."""
    return name != "spacy" or importlib.util.find_spec("spacy") is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splitters", default=",".join(SPLITTERS.names()))
    parser.add_argument("--repeat", type=int, default=3, help="throughput passes; the best counts")
    args = parser.parse_args()
    gold: dict[str, list[dict]] = defaultdict(list)
    for _, unit in iter_jsonl(REPO_ROOT / "data/splitter/news_gold.jsonl"):
        gold[unit["doc"]].append(unit)
    texts = news_articles()
    sample = [a.text for a in load_wikinews(WIKINEWS_2019)]
    rows = []
    for name in args.splitters.split(","):
        if not available(name):
            print(f"skipping {name}: not installed (pip install -e '.[{name}]')", file=sys.stderr)
            continue
        split = get_splitter(name)
        split("Warm up. Once.")
        rows.append(
            {
                "splitter": name,
                "golden_rules": golden_rules(split),
                **news_scores(split, gold, texts),
                "mb_per_s": throughput(split, sample, args.repeat),
            }
        )
    base = next((r["mb_per_s"] for r in rows if r["splitter"] == "pysbd"), rows[0]["mb_per_s"])
    print(
        f"{'splitter':<10} {'golden':>7} {'news P':>7} {'news R':>7} {'news F1':>8} "
        f"{'exact':>7} {'kinds':>7} {'MB/s':>8} {'x pysbd':>8}"
    )
    for r in rows:
        print(
            f"{r['splitter']:<10} {r['golden_rules']:>7.3f} {r['precision']:>7.3f} "
            f"{r['recall']:>7.3f} {r['f1']:>8.3f} {r['exact']:>7.3f} {r['kinds']:>7.3f} "
            f"{r['mb_per_s']:>8.3f} {r['mb_per_s'] / base:>8.1f}"
        )
    print(json.dumps(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
