"""Grouped k-fold cross-validation (`eval.folds`, `eval=cv5`): the fold statistics, the folds'
splits, a tiny cross-validated run and how `pipeline.compare` shows it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import run_smoke
from scipy.stats import t

from pipeline.cli.compare import main as compare_main
from pipeline.cli.hydra_config import compose_config
from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABEL2ID
from pipeline.data import rows
from pipeline.data.rows import gold_rows
from pipeline.evaluation import metrics as scoring
from pipeline.experiment import divide, load_data

FOLDS = 3


def test_fold_summary_is_a_t_interval_over_the_folds():
    summary = scoring.fold_summary([0.6, 0.7, 0.65, 0.75], confidence=0.9)
    half = t.ppf(0.95, 3) * np.std([0.6, 0.7, 0.65, 0.75], ddof=1) / 2
    assert summary["mean"] == pytest.approx(0.675) and summary["per_fold"] == [0.6, 0.7, 0.65, 0.75]
    assert summary["std"] == pytest.approx(np.std([0.6, 0.7, 0.65, 0.75], ddof=1))
    assert summary["ci"] == pytest.approx([0.675 - half, 0.675 + half])


def test_pooled_scores_are_over_every_out_of_fold_prediction():
    gold = [np.array([0, 1, 2, 3]), np.array([0, 0, 1]), np.array([2, 2, 1])]
    pred = [np.array([0, 1, 2, 0]), np.array([0, 1, 1]), np.array([2, 0, 1])]
    cv = scoring.cross_validation(gold, pred)
    assert cv["folds"] == 3 and cv["n_test"] == [4, 3, 3]
    assert cv["pooled_macro_f1"] == scoring.macro_f1(np.concatenate(gold), np.concatenate(pred))
    assert cv["macro_f1_3"]["per_fold"] == [scoring.macro_f1_3(g, p) for g, p in zip(gold, pred)]
    assert "3-fold cross-validation" in scoring.cv_line(cv)


def test_the_schema_takes_null_or_at_least_two_folds():
    assert "folds" not in compose_config([])["eval"]  # off by default: configs keep their identity
    assert compose_config(["eval=cv5"])["eval"]["folds"] == 5
    assert compose_config(["eval.folds=null"])["eval"]["folds"] is None
    with pytest.raises(PipelineError, match=r"^eval.folds=1 is out of range; allowed: null or"):
        compose_config(["eval.folds=1"])


def _docs(rows) -> set[str]:
    return {r.doc_id for r in rows}


def test_each_fold_trains_and_tunes_beside_its_test_side_only():
    cfg = compose_config(["experiment=smoke", f"eval.folds={FOLDS}", "eval.dev_fraction=0.3"])
    data = load_data(cfg, SimpleNamespace())
    assert len(data.test_sides) == FOLDS
    tested = []
    for fold, side in enumerate(data.test_sides):
        splits, _, _ = divide(cfg, data, fold)
        assert _docs(splits.test) == side and splits.dev and splits.train
        assert not _docs(splits.dev) & side and not _docs(splits.train) & (side | _docs(splits.dev))
        tested += [r.id for r in splits.test]
    everything = gold_rows(data.rows, data.annotations)
    assert sorted(tested) == sorted(r.id for r in everything)  # every gold sentence tested once


def test_a_training_scope_sets_the_test_side_aside_in_every_fold():
    base = ["experiment=smoke", "eval.dev_fraction=0.3"]
    test_side = load_data(compose_config(base), SimpleNamespace()).test_sides[0]
    cfg = compose_config([*base, f"eval.folds={FOLDS}", "eval.cv_scope=training"])
    data = load_data(cfg, SimpleNamespace())
    assert data.set_aside == test_side and len(data.test_sides) == FOLDS
    gold_docs = _docs(gold_rows(data.rows, data.annotations))
    assert set().union(*data.test_sides) == gold_docs - test_side  # each other document once
    for fold, side in enumerate(data.test_sides):
        splits, _, _ = divide(cfg, data, fold)
        assert _docs(splits.test) == side and splits.train
        assert not (_docs(splits.train) | _docs(splits.dev)) & (side | test_side)
    with pytest.raises(PipelineError, match="eval.cv_scope"):
        compose_config([*base, f"eval.folds={FOLDS}", "eval.cv_scope=test"])


def test_a_training_only_source_is_never_held_out_and_trains_in_every_fold():
    base = ["experiment=smoke", "eval.dev_fraction=0.3"]
    alone = load_data(compose_config(base), SimpleNamespace())
    pool = {r.doc_id for r in alone.rows if r.source == "seed" and r.label_source == "gold"}
    others = [r for r in alone.rows if r.doc_id not in pool]
    assert pool
    only = [*base, "data.train_only_sources=[seed]"]
    for extra in ([], [f"eval.folds={FOLDS}"]):
        cfg = compose_config([*only, *extra])
        data = load_data(cfg, SimpleNamespace())
        if not extra:  # the test side is the one the other documents give without the pool
            assert data.test_sides == [rows.test_documents(others, 0.3, 0)]
        for fold, side in enumerate(data.test_sides):
            splits, _, _ = divide(cfg, data, fold)
            assert not pool & side and pool <= _docs(splits.train) | _docs(splits.dev)


@pytest.fixture(scope="module")
def cv_run(tmp_path_factory) -> Path:
    """A completed `experiment=smoke eval.folds=3` run, composed and run in-process."""
    root = tmp_path_factory.mktemp("cv")
    return run_smoke(root, "cv0000", f"eval.folds={FOLDS}", "eval.n_bootstrap=10")


@pytest.mark.slow
def test_a_cross_validated_run_reports_the_folds_and_fold_0_as_a_single_split(cv_run, tiny_run):
    metrics = json.loads((cv_run / "metrics.json").read_text())
    single = json.loads((tiny_run / "metrics.json").read_text())
    assert set(metrics) - {"cv"} == set(single)  # the single-split keys, all there
    cv = metrics["cv"]
    assert cv["folds"] == FOLDS and cv["n_test"][0] == metrics["n_test"]
    for key in ("macro_f1_3", "macro_f1"):
        per_fold = cv[key]["per_fold"]
        assert len(per_fold) == FOLDS and all(0 <= v <= 1 for v in per_fold)
        assert cv[key]["mean"] == pytest.approx(np.mean(per_fold))
        assert cv[key]["std"] == pytest.approx(np.std(per_fold, ddof=1))
        low, high = cv[key]["ci"]
        assert low < cv[key]["mean"] < high
        assert per_fold[0] == metrics[key]  # the run folder's files are fold 0
        assert 0 <= cv[f"pooled_{key}"] <= 1
    records = [json.loads(line) for line in (cv_run / "predictions.jsonl").read_text().splitlines()]
    assert len(records) == metrics["n_test"]
    gold = [LABEL2ID[r["gold"]] for r in records]
    pred = [LABEL2ID[r["predicted"]] for r in records]
    assert scoring.macro_f1_3(gold, pred) == pytest.approx(metrics["macro_f1_3"])
    assert (cv_run / "model.json").is_file() and (cv_run / "report.html").is_file()


def test_compare_shows_the_cross_validated_macro_f1(cv_run, capsys):
    assert compare_main([str(cv_run.parent.parent)]) == 0
    table = capsys.readouterr().out
    cv = json.loads((cv_run / "metrics.json").read_text())["cv"]["macro_f1_3"]
    assert "cv_macro_f1_3" in table.splitlines()[0]
    assert f"{cv['mean']:.3f} ± {cv['std']:.3f} ({FOLDS})" in table
    assert compare_main([str(cv_run.parent.parent), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["cv_macro_f1_3"], row["cv_macro_f1_3_std"], row["cv_folds"]) == (
        cv["mean"],
        cv["std"],
        FOLDS,
    )
