"""Score finished runs' models on an external evaluation again, with the code as it is now.

    python -m pipeline.rescore RUN [RUN ...] [--external checkthat] [--format table|md|csv|json]

A run's `metrics.json` keeps what its external evaluations gave when it ran; when the evaluation
code changes (or a run was made without `eval.external`), this scores the saved model again and
prints the figures. Nothing in the run folder is changed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.cli.compare import FORMATS, render
from pipeline.core.errors import ArgumentParser, exit_code
from pipeline.evaluation.external import (
    EXTERNAL_EVALUATIONS,
    evaluate_subjectivity,
    summary_row,
)
from pipeline.models import load_model
from pipeline.runs import require_completed


def rescore(run_dir: Path, name: str, external_dir: str | None) -> dict:
    """One row: the run, and the external evaluation `name` of its saved model."""
    require_completed(run_dir)
    scores = evaluate_subjectivity(load_model(run_dir), name, external_dir)
    return {"run": str(run_dir), "evaluation": name, **summary_row(scores)}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m pipeline.rescore", description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="finished run folders")
    parser.add_argument("--external", choices=EXTERNAL_EVALUATIONS.names(), default="checkthat")
    parser.add_argument("--external-dir", help="the external corpora (default: as runs find them)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return exit_code(
        lambda: print(
            render(
                [rescore(Path(run), args.external, args.external_dir) for run in args.runs],
                args.format,
            )
        )
    )
