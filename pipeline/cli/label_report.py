"""`python -m pipeline.label report`: coverage, overlap, conflict and dev accuracy of each labeling
function, and of the two ways of combining them."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pipeline.cli.compare import render
from pipeline.cli.hydra_config import compose_config, parse_with_overrides
from pipeline.core.errors import ArgumentParser, exit_code
from pipeline.experiment import build_rows, test_side
from pipeline.weak.labelers import fit_labeler
from pipeline.weak.report import lf_report


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m pipeline.label report [--format table|md|csv|json] [Hydra overrides ...]`."""
    parser = ArgumentParser(prog="python -m pipeline.label", description="Labeling-function report")
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--format", choices=["table", "md", "csv", "json"], default="table")
    args = parse_with_overrides(parser, sys.argv[1:] if argv is None else argv)

    def report() -> None:
        cfg = compose_config(args.overrides)
        rows, _, _ = build_rows(cfg)
        held_out = test_side(cfg, rows)
        labeler = fit_labeler(rows, held_out, {**cfg["labeler"], "name": "auto"}, cfg["seed"])
        dev_docs = {r.doc_id for r in rows} - held_out
        print(render(lf_report(rows, dev_docs, labeler), args.format))

    return exit_code(report)
