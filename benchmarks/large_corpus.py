"""Split and weak-label a corpus 10x and 100x the Wikinews 2019 sample through `datasets`.

    python benchmarks/large_corpus.py [--scales 10,100] [--num-proc 2]

For each scale, a CSV of the sample repeated N times (fresh document ids) is written to a temporary
folder, then a separate process loads it with `datasets.load_dataset("csv")` (Arrow on disk,
memory-mapped), splits it with `Dataset.map(num_proc=...)` and adds labeling-function votes and
weak labels the same way. Reported: wall time, units per second, and peak resident memory of the
process and its workers. Times are also given as a ratio to the first scale (same invocation).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_corpus(scale: int, folder: Path) -> Path:
    from pipeline.data.corpora import find_external_file

    source = find_external_file("wikinews-sample/wikinews_2019.csv")
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    path = folder / f"wikinews_x{scale}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["doc_id", "text"])
        writer.writeheader()
        for copy in range(scale):
            writer.writerows({"doc_id": f"{r['url']}#copy{copy}", "text": r["text"]} for r in rows)
    return path


def child(path: str, num_proc: int, cache: str) -> None:
    """Runs in its own process, so peak memory is this job's alone."""
    from datasets import disable_progress_bars, load_dataset

    from pipeline.split import split_dataset
    from pipeline.weak.labelling import weak_label_dataset

    disable_progress_bars()
    began = time.perf_counter()
    articles = load_dataset("csv", data_files=path, split="train", cache_dir=cache)
    units = weak_label_dataset(split_dataset(articles, num_proc=num_proc), num_proc=num_proc)
    sentences = units.filter(
        lambda kinds: [k == "sentence" for k in kinds], input_columns="kind", batched=True
    )
    seconds = time.perf_counter() - began
    peak_kb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(
        json.dumps(
            {
                "articles": articles.num_rows,
                "units": units.num_rows,
                "sentences": sentences.num_rows,
                "mb": Path(path).stat().st_size / 1e6,
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="10,100")
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            path = write_corpus(scale, Path(tmp))
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(path),
                    str(args.num_proc),
                    f"{tmp}/cache{scale}",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results.append((scale, json.loads(out.strip().splitlines()[-1])))
    first = results[0][1]["seconds"]
    print(
        f"{'scale':>6} {'MB':>7} {'articles':>9} {'units':>9} {'seconds':>8} "
        f"{'x first':>8} {'units/s':>9} {'peak MB':>8}"
    )
    for scale, r in results:
        print(
            f"{scale:>5}x {r['mb']:>7.1f} {r['articles']:>9} {r['units']:>9} {r['seconds']:>8.1f} "
            f"{r['seconds'] / first:>8.2f} {r['units'] / r['seconds']:>9.0f} {r['peak_mb']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
