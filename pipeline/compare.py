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

import numpy as np
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
        row |= {"train_s": m.get("train_seconds"), "sentences_per_s": m.get("predict_sentences_per_s"),
                "duration_s": rec.get("duration_s"), "status": rec.get("status")}
        rows.append(row)
    return rows


def group_rows(runs: Sequence[dict], rows: Sequence[dict], key: str) -> list[dict]:
    """Aggregate completed runs by `key` (a column such as `model`, or any config key such as
    `model.params.C`): `n_runs`, and mean and standard deviation of every metric."""
    groups: dict[str, list[dict]] = {}
    for run, row in zip(runs, rows):
        if row["status"] != "completed":
            continue
        if key not in row and key not in run["config"]:
            raise PipelineError(f"unknown group key {key!r}: not a column ({', '.join(row)}) nor a config key")
        value = row[key] if key in row else run["config"][key]
        groups.setdefault(json.dumps(value, sort_keys=True), []).append(row)
    metrics = [k for k in (rows[0] if rows else {}) if k.startswith(("macro_f1", "f1_", "accuracy")) or k.endswith(("_macro_f1", "_s"))]
    metrics = [k for k in metrics if k not in ("macro_f1_lo", "macro_f1_hi")]
    out = []
    for value, members in groups.items():
        group = {key: json.loads(value), "n_runs": len(members)}
        for metric in metrics:
            values = np.array([m[metric] for m in members if m.get(metric) is not None], dtype=float)
            group[f"{metric}_mean"] = float(values.mean()) if len(values) else None
            group[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else (0.0 if len(values) else None)
        out.append(group)
    return out


def with_spread(groups: list[dict]) -> list[dict]:
    """Grouped rows for reading: `mean ± std` in one column per metric."""
    shown = []
    for group in groups:
        out = {}
        for k, v in group.items():
            if k.endswith("_std"):
                continue
            if k.endswith("_mean"):
                std = group[k[:-5] + "_std"]
                out[k[:-5]] = None if v is None else f"{v:.3f} ± {std:.3f}"
            else:
                out[k] = v
        shown.append(out)
    return shown


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
    parser.add_argument("--group-by", help="aggregate runs by a column or config key (e.g. model): mean and std")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    columns = args.columns.split(",") if args.columns else None
    return exit_code(lambda: print(compare(args.dir, args.sort, args.format, columns, args.group_by)))


def select_columns(rows: list[dict], columns: Sequence[str] | None) -> list[dict]:
    """Keep the named columns, in the order given."""
    if not columns or not rows:
        return rows
    unknown = [c for c in columns if c not in rows[0]]
    if unknown:
        raise PipelineError(f"unknown column {unknown[0]!r}; choose from: {', '.join(rows[0])}")
    return [{c: row[c] for c in columns} for row in rows]


def compare(directory: str | Path, sort: str = "run_id", fmt: str = "table", columns: Sequence[str] | None = None,
            group_by: str | None = None) -> str:
    """The comparison of every run below `directory` (or of groups of runs), rendered."""
    runs = [load_run(d) for d in find_runs(directory)]
    if not runs:
        raise PipelineError(f"no runs under {directory}")
    rows = summarise(runs)
    if group_by:
        groups = group_rows(runs, rows, group_by)
        key = sort if groups and sort in groups[0] else f"{sort}_mean"
        groups = sort_rows(groups, key if groups and key in groups[0] else group_by)
        shown = with_spread(groups) if fmt in ("table", "md") else groups
    else:
        rows = sort_rows(rows, sort)
        shown = with_intervals(rows) if fmt in ("table", "md") else rows
    return render(select_columns(shown, columns), fmt)


if __name__ == "__main__":
    sys.exit(main())
