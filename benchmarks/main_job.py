"""Time the main job (`python -m pipeline`, default config) against its one-minute budget.

    python benchmarks/main_job.py [--budget 60] [extra overrides ...]

Runs the job once into a temporary experiments folder and reports wall time, the ratio to the
budget, and the ratio to a `model=majority` run measured in the same invocation (start-up, data
loading and splitting cost the same in both, so the ratio shows what training adds).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time


def timed_run(overrides: list[str], experiments_dir: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline", f"paths.experiments_dir={experiments_dir}", *overrides],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds allowed for the default job"
    )
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = timed_run([*args.overrides, "model=majority"], tmp)  # last model= wins
        default = timed_run(args.overrides, tmp)
    print(
        f"default job: {default:.1f} s = {default / args.budget:.2f} x budget "
        f"({args.budget:.0f} s); "
        f"{default / baseline:.2f} x a model=majority run ({baseline:.1f} s)"
    )
    return 0 if default <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
