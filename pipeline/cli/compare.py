"""Compare runs: one row per run folder found below a directory, groups of runs, or two runs.

    python -m pipeline.compare [DIR ...] [--sort KEY] [--format table|md|csv|json]
        [--group-by KEY[,KEY...]]
        [--filter KEY=VALUE ...] [--show-config | --only-changed] [--columns A,B] [--plot FILE.png]
    python -m pipeline.compare diff RUN_A RUN_B [--format table|md|json]
    python -m pipeline.compare curve DIR [--metric macro_f1_3] [--plot FILE.png]

The default table is for reading in a terminal and fits `TABLE_WIDTH` (120) columns: short run
ids, only the config keys that differ between the listed runs, under short names (`model.C`),
long values cut, and fewer columns where it would still be too wide (a last line names them).
`--show-config`, `--only-changed`, `--columns` and the md, csv and json formats show full column
names and full values.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from tabulate import tabulate

from pipeline.core.config import VOLATILE_PREFIXES, flatten, model_label
from pipeline.core.errors import ArgumentParser, PipelineError, exit_code
from pipeline.core.files import REPO_ROOT, atomic_path, iter_jsonl
from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.evaluation.statistics import mcnemar, paired_bootstrap
from pipeline.runs import find_runs, read_run, run_status

FORMATS = ("table", "md", "csv", "json")
TABLE_WIDTH = 120  # the default table fits a terminal this wide
VALUE_WIDTH = 16  # longer values are cut in the default table
SHORT_ID = 6  # the default table shows the last 6 characters of a run id (more if not unique)


def _read_optional(path: Path, loader) -> dict:
    """A JSON or YAML mapping, or {} when the file is missing or broken (safe loaders: data
    only)."""
    try:
        value = loader(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return value if isinstance(value, dict) else {}


def _record(run_dir: Path) -> dict:
    """A run's record with its real status (`run_status`); `unreadable` when run.json is broken."""
    try:
        record = read_run(run_dir)
    except PipelineError as err:
        return {"status": "unreadable", "error": str(err)}
    return record | {"status": run_status(record)}


def load_run(run_dir: Path) -> dict:
    """A run's record, metrics (empty if it never finished) and flattened config; a broken file
    never hides the run (it is listed with what could be read)."""
    config = _read_optional(run_dir / "config.yaml", yaml.safe_load)
    return {
        "dir": run_dir,
        "run": _record(run_dir),
        "metrics": _read_optional(run_dir / "metrics.json", json.loads),
        "config": {k: v for k, v in flatten(config).items() if not k.startswith(VOLATILE_PREFIXES)},
    }


def differing_keys(configs: Sequence[dict]) -> list[str]:
    """Config keys whose values are not the same in every run."""
    keys = sorted({k for c in configs for k in c})
    return [k for k in keys if len({json.dumps(c.get(k), sort_keys=True) for c in configs}) > 1]


# Cross-validation columns, in rows only when a run has `metrics.json["cv"]` (`eval.folds`).
CV_COLUMNS = ("cv_macro_f1_3", "cv_macro_f1_3_std", "cv_folds")


def _cv_columns(metrics: dict) -> dict:
    """Mean and standard deviation over the folds of a run's 3-way macro-F1, and the number of
    folds (None for a run without cross-validation)."""
    cv = metrics.get("cv") if isinstance(metrics.get("cv"), dict) else {}
    score = cv.get("macro_f1_3") if isinstance(cv.get("macro_f1_3"), dict) else {}
    return dict(zip(CV_COLUMNS, (score.get("mean"), score.get("std"), cv.get("folds"))))


def without_unused_cv(rows: list[dict]) -> list[dict]:
    """Rows without the cross-validation columns if no row has a value in them."""
    if any(row.get(CV_COLUMNS[0]) is not None for row in rows):
        return rows
    return [{k: v for k, v in row.items() if k not in CV_COLUMNS} for row in rows]


def summarise(runs: Sequence[dict]) -> list[dict]:
    """One flat row per run (with `CV_COLUMNS` when a run has cross-validation metrics)."""
    changed = differing_keys([r["config"] for r in runs])
    has_cv = any("cv" in r["metrics"] for r in runs)
    rows = []
    for r in runs:
        m, rec = r["metrics"], r["run"]
        ci = m.get("macro_f1_ci") or [None, None]
        ci3 = m.get("macro_f1_3_ci") or [None, None]
        row = {
            "run_id": rec.get("run_id", r["dir"].name),
            "experiment": rec.get("experiment"),
            "model": model_label(r["config"], "model."),
            "overrides": " ".join(
                f"{k}={r['config'][k]}" for k in changed if k in r["config"] and k != "model.name"
            ),
            "macro_f1_3": m.get("macro_f1_3"),
            "macro_f1_3_lo": ci3[0],
            "macro_f1_3_hi": ci3[1],
            "macro_f1": m.get("macro_f1"),
            "macro_f1_lo": ci[0],
            "macro_f1_hi": ci[1],
            **(_cv_columns(m) if has_cv else {}),
            "accuracy": m.get("accuracy"),
        }
        for label in LABELS:
            row[f"f1_{label}"] = (m.get("per_class") or {}).get(label, {}).get("f1")
        for name in sorted({n for run in runs for n in run["metrics"].get("external", {})}):
            row[f"{name}_macro_f1"] = m.get("external", {}).get(name, {}).get("macro_f1")
        row |= {
            "train_s": m.get("train_seconds"),
            "sentences_per_s": m.get("predict_sentences_per_s"),
            "duration_s": rec.get("duration_s"),
            "status": rec.get("status"),
        }
        rows.append(row)
    return rows


def group_rows(runs: Sequence[dict], rows: Sequence[dict], keys: Sequence[str]) -> list[dict]:
    """Aggregate completed runs by `keys` (columns such as `model`, or any config keys such as
    `model.params.C`; one group per combination of values): `n_runs`, and mean and standard
    deviation of every metric."""
    groups: dict[str, list[dict]] = {}
    for run, row in zip(runs, rows):
        if row["status"] != "completed":
            continue
        for key in keys:
            if key not in row and key not in run["config"]:
                raise PipelineError(
                    f"unknown group key {key!r}: not a column ({', '.join(row)}) nor a config key"
                )
        values = [_value_of(run, row, key) for key in keys]
        groups.setdefault(json.dumps(values, sort_keys=True), []).append(row)
    metrics = [
        k
        for k in (rows[0] if rows else {})
        if k.startswith(("macro_f1", "f1_", "accuracy", "cv_macro_f1_3"))
        or k.endswith(("_macro_f1", "_s"))
    ]
    metrics = [k for k in metrics if k not in ("macro_f1_lo", "macro_f1_hi", "cv_macro_f1_3_std")]
    out = []
    for encoded, members in groups.items():
        group = dict(zip(keys, json.loads(encoded))) | {"n_runs": len(members)}
        for metric in metrics:
            values = np.array(
                [m[metric] for m in members if m.get(metric) is not None], dtype=float
            )
            group[f"{metric}_mean"] = float(values.mean()) if len(values) else None
            group[f"{metric}_std"] = (
                float(values.std(ddof=1)) if len(values) > 1 else (0.0 if len(values) else None)
            )
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
    """Rows for reading: each macro-F1 (3-way, 4-way) shown with its interval in one column, and
    the cross-validated one as `mean ± std (folds)`."""
    shown = []
    for row in rows:
        out = dict(row)
        for key in ("macro_f1_3", "macro_f1"):
            low, high = out.pop(f"{key}_lo", None), out.pop(f"{key}_hi", None)
            if row.get(key) is not None and low is not None:
                out[key] = f"{row[key]:.3f} [{low:.3f}, {high:.3f}]"
        std, folds = out.pop("cv_macro_f1_3_std", None), out.pop("cv_folds", None)
        if row.get("cv_macro_f1_3") is not None and std is not None:
            out["cv_macro_f1_3"] = f"{row['cv_macro_f1_3']:.3f} ± {std:.3f} ({folds})"
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
    return tabulate(
        rows, headers="keys", tablefmt="github" if fmt == "md" else "simple", floatfmt=".3f"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m pipeline.compare", description=__doc__.split("\n")[0])
    parser.add_argument(
        "dirs",
        nargs="*",
        default=[str(REPO_ROOT / "experiments")],
        metavar="dir",
        help="folders holding run folders (default: experiments/)",
    )
    parser.add_argument("--sort", default="run_id", help="column to sort by (numbers: best first)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--columns", help="comma-separated columns to show (default: all)")
    parser.add_argument(
        "--group-by",
        help="aggregate runs by a column or config key (e.g. model), or by several "
        "(experiment,model): mean and std",
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep runs whose column or config key has this value (repeatable)",
    )
    parser.add_argument(
        "--show-config",
        action="store_true",
        help="every column, and one per config key, with full names and values "
        f"(the default table fits {TABLE_WIDTH} columns)",
    )
    parser.add_argument(
        "--only-changed",
        action="store_true",
        help="like --show-config, but config columns only for keys that differ",
    )
    parser.add_argument(
        "--plot", help="write macro-F1 per run (or per group) with error bars to this PNG"
    )
    return parser.parse_args(argv)


def parse_diff_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m pipeline.compare diff", description="Compare two runs")
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    parser.add_argument("--format", choices=("table", "md", "json"), default="table")
    parser.add_argument("--resamples", type=int, default=2000, help="paired bootstrap resamples")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["curve"]:
        from pipeline.cli.curve import learning_curve  # it builds on this module

        return exit_code(lambda: print(learning_curve(argv[1:])))
    if argv[:1] == ["diff"]:
        args = parse_diff_args(argv[1:])
        return exit_code(
            lambda: print(
                render_diff(diff_runs(args.run_a, args.run_b, args.resamples), args.format)
            )
        )
    args = parse_args(argv)
    options = CompareOptions(
        args.sort,
        args.format,
        args.columns.split(",") if args.columns else None,
        args.group_by.split(",") if args.group_by else None,
        args.filter,
        args.show_config or args.only_changed,
        args.only_changed,
        args.plot,
    )
    return exit_code(lambda: print(compare(args.dirs, options)))


def select_columns(rows: list[dict], columns: Sequence[str] | None) -> list[dict]:
    """Keep the named columns, in the order given."""
    if not columns or not rows:
        return rows
    unknown = [c for c in columns if c not in rows[0]]
    if unknown:
        raise PipelineError(f"unknown column {unknown[0]!r}; choose from: {', '.join(rows[0])}")
    return [{c: row[c] for c in columns} for row in rows]


@dataclass
class CompareOptions:
    """What `compare` shows and how."""

    sort: str = "run_id"
    fmt: str = "table"
    columns: Sequence[str] | None = None
    group_by: Sequence[str] | None = None  # one key or several
    filters: Sequence[str] = ()
    show_config: bool = False
    only_changed: bool = False
    plot: str | None = None


def _value_of(run: dict, row: dict, key: str):
    return row[key] if key in row else run["config"].get(key)


def apply_filters(
    runs: list[dict], rows: list[dict], filters: Sequence[str]
) -> tuple[list[dict], list[dict]]:
    """Keep the runs whose column or config key equals each KEY=VALUE (compared as text)."""
    for spec in filters:
        key, sep, value = spec.partition("=")
        if not sep:
            raise PipelineError(f"bad filter {spec!r}: use KEY=VALUE")
        kept = [
            (run, row)
            for run, row in zip(runs, rows)
            if str(_value_of(run, row, key)) == value
            or json.dumps(_value_of(run, row, key)) == value
        ]
        runs, rows = [r for r, _ in kept], [w for _, w in kept]
    return runs, rows


def add_config_columns(runs: list[dict], rows: list[dict], only_changed: bool) -> list[dict]:
    """One column per config key (only those that differ, with `only_changed`)."""
    keys = (
        differing_keys([r["config"] for r in runs])
        if only_changed
        else sorted({k for r in runs for k in r["config"]})
    )
    return [
        {
            **{k: v for k, v in row.items() if k != "overrides"},
            **{k: run["config"].get(k) for k in keys},
        }
        for run, row in zip(runs, rows)
    ]


def short_names(keys: Sequence[str], reserved: Collection[str] = ()) -> dict[str, str]:
    """Names for config keys in the default table: no `params` segment, and of deeper keys only
    the first segment and the last two (`model.params.C` -> `model.C`, `data.corpora.seed.path`
    -> `data.seed.path`). Keys whose names would clash with each other or with a `reserved` name
    keep more of their segments, at worst their full key."""
    parts = {k: [p for p in k.split(".") if p != "params"] or [k] for k in keys}
    tail = dict.fromkeys(keys, 2)  # how many last segments a name keeps after the first one

    def name(key: str) -> str:
        p = parts[key]
        return ".".join(p if len(p) <= tail[key] + 1 else [p[0], *p[-tail[key] :]])

    while True:
        names = {k: name(k) for k in keys}
        counts = Counter(names.values())
        clash = [k for k in keys if counts[names[k]] > 1 or names[k] in reserved]
        longer = [k for k in clash if tail[k] + 1 < len(parts[k])]
        if not longer:
            break
        for key in longer:
            tail[key] += 1
    names |= {k: k for k in clash}
    return names if len(set(names.values())) == len(names) else {k: k for k in keys}


def cut(text: str, width: int = VALUE_WIDTH) -> str:
    """`text`, or its start and its end around an ellipsis, `width` characters in all (the end of
    a path or of a list tells runs apart as often as its start)."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def _end_cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def short_ids(ids: Sequence[str], size: int = SHORT_ID) -> list[str]:
    """The last `size` characters of each run id, or more where that would not tell two apart."""
    longest = max(map(len, ids), default=0)
    while size < longest and len({i[-size:] for i in ids}) < len(set(ids)):
        size += 1
    return [i[-size:] for i in ids]


def _config_cell(config: dict, key: str) -> str | None:
    """A config value for the default table: text as it is, anything else as JSON, cut."""
    if key not in config:
        return None
    value = config[key]
    return cut(value if isinstance(value, str) else json.dumps(value, default=str))


def _set_by_model(runs: Sequence[dict], key: str) -> bool:
    """Whether the model column already tells a key's value: runs of one model all agree on it."""
    values: dict[str | None, set[str]] = {}
    for run in runs:
        config = run["config"]
        value = json.dumps([key in config, config.get(key)], sort_keys=True, default=str)
        values.setdefault(model_label(config, "model."), set()).add(value)
    return all(len(v) == 1 for v in values.values())


def _render_columns(table: dict[str, list]) -> str:
    """Columns (name -> values) as a terminal table in the style of tabulate's `simple`, but each
    column only as wide as its widest name or value: numbers right-aligned (floats with 3
    decimals), text left-aligned as it is (a run id such as `004421` is not read as a number)."""
    columns = []
    for name, values in table.items():
        cells = [
            "" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in values
        ]
        size = max(len(name), *map(len, cells))
        numeric = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if v is not None
        )
        align = str.rjust if numeric else str.ljust
        columns.append([align(name, size), "-" * size, *(align(c, size) for c in cells)])
    return "\n".join("  ".join(line).rstrip() for line in zip(*columns))


def _width(text: str) -> int:
    return max(map(len, text.splitlines()), default=0)


def compact_table(runs: Sequence[dict], rows: Sequence[dict], width: int = TABLE_WIDTH) -> str:
    """The default table: `rows` (`with_intervals`, in the order of `runs`) with the config keys
    that differ between the runs as columns under short names (not those the model column or the
    cross-validation column's fold count tells), values cut, and, while the table is wider than
    `width`, these changes in turn: timings go; the experiment goes if it is the same for all; run
    ids are cut; config columns the model column already tells (same value for every run of a
    model) go; model and experiment names are cut; then accuracy, per-label F1 (from the last
    label), other evaluations, the experiment, cross-validation and the remaining config columns
    go, so that what tells runs apart goes last. A last line names what went."""
    in_model_column = ("model.name", "model.label")
    in_cv_column = ("eval.folds",) if "cv_macro_f1_3" in rows[0] else ()  # `± std (folds)`
    told = (*in_model_column, *in_cv_column)
    keys = [k for k in differing_keys([r["config"] for r in runs]) if k not in told]
    names = short_names(keys, reserved=rows[0])
    table: dict[str, list] = {}
    for column in rows[0]:
        if column == "overrides":
            table |= {names[k]: [_config_cell(run["config"], k) for run in runs] for k in keys}
        else:
            table[column] = [row[column] for row in rows]
    table["run_id"] = [str(v) for v in table["run_id"]]

    def shorten_ids() -> None:
        table["run_id"] = short_ids(table["run_id"])

    def cut_names() -> None:
        for column in ("model", "experiment"):
            if column in table:
                table[column] = [None if v is None else cut(str(v)) for v in table[column]]

    experiments = set(table["experiment"])
    by_model = [names[k] for k in keys if _set_by_model(runs, k)]
    others = [names[k] for k in keys if names[k] not in by_model]
    evaluations = [c for c in table if c.endswith("_macro_f1")]
    steps = [
        "sentences_per_s",
        "train_s",
        "duration_s",
        *(["experiment"] if len(experiments) == 1 else []),
        shorten_ids,
        *reversed(by_model),
        cut_names,
        "accuracy",
        *reversed([f"f1_{label}" for label in LABELS]),
        *reversed(evaluations),
        "experiment",
        "cv_macro_f1_3",
        *reversed(others),
    ]
    order = list(table)
    text = _render_columns(table)
    for step in steps:
        if _width(text) <= width:
            break
        if callable(step):
            step()
        elif step in table:
            del table[step]
        text = _render_columns(table)
    hidden = [c for c in order if c not in table and c not in others + by_model]
    if len(experiments) == 1 and "experiment" in hidden:
        hidden[hidden.index("experiment")] = f"experiment={next(iter(experiments))}"
    config = [c for c in order if c not in table and c in others + by_model]
    count = f"{len(config)} config key{'s' * (len(config) > 1)}"
    notes = [[*hidden, f"{count} ({', '.join(config)})"], [*hidden, count]] if config else [hidden]
    notes = [f"hidden (see --show-config): {', '.join(note)}" for note in notes if note]
    if notes:
        text += "\n" + _end_cut(next((n for n in notes if len(n) <= width), notes[-1]), width)
    return text


def compare(
    directories: str | Path | Sequence[str | Path], options: CompareOptions | None = None
) -> str:
    """The comparison of every run below `directories` (one folder or several), or of groups of
    runs, rendered."""
    options = options or CompareOptions()
    folders = [directories] if isinstance(directories, (str, Path)) else directories
    found = {d.resolve(): d for folder in folders for d in find_runs(folder)}  # each run once
    runs = [load_run(d) for d in found.values()]
    runs, rows = apply_filters(runs, summarise(runs), options.filters)
    rows = without_unused_cv(rows)
    if not runs:
        raise PipelineError(
            f"no runs under {', '.join(map(str, folders))}"
            + (" match the filters" if options.filters else "")
        )
    readable = options.fmt in ("table", "md")
    if options.group_by:
        groups = group_rows(runs, rows, options.group_by)
        key = options.sort if groups and options.sort in groups[0] else f"{options.sort}_mean"
        groups = sort_rows(groups, key if groups and key in groups[0] else options.group_by[0])
        if options.plot:
            plot_macro_f1(
                ["/".join(str(g[k]) for k in options.group_by) for g in groups],
                [g["macro_f1_mean"] for g in groups],
                [(g["macro_f1_std"], g["macro_f1_std"]) for g in groups],
                options.plot,
                f"macro-F1 by {', '.join(options.group_by)} (mean ± std)",
            )
        shown = with_spread(groups) if readable else groups
    else:
        if options.show_config:
            rows = add_config_columns(runs, rows, options.only_changed)
        run_of = {id(row): run for run, row in zip(runs, rows)}
        rows = sort_rows(rows, options.sort)
        runs = [run_of[id(row)] for row in rows]
        if options.plot:
            done = [r for r in rows if r["macro_f1"] is not None]
            plot_macro_f1(
                [f"{r['experiment']}/{r['model']} {r['run_id'][-6:]}" for r in done],
                [r["macro_f1"] for r in done],
                [
                    (r["macro_f1"] - r["macro_f1_lo"], r["macro_f1_hi"] - r["macro_f1"])
                    for r in done
                ],
                options.plot,
                "macro-F1 per run (95% bootstrap interval)",
            )
        if options.fmt == "table" and not options.show_config and not options.columns:
            return compact_table(runs, with_intervals(rows))
        shown = with_intervals(rows) if readable else rows
    return render(select_columns(shown, options.columns), options.fmt)


def plot_macro_f1(
    names: list[str], values: list[float], errors: list[tuple[float, float]], path: str, title: str
) -> None:
    """A horizontal bar chart of macro-F1 with error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.4), dpi=120)
    ax.barh(range(len(names)), values, xerr=np.array(errors).T, color="#4c78a8", capsize=3)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("macro-F1")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def run_predictions(run_dir: Path) -> dict[str, dict]:
    """A finished run's test predictions by unit id (`doc#start-end`)."""
    path = run_dir / "predictions.jsonl"
    if not path.is_file():
        raise PipelineError(f"{run_dir} has no predictions.jsonl: is it a finished run?")
    return {r["id"]: r for _, r in iter_jsonl(path)}


def diff_runs(run_a: Path, run_b: Path, resamples: int = 2000) -> dict:
    """Config difference, metric deltas (b - a) and paired significance tests on the test units
    both runs share."""
    a, b = load_run(run_a), load_run(run_b)
    for run in (a, b):
        if run["run"].get("status") != "completed":
            raise PipelineError(
                f"run {run['dir']} is not a finished run (status: {run['run'].get('status')})"
            )
    config = {
        k: [a["config"].get(k), b["config"].get(k)]
        for k in differing_keys([a["config"], b["config"]])
    }
    metrics = {
        "macro_f1": [a["metrics"]["macro_f1"], b["metrics"]["macro_f1"]],
        "accuracy": [a["metrics"]["accuracy"], b["metrics"]["accuracy"]],
    }
    for label in LABELS:
        metrics[f"f1_{label}"] = [
            a["metrics"]["per_class"][label]["f1"],
            b["metrics"]["per_class"][label]["f1"],
        ]
    pred_a, pred_b = run_predictions(run_a), run_predictions(run_b)
    shared = sorted(set(pred_a) & set(pred_b))
    if not shared:
        raise PipelineError(
            "the two runs share no test units: they were evaluated on different data"
        )
    gold = np.array([LABEL2ID[pred_a[i]["gold"]] for i in shared])
    ya = np.array([LABEL2ID[pred_a[i]["predicted"]] for i in shared])
    yb = np.array([LABEL2ID[pred_b[i]["predicted"]] for i in shared])
    return {
        "run_a": a["run"]["run_id"],
        "run_b": b["run"]["run_id"],
        "config": config,
        "metrics": {k: {"a": va, "b": vb, "delta": vb - va} for k, (va, vb) in metrics.items()},
        "n_shared": len(shared),
        "paired_bootstrap": paired_bootstrap(gold, ya, yb, resamples),
        "mcnemar": mcnemar(gold, ya, yb),
    }


def render_diff(result: dict, fmt: str) -> str:
    """A diff as JSON, or as readable tables with the tests underneath."""
    if fmt == "json":
        return json.dumps(result, indent=2)
    config = [
        {"key": k, "a": json.dumps(va), "b": json.dumps(vb)}
        for k, (va, vb) in result["config"].items()
    ]
    metrics = [{"metric": k, **v} for k, v in result["metrics"].items()]
    boot, mc = result["paired_bootstrap"], result["mcnemar"]
    lines = [
        f"a = {result['run_a']}    b = {result['run_b']}",
        "",
        render(config, fmt) if config else "(identical configs)",
        "",
        render(metrics, fmt),
        "",
        f"shared test units: {result['n_shared']}",
        (
            f"paired bootstrap: delta macro-F1 {boot['delta_macro_f1']:+.3f} "
            f"[{boot['delta_ci'][0]:+.3f}, {boot['delta_ci'][1]:+.3f}], "
            f"p = {boot['p_value']:.4f}"
        ),
        (
            f"McNemar: a right only {mc['only_a_right']}, b right only {mc['only_b_right']}, "
            f"p = {mc['p_value']:.4f}"
        ),
    ]
    return "\n".join(lines)
