"""`python -m pipeline.predict` end to end on big inputs: 100,000 sentences and a 50 MB article.

    python benchmarks/predict_stream.py [--run RUN] [--sentences 100000] [--article-mb 50]

Without `--run`, a default run (`python -m pipeline`: tfidf_logreg on the default data) is trained
into a temporary experiments folder first. The sentences are those of the Wikinews 2019 sample,
split by the news splitter and repeated with fresh ids; the article is the sample's articles joined
and repeated. Each prediction is a separate process, timed from start to exit (Python start-up,
model load, reading, labelling, writing), with its CPU time (its workers' included) and the peak of
its memory: the proportional set size of the process and its workers, sampled every 200 ms. Goals:
>= 5,000 sentences/s and < 2 GB. Also shown: the one-line refusal of an article over
`max_article_mb`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Measurement:
    """One process: wall time, CPU time, peak memory, exit code and error output."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    stderr: str


def tree_pss_mb(pid: int) -> float:
    """Memory of a process and its children.

    Proportional set size: shared pages counted once in all.
    """
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    total_kb = 0
    for member in [pid, *map(int, children)]:
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += sum(
            int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
        )
    return total_kb / 1024


def measure(command: list[str]) -> Measurement:
    """Run `command` alone and measure it: wall and CPU time (its own rusage, with its workers), and
    the peak of its memory with its workers', sampled every 200 ms."""
    before, began = _cpu_seconds(), time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, tree_pss_mb(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - began
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return Measurement(seconds, _cpu_seconds() - before, peak, process.returncode, stderr)


def _cpu_seconds() -> float:
    """CPU time of all finished child processes (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train_default_run(experiments: Path) -> Path:
    result = measure([sys.executable, "-m", "pipeline", f"paths.experiments_dir={experiments}"])
    if result.returncode:
        sys.exit(f"training the default run failed:\n{result.stderr[-2000:]}")
    (run,) = (experiments / "default").iterdir()
    print(f"trained the default run in {result.seconds:.1f} s: {run}")
    return run


def wikinews_articles() -> list[str]:
    from pipeline.data.corpora import load_wikinews

    return [a.text for a in load_wikinews("wikinews-sample/wikinews_2019.csv")]


def write_sentences(path: Path, n: int) -> None:
    from pipeline.split.news import split_text

    sentences = [
        u.text for text in wikinews_articles() for u in split_text(text) if u.kind == "sentence"
    ]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"s{i}", "text": sentences[i % len(sentences)]}) + "\n")


def write_article(path: Path, megabytes: float) -> None:
    sample = "\n\n".join(wikinews_articles()).encode("utf-8")
    path.write_bytes(b"\n\n".join([sample] * int(megabytes * 1e6 / len(sample) + 1)))


def predict(run: Path, source: Path, output: Path, *extra: str) -> Measurement:
    return measure(
        [
            sys.executable,
            "-m",
            "pipeline.predict",
            f"run_dir={run}",
            f"input={source}",
            f"output={output}",
            *extra,
        ]
    )


def report(name: str, source: Path, output: Path, result: Measurement) -> None:
    if result.returncode:
        sys.exit(f"{name}: exit {result.returncode}\n{result.stderr[-2000:]}")
    with output.open("rb") as handle:
        records = sum(1 for _ in handle)
    print(
        f"{name:<24} {source.stat().st_size / 1e6:>6.1f} {records:>8} {result.seconds:>8.1f} "
        f"{records / result.seconds:>10.0f} "
        f"{result.cpu_seconds:>7.1f} {records / result.cpu_seconds:>10.0f} {result.peak_mb:>8.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--run", type=Path, help="a finished run (default: train a default run first)"
    )
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--article-mb", type=float, default=50)
    args = parser.parse_args()
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = args.run or train_default_run(tmp / "experiments")
        sentences, article = tmp / "sentences.jsonl", tmp / "article.txt"
        write_sentences(sentences, args.sentences)
        write_article(article, args.article_mb)
        print(
            f"{'input':<24} {'MB':>6} {'records':>8} {'wall s':>8} {'records/s':>10} "
            f"{'CPU s':>7} {'per CPU s':>10} {'peak MB':>8}"
        )
        report(
            f"{args.sentences:,} sentences",
            sentences,
            tmp / "out1.jsonl",
            predict(run, sentences, tmp / "out1.jsonl"),
        )
        report(
            f"{args.article_mb:g} MB article (units)",
            article,
            tmp / "out2.jsonl",
            predict(run, article, tmp / "out2.jsonl"),
        )
        limit = max(1, int(args.article_mb / 5))
        refused = predict(run, article, tmp / "out3.jsonl", f"max_article_mb={limit}")
        print(
            f"with max_article_mb={limit}: exit {refused.returncode} "
            f"after {refused.seconds:.1f} s: {refused.stderr.strip()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
