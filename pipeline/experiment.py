"""One experiment, end to end: split -> label -> train -> evaluate, into a run folder.

`run_experiment` takes a plain, resolved config dict (what Hydra composes at the command line,
or any dict of the same shape) and a run folder; it never touches Hydra.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from pipeline import evaluate, label, sources, split, train
from pipeline.annotations import Annotation, load_annotations
from pipeline.config import config_identity, model_label
from pipeline.errors import PipelineError
from pipeline.files import atomic_write_text
from pipeline.labels import LABEL2ID, LABELS
from pipeline.report import write_report
from pipeline.runs import (
    CONFIG_FILE,
    RunRecord,
    fingerprint,
    tracked_run,
)
from pipeline.tracking import log_run

log = logging.getLogger(__name__)
_LOADERS = {"seed": sources.load_seed, "wikinews": sources.load_wikinews}


def load_articles(data_cfg: dict) -> list[sources.Article]:
    """Every article of the configured corpora."""
    articles = []
    for name, corpus in data_cfg["corpora"].items():
        if corpus is None:
            continue
        loader = _LOADERS.get(corpus["loader"])
        if loader is None:
            raise PipelineError(f"corpus {name!r}: unknown loader {corpus['loader']!r}; choose one of: {', '.join(_LOADERS)}")
        kwargs = {"limit": corpus["limit"]} if corpus.get("limit") else {}
        articles += loader(corpus["path"], data_cfg.get("external_dir"), **kwargs)
    if not articles:
        raise PipelineError("no articles: data.corpora is empty")
    return articles


def load_opinion_sentences(data_cfg: dict) -> list[sources.LabelledSentence]:
    """Sentences of the configured sentence-level corpora (SUBJ as opinion; OBJ when asked for),
    each distinct text once (NewsSD-ENG is contained in CheckThat!)."""
    keep = data_cfg.get("opinion_keep") or ["SUBJ"]
    seen: set[str] = set()
    sentences = []
    for path in data_cfg.get("opinion_sources") or []:
        for sentence in sources.load_subjectivity(path, data_cfg.get("external_dir"), keep=keep):
            if sentence.text not in seen:
                seen.add(sentence.text)
                sentences.append(sentence)
    return sentences


def test_documents(rows: Sequence[label.LabelledUnit], fraction: float, seed: int, exclude: set[str] = frozenset()) -> set[str]:
    """Hold out a seeded share of the gold-annotated documents (at least one), not in `exclude`."""
    gold_docs = sorted({r.doc_id for r in rows if r.label_source == "gold"} - set(exclude))
    if not gold_docs:
        raise PipelineError("no gold-labelled sentences in the loaded corpora: nothing to evaluate on")
    n_test = max(1, round(fraction * len(gold_docs))) if len(gold_docs) > 1 else 1
    rng = np.random.default_rng(seed)
    return set(rng.permutation(gold_docs)[:n_test].tolist())


def fit_labeler(rows: Sequence[label.LabelledUnit], held_out: set[str], labeler_cfg: dict, seed: int) -> label.Labeler:
    """Fit the weak labeler on the training side's votes; its dev set is the training side's gold."""
    train_side = [r for r in rows if r.kind == "sentence" and not r.external and r.doc_id not in held_out]
    dev = [r for r in train_side if r.label_source == "gold"]
    width = len(label.LABELING_FUNCTIONS)
    return label.Labeler(labeler_cfg["name"], labeler_cfg["fallback"], seed, labeler_cfg.get("n_epochs", 500)).fit(
        np.array([r.votes for r in train_side]).reshape(-1, width),
        np.array([r.votes for r in dev]).reshape(-1, width),
        np.array([LABEL2ID[r.label] for r in dev]),
    )


def training_rows(rows: Sequence[label.LabelledUnit], held_out: set[str], sources: Sequence[str]) -> list[label.LabelledUnit]:
    """Training sentences from documents outside the test side, by the sources asked for.

    `gold`: annotated sentences; `weak`: every other article sentence with its weak label (all of
    them when gold is not asked for); `external`: sentences of the extra sentence-level corpora.
    """
    unknown = set(sources) - {"gold", "weak", "external"}
    if unknown:
        raise PipelineError(f"unknown train source {sorted(unknown)[0]!r}; choose from: gold, weak, external")
    chosen = []
    for r in rows:
        if r.kind != "sentence" or r.doc_id in held_out or r.label is None:
            continue
        if r.external:
            if "external" in sources:
                chosen.append(r)
        elif r.label_source == "gold" and "gold" in sources:
            chosen.append(r)
        elif "weak" in sources and r.weak_label is not None:
            chosen.append(replace(r, label=r.weak_label, label_source="weak", annotator="weak_labeler"))
    return chosen


def composition(rows: Sequence[label.LabelledUnit]) -> dict[str, dict[str, int]]:
    """What each source contributes: counts per (source, label_source) and label."""
    table: dict[str, Counter] = {}
    for r in rows:
        table.setdefault(f"{r.source}/{r.label_source}", Counter())[r.label] += 1
    return {key: {lab: counts.get(lab, 0) for lab in LABELS} | {"total": sum(counts.values())}
            for key, counts in sorted(table.items())}


def build_rows(cfg: dict) -> tuple[list[label.LabelledUnit], list[Annotation], str]:
    """Split and label the configured data; also return the gold annotations and a fingerprint of
    everything read."""
    data_cfg = cfg["data"]
    articles = load_articles(data_cfg)
    units = split.split_corpus(articles, split.get_splitter(cfg["splitter"]["name"]))
    annotations = load_annotations(data_cfg["annotations_dir"])
    rows = label.label_articles(articles, units, annotations)
    external = load_opinion_sentences(data_cfg)
    rows += label.label_external(external)
    parts = [a.doc_id + a.text for a in articles] + [s.text for s in external]
    parts += [f"{a.doc}{a.start}{a.end}{a.label}" for a in annotations]
    return rows, annotations, fingerprint(parts)


@dataclass
class Splits:
    """Sentences for training, testing (held-out gold articles) and tuning (dev gold articles); test
    and dev hold one row per gold sentence (`label.gold_rows`), the same for every splitter."""

    train: list[label.LabelledUnit]
    test: list[label.LabelledUnit]
    dev: list[label.LabelledUnit]


def prepare(cfg: dict, run_dir: Path, record: RunRecord) -> tuple[Splits, label.Labeler, dict]:
    """Split, label (gold and weak) and divide the data by article; save the labelled dataset."""
    rows, annotations, record.data_fingerprint = build_rows(cfg)
    held_out = test_documents(rows, cfg["eval"]["test_fraction"], cfg["eval"]["split_seed"])
    labeler = fit_labeler(rows, held_out, cfg["labeler"], cfg["seed"])
    rows = label.apply_weak_labels(rows, labeler)
    label.to_dataset(rows).save_to_disk(str(run_dir / "dataset"))
    dev_docs = (test_documents(rows, cfg["eval"]["dev_fraction"], cfg["eval"]["split_seed"] + 1, held_out)
                if cfg["eval"].get("dev_fraction") else set())
    gold = label.gold_rows(rows, annotations)
    splits = Splits(
        train=training_rows(rows, held_out | dev_docs, cfg["data"]["train_sources"]),
        test=[r for r in gold if r.doc_id in held_out],
        dev=[r for r in gold if r.doc_id in dev_docs],
    )
    log.info("train %d sentences, test %d sentences", len(splits.train), len(splits.test))
    return splits, labeler, {"train": composition(splits.train), "test": composition(splits.test)}


# Test sentences labelled once before prediction speed is timed.
WARM_UP = 16


def _scores(model, rows: Sequence[label.LabelledUnit]) -> np.ndarray:
    return train.predict_scores(model, [r.text for r in rows], [r.prev_text for r in rows])


def fit_and_measure(cfg: dict, run_dir: Path, splits: Splits) -> tuple[object, np.ndarray, dict]:
    """Train and save the model, score the test side; return model, test scores and timings."""
    model_cfg = cfg["model"]
    params = dict(model_cfg.get("params") or {})
    if model_cfg.get("checkpoint"):
        params["checkpoint"] = model_cfg["checkpoint"]
    model = train.build_model(model_cfg["name"], params, cfg["seed"])
    began = time.perf_counter()
    train.fit_model(model, [r.text for r in splits.train], [LABEL2ID[r.label] for r in splits.train],
                    [r.prev_text for r in splits.train], [r.doc_id for r in splits.train])
    train_seconds = time.perf_counter() - began
    train.save_model(model, run_dir)
    _scores(model, splits.test[:WARM_UP])  # one-off costs (lazy loading, first allocations) are not speed
    began = time.perf_counter()
    scores = _scores(model, splits.test)
    speed = len(splits.test) / max(time.perf_counter() - began, 1e-9)
    return model, scores, {"train_seconds": round(train_seconds, 2), "predict_sentences_per_s": round(speed, 1)}


def run_experiment(cfg: dict, run_dir: str | Path, overrides: Sequence[str] = ()) -> dict:
    """Run every stage with `cfg` and write the run folder (and the tracker, if any); return the metrics.

    The run goes to `run_dir`, or to `run_dir-2`, ... when another run already holds that folder.
    """
    record = RunRecord(run_id=Path(run_dir).name, experiment=cfg["experiment_name"], seed=cfg["seed"],
                       overrides=list(overrides), config_hash=config_identity(cfg))
    run_dir = Path(run_dir)
    try:
        with tracked_run(run_dir, record) as run_dir:
            atomic_write_text(run_dir / CONFIG_FILE, yaml.safe_dump(cfg, sort_keys=False))
            splits, labeler, data_summary = prepare(cfg, run_dir, record)
            model, scores, timings = fit_and_measure(cfg, run_dir, splits)
            gold = [LABEL2ID[r.label] for r in splits.test]
            metrics = evaluate.compute_metrics(gold, scores.argmax(axis=1), cfg["eval"]["n_bootstrap"],
                                               cfg["eval"]["confidence"], cfg["seed"])
            metrics |= {"n_train": len(splits.train), "n_test": len(splits.test), **timings,
                        "labeler": {"method": labeler.method, "dev_accuracy": labeler.dev_accuracy},
                        "data": data_summary}
            if splits.dev:  # for tuning: never the test side
                metrics["dev_macro_f1"] = evaluate.macro_f1([LABEL2ID[r.label] for r in splits.dev],
                                                            _scores(model, splits.dev).argmax(axis=1))
                metrics["n_dev"] = len(splits.dev)
            for name in cfg["eval"].get("external") or []:
                metrics.setdefault("external", {})[name] = evaluate.evaluate_subjectivity(
                    model, name, cfg["data"].get("external_dir"))
            test_dicts = [asdict(r) for r in splits.test]
            evaluate.write_evaluation(run_dir, test_dicts, scores, metrics)
            write_report(run_dir, run_dir.name, model_label(cfg["model"]), metrics, test_dicts, scores)
            log.info("macro-F1 %.3f [%.3f, %.3f]  accuracy %.3f  -> %s", metrics["macro_f1"],
                     *metrics["macro_f1_ci"], metrics["accuracy"], run_dir)
    finally:
        log_run(cfg, run_dir)
    return metrics
