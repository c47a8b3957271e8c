"""One experiment, end to end: split -> label -> train -> evaluate, into a run folder.

`run_experiment` takes a plain, resolved config dict (what Hydra composes at the command line,
or any dict of the same shape) and a run folder; it never touches Hydra.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import yaml

from pipeline.core.config import config_identity, model_label
from pipeline.core.files import atomic_write_text
from pipeline.core.labels import LABEL2ID
from pipeline.data.annotations import Annotation, load_annotations
from pipeline.data.corpora import load_articles, load_opinion_sentences
from pipeline.data.rows import (
    LabelledUnit,
    Splits,
    composition,
    gold_rows,
    gold_subsample,
    test_documents,
    training_rows,
)
from pipeline.evaluation import external
from pipeline.evaluation import metrics as scoring
from pipeline.evaluation.report import write_report
from pipeline.models import Model, build_model, fit_model, predict_scores, save_model
from pipeline.runs import CONFIG_FILE, RunRecord, fingerprint, tracked_run
from pipeline.split import split_corpus, splitter_from_config
from pipeline.tracking import log_run
from pipeline.weak.labelers import Labeler, fit_labeler
from pipeline.weak.labelling import apply_weak_labels, label_articles, label_external, to_dataset

log = logging.getLogger(__name__)


def build_rows(cfg: dict) -> tuple[list[LabelledUnit], list[Annotation], str]:
    """Split and label the configured data; also return the gold annotations and a fingerprint of
    everything read."""
    data_cfg = cfg["data"]
    articles = load_articles(data_cfg)
    units = split_corpus(articles, splitter_from_config(cfg["splitter"]))
    annotations = load_annotations(data_cfg["annotations_dir"])
    rows = label_articles(articles, units, annotations)
    external = load_opinion_sentences(data_cfg)
    rows += label_external(external)
    parts = [a.doc_id + a.text for a in articles] + [s.text for s in external]
    parts += [f"{a.doc}{a.start}{a.end}{a.label}" for a in annotations]
    return rows, annotations, fingerprint(parts)


def prepare(cfg: dict, run_dir: Path, record: RunRecord) -> tuple[Splits, Labeler, dict]:
    """Split, label (gold and weak) and divide the data by article; save the labelled dataset."""
    rows, annotations, record.data_fingerprint = build_rows(cfg)
    held_out = test_documents(rows, cfg["eval"]["test_fraction"], cfg["eval"]["split_seed"])
    labeler = fit_labeler(rows, held_out, cfg["labeler"], cfg["seed"])
    rows = apply_weak_labels(rows, labeler)
    to_dataset(rows).save_to_disk(str(run_dir / "dataset"))
    dev_docs = (
        test_documents(rows, cfg["eval"]["dev_fraction"], cfg["eval"]["split_seed"] + 1, held_out)
        if cfg["eval"].get("dev_fraction")
        else set()
    )
    gold = gold_rows(rows, annotations)
    left_out = gold_subsample(
        rows, cfg["data"].get("gold_fraction", 1.0), cfg["seed"], held_out | dev_docs
    )
    splits = Splits(
        train=training_rows(
            rows,
            held_out | dev_docs | left_out,
            cfg["data"]["train_sources"],
            cfg["data"].get("train_exclude_sources") or (),
        ),
        test=[r for r in gold if r.doc_id in held_out],
        dev=[r for r in gold if r.doc_id in dev_docs],
    )
    log.info("train %d sentences, test %d sentences", len(splits.train), len(splits.test))
    return splits, labeler, {"train": composition(splits.train), "test": composition(splits.test)}


# Test sentences labelled once before prediction speed is timed.
WARM_UP = 16


def _scores(model: Model, rows: Sequence[LabelledUnit]) -> np.ndarray:
    return predict_scores(model, [r.text for r in rows], [r.prev_text for r in rows])


def configured_model(cfg: dict) -> Model:
    """The unfitted model the config names (a bad name or parameter fails before any stage)."""
    params = dict(cfg["model"].get("params") or {})
    if cfg["model"].get("checkpoint"):
        params["checkpoint"] = cfg["model"]["checkpoint"]
    return build_model(cfg["model"]["name"], params, cfg["seed"])


def fit_and_measure(
    cfg: dict, run_dir: Path, splits: Splits, model: Model
) -> tuple[np.ndarray, dict]:
    """Train and save the model, score the test side; return the test scores and timings."""
    began = time.perf_counter()
    fit_model(
        model,
        [r.text for r in splits.train],
        [LABEL2ID[r.label] for r in splits.train],
        [r.prev_text for r in splits.train],
        [r.doc_id for r in splits.train],
    )
    train_seconds = time.perf_counter() - began
    save_model(model, cfg["model"]["name"], run_dir)
    _scores(model, splits.test[:WARM_UP])  # one-off costs (lazy loading, allocations) are not speed
    began = time.perf_counter()
    scores = _scores(model, splits.test)
    speed = len(splits.test) / max(time.perf_counter() - began, 1e-9)
    timings = {"train_seconds": round(train_seconds, 2), "predict_sentences_per_s": round(speed, 1)}
    return scores, timings


def run_experiment(cfg: dict, run_dir: str | Path, overrides: Sequence[str] = ()) -> dict:
    """Run every stage with `cfg`, write the run folder (and the tracker, if any); the metrics.

    The run goes to `run_dir`, or to `run_dir-2`, ... when another run already holds that folder.
    """
    record = RunRecord(
        run_id=Path(run_dir).name,
        experiment=cfg["experiment_name"],
        seed=cfg["seed"],
        overrides=list(overrides),
        config_hash=config_identity(cfg),
    )
    run_dir = Path(run_dir)
    model = configured_model(cfg)
    splitter_from_config(cfg["splitter"])
    try:
        with tracked_run(run_dir, record) as run_dir:
            atomic_write_text(run_dir / CONFIG_FILE, yaml.safe_dump(cfg, sort_keys=False))
            splits, labeler, data_summary = prepare(cfg, run_dir, record)
            scores, timings = fit_and_measure(cfg, run_dir, splits, model)
            gold = [LABEL2ID[r.label] for r in splits.test]
            metrics = scoring.compute_metrics(
                gold,
                scores.argmax(axis=1),
                cfg["eval"]["n_bootstrap"],
                cfg["eval"]["confidence"],
                cfg["seed"],
                [r.source for r in splits.test],
            )
            metrics |= {
                "n_train": len(splits.train),
                "n_test": len(splits.test),
                **timings,
                "labeler": {"method": labeler.method, "dev_accuracy": labeler.dev_accuracy},
                "data": data_summary,
            }
            if splits.dev:  # for tuning: never the test side
                metrics["dev_macro_f1"] = scoring.macro_f1(
                    [LABEL2ID[r.label] for r in splits.dev],
                    _scores(model, splits.dev).argmax(axis=1),
                )
                metrics["n_dev"] = len(splits.dev)
            for name in cfg["eval"].get("external") or []:
                metrics.setdefault("external", {})[name] = external.evaluate_subjectivity(
                    model, name, cfg["data"].get("external_dir")
                )
            test_dicts = [asdict(r) for r in splits.test]
            scoring.write_evaluation(run_dir, test_dicts, scores, metrics)
            write_report(
                run_dir, run_dir.name, model_label(cfg["model"]), metrics, test_dicts, scores
            )
            log.info(
                "macro-F1 (fact, quote, policy) %.3f [%.3f, %.3f]  4-way %.3f [%.3f, %.3f]  "
                "accuracy %.3f  -> %s\n%s",
                metrics["macro_f1_3"],
                *metrics["macro_f1_3_ci"],
                metrics["macro_f1"],
                *metrics["macro_f1_ci"],
                metrics["accuracy"],
                run_dir,
                scoring.per_label_table(metrics),
            )
    finally:
        log_run(cfg, run_dir)
    return metrics
