"""The main job (`python -m pipeline`, default config and model) on N x the Wikinews 2019 sample.

    python benchmarks/large_corpus.py [--scale 100] [OVERRIDE ...]

The sample is written N times to a CSV in a temporary folder (copy 0 under its own urls, so that
its gold annotations apply; the other copies under fresh document ids), and `python -m pipeline`
runs with `data.corpora.wikinews_2019.path` pointing at it, into a temporary experiments folder;
the other corpora are the default ones. OVERRIDEs go to the job as they are (e.g.
`data.backend=memory`). Reported: the exact command, wall time, and peak memory of the job: the
sum of the proportional set sizes (PSS) of its process and its workers, sampled every 0.2 s, and
the largest resident set of any one of them.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.data.corpora import find_external_file

SAMPLE = "wikinews-sample/wikinews_2019.csv"


def write_corpus(scale: int, folder: Path) -> Path:
    """The Wikinews sample `scale` times as one CSV (url, title, text)."""
    with find_external_file(SAMPLE).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    path = folder / f"wikinews_x{scale}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["url", "title", "text"])
        writer.writeheader()
        for copy in range(scale):
            suffix = f"#copy{copy}" if copy else ""
            writer.writerows(
                {"url": r["url"] + suffix, "title": r.get("title", ""), "text": r["text"]}
                for r in rows
            )
    return path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.is_file():
            found += [int(c) for c in children.read_text().split()]
    return found


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants, in MB (0 once gone)."""
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            todo += _children(current)
        except OSError:  # ended meanwhile
            continue
        total_kb += next(int(line.split()[1]) for line in rollup.splitlines() if line[:4] == "Pss:")
    return total_kb / 1024


def run_job(command: list[str]) -> tuple[float, float, float]:
    """Run `command`; its wall seconds, peak tree PSS (MB) and largest single-process RSS (MB)."""
    began = time.perf_counter()
    job = subprocess.Popen(command)
    peak = 0.0
    while job.poll() is None:
        peak = max(peak, tree_pss_mb(job.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - began
    if job.returncode:
        raise SystemExit(f"the job failed with exit code {job.returncode}")
    return seconds, peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("overrides", nargs="*", help="overrides for python -m pipeline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(args.scale, Path(tmp))
        command = [
            sys.executable,
            "-m",
            "pipeline",
            f"data.corpora.wikinews_2019.path={corpus}",
            f"paths.experiments_dir={tmp}/experiments",
            *args.overrides,
        ]
        print("$", " ".join(command), flush=True)
        seconds, peak_pss, max_rss = run_job(command)
        print(
            f"{args.scale}x the Wikinews sample ({corpus.stat().st_size / 1e6:.1f} MB): "
            f"{seconds:.1f} s, peak memory {peak_pss:.0f} MB (PSS of the job and its workers; "
            f"largest single process {max_rss:.0f} MB RSS)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
