"""Compare runs: one row per run folder found below a directory.

    python -m pipeline.compare [DIR] [--sort KEY] [--format table|md|csv|json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from tabulate import tabulate

from pipeline.config import flatten
from pipeline.errors import PipelineError, exit_code
from pipeline.labels import LABELS
from pipeline.runs import find_runs, read_run
from pipeline.sources import REPO_ROOT

VOLATILE_PREFIXES = ("paths.", "data.external_dir", "data.annotations_dir", "experiment_name")
FORMATS = ("table", "md", "csv", "json")


def _read_optional(path: Path, loader) -> dict:
    try:
        return loader(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError):
        return {}


def load_run(run_dir: Path) -> dict:
    """A run's record, metrics (empty if it never finished) and flattened config."""
    config = _read_optional(run_dir / "config.yaml", yaml.safe_load)
    return {
        "dir": run_dir,
        "run": read_run(run_dir),
        "metrics": _read_optional(run_dir / "metrics.json", json.loads),
        "config": {k: v for k, v in flatten(config).items() if not k.startswith(VOLATILE_PREFIXES)},
    }


def differing_keys(configs: Sequence[dict]) -> list[str]:
    """Config keys whose values are not the same in every run."""
    keys = sorted({k for c in configs for k in c})
    return [k for k in keys if len({json.dumps(c.get(k), sort_keys=True) for c in configs}) > 1]


def summarise(runs: Sequence[dict]) -> list[dict]:
    """One flat row per run."""
    changed = differing_keys([r["config"] for r in runs])
    rows = []
    for r in runs:
        m, rec = r["metrics"], r["run"]
        ci = m.get("macro_f1_ci") or [None, None]
        row = {
            "run_id": rec.get("run_id", r["dir"].name),
            "experiment": rec.get("experiment"),
            "model": r["config"].get("model.name"),
            "overrides": " ".join(f"{k}={r['config'][k]}" for k in changed if k in r["config"] and k != "model.name"),
            "macro_f1": m.get("macro_f1"),
            "macro_f1_lo": ci[0],
            "macro_f1_hi": ci[1],
            "accuracy": m.get("accuracy"),
        }
        for label in LABELS:
            row[f"f1_{label}"] = (m.get("per_class") or {}).get(label, {}).get("f1")
        for name in sorted({n for run in runs for n in run["metrics"].get("external", {})}):
            row[f"{name}_macro_f1"] = m.get("external", {}).get(name, {}).get("macro_f1")
        row |= {"duration_s": rec.get("duration_s"), "status": rec.get("status")}
        rows.append(row)
    return rows


def sort_rows(rows: list[dict], key: str) -> list[dict]:
    """Sort by a column; numbers descending (best first), text ascending, missing last."""
    if rows and key not in rows[0]:
        raise PipelineError(f"unknown sort key {key!r}; choose one of: {', '.join(rows[0])}")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    numeric = all(isinstance(r[key], (int, float)) for r in present)
    return sorted(present, key=lambda r: r[key], reverse=numeric) + missing


def with_intervals(rows: list[dict]) -> list[dict]:
    """Rows for reading: macro-F1 shown with its interval in one column."""
    shown = []
    for row in rows:
        out = {k: v for k, v in row.items() if k not in ("macro_f1_lo", "macro_f1_hi")}
        if row["macro_f1"] is not None and row["macro_f1_lo"] is not None:
            out["macro_f1"] = f"{row['macro_f1']:.3f} [{row['macro_f1_lo']:.3f}, {row['macro_f1_hi']:.3f}]"
        shown.append(out)
    return shown


def render(rows: list[dict], fmt: str) -> str:
    """Rows as a terminal table, Markdown, CSV or JSON (tables round numbers to 3 places)."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    return tabulate(rows, headers="keys", tablefmt="github" if fmt == "md" else "simple", floatfmt=".3f")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pipeline.compare", description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", default=str(REPO_ROOT / "experiments"), help="folder holding run folders")
    parser.add_argument("--sort", default="run_id", help="column to sort by (numbers: best first)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--columns", help="comma-separated columns to show (default: all)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    columns = args.columns.split(",") if args.columns else None
    return exit_code(lambda: print(compare(args.dir, args.sort, args.format, columns)))


def select_columns(rows: list[dict], columns: Sequence[str] | None) -> list[dict]:
    """Keep the named columns, in the order given."""
    if not columns or not rows:
        return rows
    unknown = [c for c in columns if c not in rows[0]]
    if unknown:
        raise PipelineError(f"unknown column {unknown[0]!r}; choose from: {', '.join(rows[0])}")
    return [{c: row[c] for c in columns} for row in rows]


def compare(directory: str | Path, sort: str = "run_id", fmt: str = "table", columns: Sequence[str] | None = None) -> str:
    """The comparison of every run below `directory`, rendered."""
    runs = [load_run(d) for d in find_runs(directory)]
    if not runs:
        raise PipelineError(f"no runs under {directory}")
    rows = sort_rows(summarise(runs), sort)
    rows = with_intervals(rows) if fmt in ("table", "md") else rows
    return render(select_columns(rows, columns), fmt)


if __name__ == "__main__":
    sys.exit(main())
