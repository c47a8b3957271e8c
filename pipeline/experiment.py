"""One experiment, end to end: split -> label -> train -> evaluate, into a run folder.

`run_experiment` takes a plain, resolved config dict (what Hydra composes at the command line,
or any dict of the same shape) and a run folder; it never touches Hydra.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

from pipeline.core.config import config_identity, model_label
from pipeline.core.files import atomic_write_text
from pipeline.core.labels import LABEL2ID
from pipeline.data.annotations import Annotation, label_files_hash, load_annotations
from pipeline.data.corpora import Article, load_articles, load_opinion_sentences, on_arrow
from pipeline.data.pseudo import PseudoLabels, check_test_side, load_pseudo_labels
from pipeline.data.rows import (
    LabelledUnit,
    Splits,
    composition,
    fold_documents,
    gold_rows,
    gold_subsample,
    test_documents,
    training_rows,
    unlabelled_rows,
)
from pipeline.evaluation import external
from pipeline.evaluation import metrics as scoring
from pipeline.evaluation.report import write_report
from pipeline.models import Model, build_model, fit_model, predict_scores, save_model
from pipeline.runs import CONFIG_FILE, RunRecord, fingerprint, tracked_run
from pipeline.split import split_corpus, splitter_from_config
from pipeline.tracking import log_run
from pipeline.weak.labelers import Labeler, fit_labeler
from pipeline.weak.labelling import (
    apply_weak_labels,
    label_articles,
    label_external,
    label_on_arrow,
    to_dataset,
)

log = logging.getLogger(__name__)


def split_and_label(
    cfg: dict, articles: Sequence[Article], annotations: Sequence[Annotation]
) -> list[LabelledUnit]:
    """Every unit of `articles` with its gold label and LF votes: in memory, or on Arrow across
    processes when the corpus is large or `data.backend` asks for it."""
    data_cfg = cfg["data"]
    if on_arrow(data_cfg, articles):
        log.info("split and weak-label on Arrow (%d articles)", len(articles))
        return label_on_arrow(articles, cfg["splitter"], annotations, data_cfg["arrow_num_proc"])
    units = split_corpus(articles, splitter_from_config(cfg["splitter"]))
    return label_articles(articles, units, annotations)


def build_rows(cfg: dict) -> tuple[list[LabelledUnit], list[Annotation], str]:
    """Split and label the configured data; also return the gold annotations and a fingerprint of
    everything read."""
    data_cfg = cfg["data"]
    articles = load_articles(data_cfg)
    annotations = load_annotations(data_cfg["annotations_dir"])
    rows = split_and_label(cfg, articles, annotations)
    external = load_opinion_sentences(data_cfg)
    rows += label_external(external)
    parts = [a.doc_id + a.text for a in articles] + [s.text for s in external]
    parts += [f"{a.doc}{a.start}{a.end}{a.label}" for a in annotations]
    return rows, annotations, fingerprint(parts)


@dataclass
class Data:
    """What a run reads: the labelled rows, the gold annotations and the test side of each fold
    (one unless `eval.folds` asks for cross-validation)."""

    rows: list[LabelledUnit]
    annotations: list[Annotation]
    test_sides: list[set[str]]
    unlabelled: list[LabelledUnit] = field(default_factory=list)  # see `unlabelled_pool`
    # documents no fold trains, tunes or scores on (the test side, under `eval.cv_scope=training`)
    set_aside: set[str] = field(default_factory=set)
    pseudo: PseudoLabels | None = None  # when data.train_sources has `pseudo`


def training_only(cfg: dict, rows: Sequence[LabelledUnit]) -> set[str]:
    """The gold documents of `data.train_only_sources`: trained on, never held out."""
    sources = set(cfg["data"].get("train_only_sources") or ())
    return {r.doc_id for r in rows if r.source in sources and r.label_source == "gold"}


def test_side(cfg: dict, rows: Sequence[LabelledUnit]) -> set[str]:
    """The run's held-out documents: the seeded `eval.test_fraction` of each source's gold
    documents outside `data.train_only_sources`."""
    eval_cfg, pool = cfg["eval"], training_only(cfg, rows)
    return test_documents(rows, eval_cfg["test_fraction"], eval_cfg["split_seed"], pool)


def load_data(cfg: dict, record: RunRecord) -> Data:
    """Split and label the configured data and choose the test side of each fold: the seeded
    `eval.test_fraction` of the gold documents, or `eval.folds` folds of them (with
    `eval.cv_scope=training`, folds of the other documents, the test side set aside)."""
    rows, annotations, record.data_fingerprint = build_rows(cfg)
    eval_cfg = cfg["eval"]
    held_out = test_side(cfg, rows)
    set_aside: set[str] = set()
    if eval_cfg.get("folds"):
        if eval_cfg.get("cv_scope", "all") == "training":
            set_aside = held_out
        pool = training_only(cfg, rows)  # in no fold: trained on in every one
        sides = fold_documents(rows, eval_cfg["folds"], eval_cfg["split_seed"], set_aside | pool)
    else:
        sides = [held_out]
    pseudo = None
    if "pseudo" in cfg["data"]["train_sources"]:
        pseudo = load_pseudo_labels(cfg["data"])
        record.data_fingerprint = fingerprint(
            [record.data_fingerprint, pseudo.made_by, *(f"{r.id}{r.label}" for r in pseudo.rows)]
        )
    return Data(rows, annotations, sides, pseudo=pseudo, set_aside=set_aside)


def unlabelled_pool(cfg: dict, rows: Sequence[LabelledUnit]) -> list[LabelledUnit]:
    """Sentences without gold a model may learn from (`data.unlabelled`; none unless configured):
    those of the loaded articles and of the articles of `data.unlabelled.corpora`."""
    spec = cfg["data"].get("unlabelled")
    if not spec:
        return []
    known = {r.doc_id for r in rows}
    extra = []
    if spec.get("corpora"):
        articles = load_articles({**cfg["data"], "corpora": spec["corpora"]})
        extra = split_and_label(cfg, [a for a in articles if a.doc_id not in known], [])
    return [
        r
        for r in [*rows, *extra]
        if r.kind == "sentence" and not r.external and r.label_source != "gold"
    ]


def divide(cfg: dict, data: Data, fold: int) -> tuple[Splits, Labeler, list[LabelledUnit]]:
    """One fold: the weak labeler fit beside its test side, every row weak-labelled by it, and the
    data divided by article (the dev share for tuning drawn from the other documents only)."""
    held_out = data.test_sides[fold]
    unseen = held_out | data.set_aside  # what nothing of this fold may learn from
    if data.pseudo:
        check_test_side(data.pseudo, unseen)
    labeler = fit_labeler(data.rows, unseen, cfg["labeler"], cfg["seed"])
    rows = apply_weak_labels(data.rows, labeler)
    dev_docs = (
        test_documents(rows, cfg["eval"]["dev_fraction"], cfg["eval"]["split_seed"] + 1, unseen)
        if cfg["eval"].get("dev_fraction")
        else set()
    )
    gold = gold_rows(rows, data.annotations)
    not_trained = unseen | dev_docs
    left_out = gold_subsample(rows, cfg["data"].get("gold_fraction", 1.0), cfg["seed"], not_trained)
    pseudo = []
    if data.pseudo:  # a seeded sample of data.pseudo.max_sentences (null: all)
        pseudo = unlabelled_rows(
            data.pseudo.rows,
            not_trained,
            set(),  # training_rows drops those of a held-out sentence's text
            cfg["data"]["pseudo"].get("max_sentences"),
            cfg["seed"],
        )
    splits = Splits(
        train=training_rows(
            rows,
            not_trained | left_out,
            cfg["data"]["train_sources"],
            cfg["data"].get("train_exclude_sources") or (),
            pseudo,
        ),
        test=[r for r in gold if r.doc_id in held_out],
        dev=[r for r in gold if r.doc_id in dev_docs],
    )
    if data.unlabelled:
        splits.unlabelled = unlabelled_rows(
            data.unlabelled,
            not_trained,
            {r.text for r in gold if r.doc_id in not_trained},
            cfg["data"]["unlabelled"].get("max_sentences"),
            cfg["seed"],
        )
    return splits, labeler, rows


def prepare(cfg: dict, run_dir: Path, data: Data) -> tuple[Splits, Labeler, dict]:
    """Fold 0 (the only one without cross-validation): its splits and labeler; save its labelled
    dataset."""
    splits, labeler, rows = divide(cfg, data, 0)
    to_dataset(rows).save_to_disk(str(run_dir / "dataset"))
    log.info(
        "train %d sentences (%d unlabelled), test %d sentences%s",
        len(splits.train),
        len(splits.unlabelled),
        len(splits.test),
        f" (fold 0 of {len(data.test_sides)})" if len(data.test_sides) > 1 else "",
    )
    return splits, labeler, {"train": composition(splits.train), "test": composition(splits.test)}


# Test sentences labelled once before prediction speed is timed.
WARM_UP = 16


def _scores(model: Model, rows: Sequence[LabelledUnit]) -> np.ndarray:
    return predict_scores(
        model, [r.text for r in rows], [r.prev_text for r in rows], [r.next_text for r in rows]
    )


def configured_model(cfg: dict) -> Model:
    """The unfitted model the config names (a bad name or parameter fails before any stage)."""
    params = dict(cfg["model"].get("params") or {})
    if cfg["model"].get("checkpoint"):
        params["checkpoint"] = cfg["model"]["checkpoint"]
    return build_model(cfg["model"]["name"], params, cfg["seed"])


def train(cfg: dict, model: Model, splits: Splits) -> float:
    """Fit `model` on the training rows (and the unlabelled ones, if the model learns from them;
    tuning decision offsets if `model.thresholds`); the seconds it took."""
    rows, extra = splits.train, splits.unlabelled
    began = time.perf_counter()
    fit_model(
        model,
        [r.text for r in rows],
        [LABEL2ID[r.label] for r in rows],
        [r.prev_text for r in rows],
        [r.doc_id for r in rows],
        thresholds=bool(cfg["model"].get("thresholds")),
        unlabelled=([r.text for r in extra], [r.prev_text for r in extra]) if extra else None,
        following=[r.next_text for r in rows],
    )
    return time.perf_counter() - began


def fit_and_measure(
    cfg: dict, run_dir: Path, splits: Splits, model: Model
) -> tuple[np.ndarray, dict]:
    """Train and save the model, score the test side; return the test scores and timings."""
    train_seconds = train(cfg, model, splits)
    save_model(model, cfg["model"]["name"], run_dir)
    _scores(model, splits.test[:WARM_UP])  # one-off costs (lazy loading, allocations) are not speed
    began = time.perf_counter()
    scores = _scores(model, splits.test)
    speed = len(splits.test) / max(time.perf_counter() - began, 1e-9)
    timings = {"train_seconds": round(train_seconds, 2), "predict_sentences_per_s": round(speed, 1)}
    return scores, timings


def _gold_ids(rows: Sequence[LabelledUnit]) -> np.ndarray:
    return np.array([LABEL2ID[r.label] for r in rows], dtype=int)


def cross_validate(cfg: dict, data: Data, first: Splits, first_scores: np.ndarray) -> dict:
    """`metrics.json["cv"]`: fold 0 as scored (`first`, `first_scores`), and each other fold with
    its own weak labeler and a new model fit on the other folds (neither is saved)."""
    gold, pred = [_gold_ids(first.test)], [first_scores.argmax(axis=1)]
    for fold in range(1, len(data.test_sides)):
        splits, _, _ = divide(cfg, data, fold)
        model = configured_model(cfg)
        train(cfg, model, splits)
        gold.append(_gold_ids(splits.test))
        pred.append(_scores(model, splits.test).argmax(axis=1))
        log.info(
            "fold %d of %d: train %d sentences, test %d sentences, macro-F1 (3-way) %.3f",
            fold,
            len(data.test_sides),
            len(splits.train),
            len(splits.test),
            scoring.macro_f1_3(gold[-1], pred[-1]),
        )
    return scoring.cross_validation(gold, pred, cfg["eval"]["confidence"])


def run_identity(cfg: dict) -> str:
    """What makes two runs the same computation: the config less its volatile keys, and the
    label files it reads (gold annotations, pseudo labels), so that a run over grown gold is new."""
    data = cfg["data"]
    pseudo = (data.get("pseudo") or {}).get("dir")  # none configured: no folder to read
    labels = label_files_hash(data["annotations_dir"], *([pseudo] if pseudo else []))
    return fingerprint([config_identity(cfg), labels])


def run_experiment(cfg: dict, run_dir: str | Path, overrides: Sequence[str] = ()) -> dict:
    """Run every stage with `cfg`, write the run folder (and the tracker, if any); the metrics.

    The run goes to `run_dir`, or to `run_dir-2`, ... when another run already holds that folder.
    """
    record = RunRecord(
        run_id=Path(run_dir).name,
        experiment=cfg["experiment_name"],
        seed=cfg["seed"],
        overrides=list(overrides),
        config_hash=run_identity(cfg),
    )
    run_dir = Path(run_dir)
    model = configured_model(cfg)
    splitter_from_config(cfg["splitter"])
    try:
        with tracked_run(run_dir, record) as run_dir:
            atomic_write_text(run_dir / CONFIG_FILE, yaml.safe_dump(cfg, sort_keys=False))
            data = load_data(cfg, record)
            data.unlabelled = unlabelled_pool(cfg, data.rows)
            splits, labeler, data_summary = prepare(cfg, run_dir, data)
            scores, timings = fit_and_measure(cfg, run_dir, splits, model)
            metrics = scoring.compute_metrics(
                _gold_ids(splits.test),
                scores.argmax(axis=1),
                cfg["eval"]["n_bootstrap"],
                cfg["eval"]["confidence"],
                cfg["seed"],
                [r.source for r in splits.test],
            )
            metrics |= {
                "n_train": len(splits.train),
                "n_unlabelled": len(splits.unlabelled),
                "n_test": len(splits.test),
                **timings,
                "labeler": {"method": labeler.method, "dev_accuracy": labeler.dev_accuracy},
                "data": data_summary,
            }
            if splits.dev:  # for tuning: never the test side
                metrics["dev_macro_f1"] = scoring.macro_f1(
                    _gold_ids(splits.dev),
                    _scores(model, splits.dev).argmax(axis=1),
                )
                metrics["n_dev"] = len(splits.dev)
            for name in cfg["eval"].get("external") or []:
                metrics.setdefault("external", {})[name] = external.evaluate_subjectivity(
                    model, name, cfg["data"].get("external_dir")
                )
            if len(data.test_sides) > 1:
                metrics["cv"] = cross_validate(cfg, data, splits, scores)
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
            if "cv" in metrics:
                log.info("%s", scoring.cv_line(metrics["cv"]))
    finally:
        log_run(cfg, run_dir)
    return metrics
