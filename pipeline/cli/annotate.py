"""Grow the gold corpus: export batches to annotate, import finished annotations; pseudo labels.

    python -m pipeline.annotate export [--run RUN] [--corpus NAME] [-n 100]
        [--order least_confident|most_confident|random|document] [--format jsonl|labelstudio]
        [--output FILE] [config overrides ...]
    python -m pipeline.annotate import FILE [--annotator NAME] [--overwrite] [config overrides ...]
    python -m pipeline.annotate agreement FIRST.jsonl SECOND.jsonl
    python -m pipeline.annotate pseudo --run RUN [--model teacher] [-n 20000] [--output DIR]
    python -m pipeline.annotate ceiling [--format table|md|csv|json]

Export writes sentences that have no gold label yet, with the pre-label and confidence of a finished
run's model (a pre-label is never gold), least confident first by default (uncertainty sampling).
Import validates every record before anything is written: a bad record stops the import with its
line (or task) number, and the gold files are left as they were. Pseudo writes a model's labels of
whole unannotated articles (`data.pseudo.corpora`, outside the run's test side) as standoff pseudo
labels, never gold (`pipeline/data/pseudo.py`). Ceiling scores the gold of CheckThat! train/dev
as `eval=checkthat` scores a model (opinion -> SUBJ) against the corpus's own SUBJ/OBJ labels: the
most a model true to the gold can reach on that evaluation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.cli.compare import FORMATS, render, run_predictions
from pipeline.cli.hydra_config import compose_config, parse_with_overrides
from pipeline.core.errors import ArgumentParser, PipelineError, exit_code
from pipeline.core.files import atomic_write_text, iter_jsonl, read_text_file, write_jsonl
from pipeline.core.labels import LABELS
from pipeline.data.annotations import (
    Annotation,
    agreement,
    annotations_by_doc,
    load_annotations,
    load_annotations_file,
    match_units,
    parse_annotation,
    span_hash,
)
from pipeline.data.corpora import Article, load_articles
from pipeline.data.pseudo import write_pseudo_labels
from pipeline.evaluation.external import CHECKTHAT_TRAINING, gold_ceiling
from pipeline.models.base import read_manifest
from pipeline.predictor import Predictor
from pipeline.runs import completed_runs
from pipeline.split.units import around

ORDERS = ("least_confident", "most_confident", "random", "document")
IMPORT_DIR = "imported"


@dataclass(frozen=True)
class Candidate:
    """A sentence without a gold label, with the model's pre-label."""

    doc: str
    start: int
    end: int
    text: str
    prev: str
    pre_label: str
    confidence: float
    scores: dict[str, float]

    def record(self, model: str) -> dict:
        return {
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "hash": span_hash(self.text),
            "text": self.text,
            "prev": self.prev,
            "pre_label": self.pre_label,
            "confidence": round(self.confidence, 4),
            "scores": self.scores,
            "pre_label_by": model,
        }


def latest_completed_run(experiments_dir: str | Path) -> Path:
    """The most recently started completed run below `experiments_dir`."""
    done = [
        (record.get("started", ""), run_dir) for run_dir, record in completed_runs(experiments_dir)
    ]
    if not done:
        raise PipelineError(
            f"no finished run under {experiments_dir}: run `python -m pipeline` first or pass --run"
        )
    return max(done)[1]


def corpus_articles(cfg: dict, corpus: str | None) -> list[Article]:
    """The articles of the configured corpora, or of one of them."""
    corpora = cfg["data"]["corpora"]
    if corpus is not None:
        if corpora.get(corpus) is None:
            raise PipelineError(
                f"unknown corpus {corpus!r}; "
                f"choose one of: {', '.join(k for k, v in corpora.items() if v)}"
            )
        corpora = {corpus: corpora[corpus]}
    return load_articles({**cfg["data"], "corpora": corpora})


def candidates(
    articles: Sequence[Article], gold: dict[str, list[Annotation]], predictor: Predictor
) -> list[Candidate]:
    """Every sentence of `articles` without a label in `gold` (annotations by document),
    pre-labelled by `predictor`."""
    todo = []
    for article in articles:
        units = predictor.splitter(article.text)
        labelled = match_units(units, gold.get(article.doc_id, []))
        todo += [
            (article.doc_id, unit, *around(units, i))
            for i, unit in enumerate(units)
            if unit.kind == "sentence" and i not in labelled
        ]
    doc_ids, units, prevs, nexts = zip(*todo) if todo else ((), (), (), ())
    labels = predictor.label_texts([unit.text for unit in units], prevs, nexts)
    return [
        Candidate(doc, unit.start, unit.end, unit.text, prev, label, scores[label], scores)
        for doc, unit, prev, (label, scores) in zip(doc_ids, units, prevs, labels)
    ]


def order_candidates(found: list[Candidate], order: str, seed: int) -> list[Candidate]:
    """Active-learning order of the candidates.

    Least confident first, most confident first, random, or article order.
    """
    if order == "least_confident":
        return sorted(found, key=lambda c: c.confidence)
    if order == "most_confident":
        return sorted(found, key=lambda c: -c.confidence)
    if order == "random":
        return [found[i] for i in np.random.default_rng(seed).permutation(len(found))]
    return found


def to_label_studio(records: Sequence[dict]) -> list[dict]:
    """Label Studio tasks with the pre-label as a prediction (config: docs/labelstudio.xml)."""
    return [
        {
            "data": {k: r[k] for k in ("text", "prev", "doc", "start", "end", "hash")},
            "predictions": [
                {
                    "model_version": r["pre_label_by"],
                    "score": r["confidence"],
                    "result": [
                        {
                            "from_name": "label",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [r["pre_label"]]},
                        }
                    ],
                }
            ],
        }
        for r in records
    ]


def export_batch(args: argparse.Namespace) -> None:
    cfg = compose_config(args.overrides)
    run_dir = Path(args.run) if args.run else latest_completed_run(cfg["paths"]["experiments_dir"])
    predictor = Predictor(run_dir)
    gold = annotations_by_doc(load_annotations(cfg["data"]["annotations_dir"]))
    found = candidates(corpus_articles(cfg, args.corpus), gold, predictor)
    chosen = order_candidates(found, args.order, args.seed)[: args.n]
    records = [c.record(f"run:{run_dir.name}") for c in chosen]
    if args.format == "labelstudio":
        text = json.dumps(to_label_studio(records), ensure_ascii=False, indent=1) + "\n"
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.output:
        atomic_write_text(args.output, text)
        print(f"wrote {len(records)} sentences to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def sample_articles(
    articles: Sequence[Article], splitter: object, n: int, seed: int
) -> list[Article]:
    """Whole articles in a seeded random order until they hold at least `n` sentences."""
    chosen, sentences = [], 0
    for i in np.random.default_rng(seed).permutation(len(articles)):
        if sentences >= n:
            break
        chosen.append(articles[i])
        sentences += sum(unit.kind == "sentence" for unit in splitter(articles[i].text))
    return chosen


def make_pseudo_labels(args: argparse.Namespace) -> None:
    cfg = compose_config(args.overrides)
    data_cfg = cfg["data"]
    run_dir = Path(args.run)
    model_dir = run_dir / args.model if args.model else run_dir
    predictor = Predictor(run_dir, model_dir=model_dir)
    test_side = {unit_id.rsplit("#", 1)[0] for unit_id in run_predictions(run_dir)}
    gold = annotations_by_doc(load_annotations(data_cfg["annotations_dir"]))
    pool = [
        a
        for a in load_articles({**data_cfg, "corpora": data_cfg["pseudo"]["corpora"]})
        if a.doc_id not in test_side and a.doc_id not in gold
    ]
    chosen = sample_articles(pool, predictor.splitter, args.n, args.seed)
    made_by = f"{read_manifest(model_dir)['model']} ({model_dir.relative_to(run_dir.parent)})"
    records = [
        {
            "doc": c.doc,
            "start": c.start,
            "end": c.end,
            "hash": span_hash(c.text),
            "label": c.pre_label,
            "annotator": f"model:{made_by}",
            "score": round(c.confidence, 4),
        }
        for c in candidates(chosen, gold, predictor)
    ]
    manifest = {
        "made_by": made_by,
        "command": "python -m pipeline.annotate " + " ".join(args.argv),
        "documents": len(chosen),
        "sentences": len(records),
        "labels": {label: sum(r["label"] == label for r in records) for label in LABELS},
        "test_documents": sorted(test_side),
    }
    output = Path(args.output or data_cfg["pseudo"]["dir"])
    path = write_pseudo_labels(output, records, manifest)
    print(f"wrote {len(records)} pseudo labels ({len(chosen)} articles) to {path}", file=sys.stderr)


def read_import(path: Path, annotator: str | None) -> list[tuple[str, dict]]:
    """(where, raw record) pairs from JSON Lines or a Label Studio JSON export."""
    if path.suffix == ".json":
        try:
            tasks = json.loads(read_text_file(path))
        except json.JSONDecodeError as err:
            raise PipelineError(f"{path}: not a Label Studio JSON export ({err})") from None
        if not isinstance(tasks, list) or not all(isinstance(task, dict) for task in tasks):
            raise PipelineError(f"{path}: expected a list of Label Studio tasks")
        return [
            (f"{path} task {i}", _from_task(task, annotator, f"{path} task {i}"))
            for i, task in enumerate(tasks, 1)
        ]
    pairs = []
    for number, record in iter_jsonl(path, allow_empty=False):
        if annotator and "annotator" not in record:
            record["annotator"] = annotator
        pairs.append((f"{path}:{number}", record))
    return pairs


def _from_task(task: dict, annotator: str | None, where: str) -> dict:
    """The last completed annotation of a Label Studio task as a flat record."""
    done = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
    if not done:
        raise PipelineError(f"{where}: task has no completed annotation")
    choices = [c for r in done[-1].get("result", []) for c in r.get("value", {}).get("choices", [])]
    if len(choices) != 1:
        raise PipelineError(f"{where}: expected exactly one label choice, got {choices}")
    who = annotator or done[-1].get("completed_by_email") or done[-1].get("completed_by")
    if who is None:
        raise PipelineError(f"{where}: no annotator: pass --annotator NAME")
    data = task.get("data", {})
    return {
        **{k: data.get(k) for k in ("doc", "start", "end", "hash")},
        "label": choices[0],
        "annotator": str(who),
    }


def validate(
    pairs: list[tuple[str, dict]], texts: dict[str, str], existing: dict, overwrite: bool
) -> list[Annotation]:
    """Check every record; return the annotations to merge (new or, with overwrite, changed)."""
    seen: set[tuple[str, int, int]] = set()
    merged = []
    for where, record in pairs:
        ann = parse_annotation(record, where)
        key = (ann.doc, ann.start, ann.end)
        if ann.doc not in texts:
            raise PipelineError(
                f"{where}: unknown document {ann.doc!r} (not in the configured corpora)"
            )
        if ann.end > len(texts[ann.doc]):
            raise PipelineError(f"{where}: offsets {ann.start}-{ann.end} lie outside the document")
        if span_hash(texts[ann.doc][ann.start : ann.end]) != ann.hash:
            raise PipelineError(f"{where}: hash does not match the text at {ann.start}-{ann.end}")
        if key in seen:
            raise PipelineError(f"{where}: duplicate record for {ann.doc}:{ann.start}-{ann.end}")
        seen.add(key)
        old = existing.get(key)
        if old is not None and old.label != ann.label and not overwrite:
            raise PipelineError(
                f"{where}: conflicts with gold {old.label!r} by {old.annotator}; "
                "pass --overwrite to replace it"
            )
        if old is None or old.label != ann.label:
            merged.append(ann)
    return merged


def import_batch(args: argparse.Namespace) -> None:
    cfg = compose_config(args.overrides)
    directory = Path(cfg["data"]["annotations_dir"])
    texts = {a.doc_id: a.text for a in load_articles(cfg["data"])}
    existing = {(a.doc, a.start, a.end): a for a in load_annotations(directory)}
    new = validate(read_import(Path(args.file), args.annotator), texts, existing, args.overwrite)
    replaced = {(a.doc, a.start, a.end) for a in new}
    for path in sorted(directory.rglob("*.jsonl")):  # drop the records being replaced
        records = [r for _, r in iter_jsonl(path)]
        kept = [r for r in records if (r["doc"], r["start"], r["end"]) not in replaced]
        if len(kept) != len(records):
            write_jsonl(path, kept)
    target = directory / IMPORT_DIR / f"{Path(args.file).stem}.jsonl"
    previous = [r for _, r in iter_jsonl(target)] if target.is_file() else []
    write_jsonl(target, previous + [a.to_dict() for a in new])
    print(
        f"merged {len(new)} annotations into {target} ({len(existing)} gold before)",
        file=sys.stderr,
    )


def read_pass(path: str) -> list[dict]:
    """One annotation pass for `agreement`: records with at least doc, start and label."""
    records = []
    for number, record in iter_jsonl(path, allow_empty=False):
        missing = [key for key in ("doc", "start", "label") if key not in record]
        if missing:
            raise PipelineError(f"{path}:{number}: record lacks field {missing[0]!r}")
        records.append(record)
    return records


def report_agreement(args: argparse.Namespace) -> None:
    print(json.dumps(agreement(read_pass(args.first), read_pass(args.second)), indent=2))


def gold_stats(directory: Path) -> list[dict]:
    """Documents, sentences and labels of the gold, per folder of `directory` and in total."""
    rows: dict[str, dict] = {}
    for path in sorted(directory.rglob("*.jsonl")):
        part = path.parent.relative_to(directory).as_posix()
        row = rows.setdefault(
            part, {"part": part, "docs": set(), "sentences": 0} | dict.fromkeys(LABELS, 0)
        )
        for ann in load_annotations_file(path):
            row["docs"].add(ann.doc)
            row["sentences"] += 1
            row[ann.label] += 1
    total = {"part": "total", "docs": set().union(*(r["docs"] for r in rows.values()))}
    total |= {key: sum(r[key] for r in rows.values()) for key in ("sentences", *LABELS)}
    return [r | {"docs": len(r["docs"])} for r in [*rows.values(), total]]


def report_stats(args: argparse.Namespace) -> None:
    cfg = compose_config(args.overrides)
    print(render(gold_stats(Path(cfg["data"]["annotations_dir"])), args.format))


def report_ceiling(args: argparse.Namespace) -> None:
    cfg = compose_config(args.overrides)
    gold = {a.doc: a.label for a in load_annotations(Path(cfg["data"]["annotations_dir"]))}
    rows = gold_ceiling(gold, CHECKTHAT_TRAINING, cfg["data"].get("external_dir"))
    print(render(rows, args.format))


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m pipeline.annotate", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export", help="write a batch of unlabelled sentences with pre-labels"
    )
    export.add_argument("--run", help="finished run whose model pre-labels (default: the latest)")
    export.add_argument("--corpus", help="one corpus of the data config (default: all)")
    export.add_argument("-n", type=int, default=100, help="batch size")
    export.add_argument("--order", choices=ORDERS, default="least_confident")
    export.add_argument("--format", choices=("jsonl", "labelstudio"), default="jsonl")
    export.add_argument("--output", help="file to write (default: stdout)")
    export.add_argument("--seed", type=int, default=0, help="for --order random")
    imp = commands.add_parser("import", help="validate and merge annotations into the gold files")
    imp.add_argument("file", help="JSON Lines records or a Label Studio JSON export")
    imp.add_argument("--annotator", help="annotator name for records that carry none")
    imp.add_argument(
        "--overwrite", action="store_true", help="replace existing gold labels that differ"
    )
    agree = commands.add_parser("agreement", help="Cohen's kappa between two annotation passes")
    agree.add_argument("first", help="JSON Lines of the first pass")
    agree.add_argument("second", help="JSON Lines of the second pass")
    pseudo = commands.add_parser(
        "pseudo", help="label sentences of unannotated articles with a finished run's model"
    )
    pseudo.add_argument("--run", required=True, help="finished run whose model labels")
    pseudo.add_argument("--model", help="a model folder inside the run instead (e.g. teacher)")
    pseudo.add_argument("-n", type=int, default=20000, help="sentences (whole articles)")
    pseudo.add_argument("--seed", type=int, default=0, help="for the draw of articles")
    pseudo.add_argument("--output", help="folder to write (default: data.pseudo.dir)")
    stats = commands.add_parser("stats", help="gold documents, sentences and labels per folder")
    stats.add_argument("--format", choices=FORMATS, default="table")
    ceiling = commands.add_parser(
        "ceiling", help="the CheckThat! score of the gold itself (opinion -> SUBJ)"
    )
    ceiling.add_argument("--format", choices=FORMATS, default="table")
    args = parse_with_overrides(parser, argv)
    args.argv = list(argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    commands = {
        "export": export_batch,
        "import": import_batch,
        "agreement": report_agreement,
        "stats": report_stats,
        "pseudo": make_pseudo_labels,
        "ceiling": report_ceiling,
    }
    return exit_code(lambda: commands[args.command](args))
