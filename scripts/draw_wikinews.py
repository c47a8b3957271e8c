"""Continue the seeded draw of Wikinews 2004–2018 articles to annotate (docs/annotation.md).

    python scripts/draw_wikinews.py 2400 >> data/annotations/wikinews_training/articles.txt

The 3,957 articles are shuffled with `random.Random(2026)` in file order and taken in that order,
skipping articles the news splitter cuts into fewer than 4 or more than 40 sentences. The script
replays the draw so far (the `--drawn` lists one after the other: the 709 articles whose gold may be
held out, then the training-only pool; a list that does not match it is refused) and prints the
next urls until they hold at least the asked number of sentences.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from pipeline.data.corpora import load_articles
from pipeline.split import get_splitter, split_article

CORPUS = "wikinews-toscadata-2004-2018/articles.csv"
DRAWN = [
    Path("data/annotations/wikinews_2004_2018/articles.txt"),
    Path("data/annotations/wikinews_training/articles.txt"),
]
SEED, FEWEST, MOST = 2026, 4, 40


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sentences", type=int, help="sentences the new articles should hold")
    parser.add_argument("--external-dir", default="../shared/external")
    parser.add_argument(
        "--drawn", type=Path, nargs="+", default=DRAWN, help="the draw so far, one url a line"
    )
    args = parser.parse_args()
    corpus = {"loader": "wikinews", "path": CORPUS, "limit": None}
    texts = {
        a.doc_id: a.text
        for a in load_articles({"external_dir": args.external_dir, "corpora": {"w": corpus}})
    }
    order = list(texts)
    random.Random(SEED).shuffle(order)
    splitter = get_splitter("news")

    def sentences(url: str) -> int:
        return sum(u.kind == "sentence" for u in split_article(texts[url], False, splitter))

    drawn = [url for path in args.drawn for url in path.read_text("utf-8").split()]
    last = order.index(drawn[-1]) if drawn else -1
    if [u for u in order[: last + 1] if FEWEST <= sentences(u) <= MOST] != drawn:
        lists = " + ".join(map(str, args.drawn))
        sys.exit(f"{lists} is not the seed-{SEED} draw; refusing to continue it")
    total = 0
    for url in order[last + 1 :]:
        if total >= args.sentences:
            break
        n = sentences(url)
        if FEWEST <= n <= MOST:
            print(url)
            total += n
    print(f"{total} sentences drawn", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
