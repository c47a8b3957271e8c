"""Sentence splitters side by side: the English Golden Rules, a hand-checked news set, throughput.

    python benchmarks/splitters.py [--splitters news,pysbd,syntok,blingfire]

(a) Golden Rules: share of the 48 cases in tests/data/golden_rules_en.jsonl segmented exactly.
(b) News: boundary precision, recall and F1 against data/splitter/news_gold.jsonl (21 articles,
    hand-checked; a boundary is the end of a unit that is not the article's last), and the share of
    gold sentences whose exact span a splitter produces.
(c) Throughput: MB/s over the whole Wikinews 2019 sample, and the ratio to pysbd in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict

from pipeline.files import iter_jsonl
from pipeline.sources import REPO_ROOT, find_external_file, load_seed, load_wikinews
from pipeline.split import SPLITTERS, get_splitter


def golden_rules(split) -> float:
    cases = [r for _, r in iter_jsonl(REPO_ROOT / "tests/data/golden_rules_en.jsonl")]
    return sum([u.text for u in split(c["input"])] == c["expected"] for c in cases) / len(cases)


def news_articles() -> dict[str, str]:
    texts = {a.doc_id: a.text for a in load_wikinews("wikinews-sample/wikinews_2019.csv")}
    texts |= {a.doc_id: a.text for a in load_seed("seed/000_683854a330873483.txt")}
    return texts


def news_scores(split, gold: dict[str, list[dict]], texts: dict[str, str]) -> dict[str, float]:
    tp = fp = fn = exact = n_sent = 0
    for doc, units in gold.items():
        predicted = split(texts[doc])
        gold_b = {u["end"] for u in units[:-1]}
        pred_b = {u.end for u in predicted[:-1]}
        tp, fp, fn = tp + len(gold_b & pred_b), fp + len(pred_b - gold_b), fn + len(gold_b - pred_b)
        spans = {(u.start, u.end) for u in predicted}
        sentences = [u for u in units if u["kind"] == "sentence"]
        exact += sum((u["start"], u["end"]) in spans for u in sentences)
        n_sent += len(sentences)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall),
            "exact": exact / n_sent}


def throughput(split, texts: list[str]) -> float:
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    began = time.perf_counter()
    for text in texts:
        split(text)
    return size / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splitters", default=",".join(SPLITTERS))
    args = parser.parse_args()
    gold: dict[str, list[dict]] = defaultdict(list)
    for _, unit in iter_jsonl(REPO_ROOT / "data/splitter/news_gold.jsonl"):
        gold[unit["doc"]].append(unit)
    texts = news_articles()
    sample = [a.text for a in load_wikinews("wikinews-sample/wikinews_2019.csv")]
    find_external_file("wikinews-sample/wikinews_2019.csv")
    rows = []
    for name in args.splitters.split(","):
        split = get_splitter(name)
        split("Warm up. Once.")
        rows.append({"splitter": name, "golden_rules": golden_rules(split), **news_scores(split, gold, texts),
                     "mb_per_s": throughput(split, sample)})
    base = next((r["mb_per_s"] for r in rows if r["splitter"] == "pysbd"), rows[0]["mb_per_s"])
    print(f"{'splitter':<10} {'golden':>7} {'news P':>7} {'news R':>7} {'news F1':>8} {'exact':>7} {'MB/s':>8} {'x pysbd':>8}")
    for r in rows:
        print(f"{r['splitter']:<10} {r['golden_rules']:>7.3f} {r['precision']:>7.3f} {r['recall']:>7.3f} {r['f1']:>8.3f} "
              f"{r['exact']:>7.3f} {r['mb_per_s']:>8.3f} {r['mb_per_s'] / base:>8.1f}")
    print(json.dumps(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
