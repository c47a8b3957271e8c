"""pipeline.compare on real run folders: the default table, filters, config columns, plots and
the two-run diff."""

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import run_smoke

from pipeline.cli.compare import (
    TABLE_WIDTH,
    compact_table,
    main,
    short_ids,
    short_names,
    summarise,
    with_intervals,
)
from pipeline.evaluation.statistics import mcnemar, paired_bootstrap


@pytest.fixture(scope="module")
def two_runs(tiny_run, tmp_path_factory):
    """The tiny run and a `model=rules` run on the same test side, in one experiments folder."""
    root = tmp_path_factory.mktemp("two")
    shutil.copytree(tiny_run, root / "smoke" / tiny_run.name)
    rules = run_smoke(root, "zrules", "model=rules", "eval.n_bootstrap=10")
    return root, root / "smoke" / tiny_run.name, rules


def output(capsys, *argv) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.slow
def test_filter_only_changed_and_plot(capsys, two_runs, tmp_path):
    root, _, _ = two_runs
    rows = json.loads(output(capsys, str(root), "--format", "json", "--filter", "model=rules"))
    assert [r["model"] for r in rows] == ["rules"]
    rows = json.loads(output(capsys, str(root), "--format", "json", "--only-changed"))
    assert "model.name" in rows[0] and "seed" not in rows[0]  # the seed is the same in both runs
    all_keys = json.loads(output(capsys, str(root), "--format", "json", "--show-config"))
    assert "seed" in all_keys[0]
    output(capsys, str(root), "--plot", str(tmp_path / "f1.png"))
    output(capsys, str(root), "--group-by", "model", "--plot", str(tmp_path / "groups.png"))
    for png in (tmp_path / "f1.png", tmp_path / "groups.png"):
        assert png.read_bytes()[:4] == b"\x89PNG"
    assert main([str(root), "--filter", "model=bert"]) == 2


def test_diff_reports_config_metric_deltas_and_significance(capsys, two_runs):
    _, a, b = two_runs
    result = json.loads(
        output(capsys, "diff", str(a), str(b), "--format", "json", "--resamples", "200")
    )
    assert result["config"]["model.name"] == ["tfidf_logreg", "rules"]
    metric_a = json.loads((a / "metrics.json").read_text())["macro_f1"]
    metric_b = json.loads((b / "metrics.json").read_text())["macro_f1"]
    assert abs(result["metrics"]["macro_f1"]["delta"] - (metric_b - metric_a)) < 1e-12
    assert result["n_shared"] == json.loads((a / "metrics.json").read_text())["n_test"]
    assert 0 <= result["paired_bootstrap"]["p_value"] <= 1
    assert 0 <= result["mcnemar"]["p_value"] <= 1
    assert "paired bootstrap" in output(capsys, "diff", str(a), str(b), "--resamples", "50")


def test_significance_tests_on_known_cases():
    gold = np.array([0, 1, 2, 3] * 50)
    same = paired_bootstrap(gold, gold.copy(), gold.copy(), n_resamples=100)
    assert same["delta_macro_f1"] == 0 and same["p_value"] == 1.0
    worse = np.where(np.arange(200) % 2 == 0, (gold + 1) % 4, gold)
    clear = paired_bootstrap(gold, worse, gold, n_resamples=300)
    assert clear["delta_macro_f1"] > 0.4 and clear["p_value"] < 0.01
    test = mcnemar(gold, worse, gold)
    assert (test["only_a_right"], test["only_b_right"]) == (0, 100) and test["p_value"] < 1e-20


def test_a_model_label_names_the_model_in_results(capsys, two_runs, tmp_path):
    _, _, rules_run = two_runs
    copy = tmp_path / "labelled" / rules_run.name
    shutil.copytree(rules_run, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text())
    config["model"]["label"] = "rules_v2"  # as `+model.label=rules_v2` on the command line does
    (copy / "config.yaml").write_text(yaml.safe_dump(config))
    rows = json.loads(output(capsys, str(tmp_path / "labelled"), "--format", "json"))
    assert [r["model"] for r in rows] == ["rules_v2"]


LONG_PATH = "seed/000_683854a330873483_a_longer_name.txt"


def copy_run(run_dir: Path, copy: Path, changes: dict, experiment: str | None = None) -> None:
    """A real run's record, metrics and config under another folder name, as if it had been run
    with other config values (`changes`: dotted key -> value) or in another experiment."""
    copy.mkdir(parents=True)
    for name in ("metrics.json", "config.yaml"):
        shutil.copy(run_dir / name, copy / name)
    record = json.loads((run_dir / "run.json").read_text())
    record |= {"run_id": copy.name, "experiment": experiment or record["experiment"]}
    (copy / "run.json").write_text(json.dumps(record))
    config = yaml.safe_load((copy / "config.yaml").read_text())
    for key, value in changes.items():
        *parents, leaf = key.split(".")
        node = config
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    (copy / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def sweep(two_runs, tmp_path_factory):
    """Seven runs of two models, three seeds, two values of `model.params.C`, a long corpus path
    and two experiments: the two real runs and copies of them with those config values."""
    _, logreg, rules = two_runs
    root = tmp_path_factory.mktemp("sweep")
    for name, run, changes in [
        ("20990101-000001_a00001", logreg, {}),
        ("20990101-000002_a00002", logreg, {"seed": 2, "model.params.C": 0.5}),
        (
            "20990101-000003_a00003",
            logreg,
            {"seed": 3, "model.params.C": 0.5, "data.corpora.seed.path": LONG_PATH},
        ),
        ("20990101-000004_b00001", rules, {}),
        ("20990101-000005_b00002", rules, {"seed": 2}),
        ("20990101-000006_b00003", rules, {"seed": 3}),
    ]:
        copy_run(run, root / "smoke" / name, changes)
    copy_run(rules, root / "rules_only" / "20990101-000007_c00001", {"seed": 3}, "rules_only")
    return root


def test_default_table_fits_120_columns_with_short_names_and_cut_values(capsys, sweep):
    table = output(capsys, str(sweep))
    lines = table.splitlines()
    assert all(len(line) <= TABLE_WIDTH for line in lines), max(map(len, lines))
    header = lines[0].split()
    assert {"run_id", "model", "macro_f1", "status"} <= set(header)
    assert {"seed", "model.C", "data.seed.path"} <= set(header)  # differ within a model
    assert not any("params" in name for name in header)
    assert LONG_PATH not in table and "seed/00…name.txt" in table  # cut to 16 characters
    assert "seed/00…3483.txt" in table  # the usual path, still told apart
    assert "a00002" in table and "20990101-000002_a00002" not in table  # short run ids
    assert len(lines) == 2 + 7 + 1 and lines[-1].startswith("hidden (see --show-config): ")
    assert "train_s" in lines[-1]  # the timings went first
    logreg_rows = [line for line in lines[2:-1] if "tfidf_logreg" in line]
    assert len(logreg_rows) == 3 and sum(" 0.5 " in line for line in logreg_rows) == 2


def test_show_config_and_machine_formats_keep_full_names_and_values(capsys, sweep):
    full = output(capsys, str(sweep), "--show-config")
    header = full.splitlines()[0].split()
    assert {"model.params.C", "data.corpora.seed.path", "eval.test_fraction"} <= set(header)
    assert {"duration_s", "sentences_per_s", "experiment"} <= set(header)
    assert LONG_PATH in full and "20990101-000002_a00002" in full and "…" not in full
    changed = output(capsys, str(sweep), "--only-changed").splitlines()[0].split()
    assert {"model.params.C", "data.corpora.seed.path", "seed"} <= set(changed)
    assert "eval.test_fraction" not in changed  # the same in every run
    rows = json.loads(output(capsys, str(sweep), "--format", "json", "--sort", "macro_f1"))
    f1 = [r["macro_f1"] for r in rows]
    assert len(rows) == 7 and f1 == sorted(f1, reverse=True)
    assert any(LONG_PATH in r["overrides"] and "model.params.C=0.5" in r["overrides"] for r in rows)
    parsed = list(csv.DictReader(io.StringIO(output(capsys, str(sweep), "--format", "csv"))))
    assert {r["run_id"] for r in parsed} >= {"20990101-000001_a00001", "20990101-000007_c00001"}
    assert any(LONG_PATH in r["overrides"] for r in parsed)
    md = output(capsys, str(sweep), "--format", "md")
    assert md.startswith("| run_id") and LONG_PATH in md
    picked = output(capsys, str(sweep), "--columns", "run_id,model,macro_f1").splitlines()
    assert picked[0].split() == ["run_id", "model", "macro_f1"]
    assert "20990101-000003_a00003" in "\n".join(picked)  # chosen columns are shown in full
    filtered = output(capsys, str(sweep), "--filter", "model=rules", "--sort", "macro_f1")
    assert "model.C" not in filtered  # differs only between models, no longer among the listed
    assert all(len(line) <= TABLE_WIDTH for line in filtered.splitlines())


def test_several_folders_and_group_keys(capsys, sweep, tmp_path):
    rows = json.loads(
        output(capsys, str(sweep / "smoke"), str(sweep / "rules_only"), "--format", "json")
    )
    assert len(rows) == 7
    again = json.loads(output(capsys, str(sweep), str(sweep / "smoke"), "--format", "json"))
    assert sorted(r["run_id"] for r in again) == sorted(r["run_id"] for r in rows)  # each once
    grouped = json.loads(
        output(capsys, str(sweep), "--group-by", "experiment,model", "--format", "json")
    )
    sizes = {(g["experiment"], g["model"]): g["n_runs"] for g in grouped}
    assert sizes == {
        ("smoke", "tfidf_logreg"): 3,
        ("smoke", "rules"): 3,
        ("rules_only", "rules"): 1,
    }
    smoke_rules = [
        r["macro_f1"] for r in rows if r["experiment"] == "smoke" and r["model"] == "rules"
    ]
    mean = next(g for g in grouped if g["experiment"] == "smoke" and g["model"] == "rules")
    assert mean["macro_f1_mean"] == pytest.approx(np.mean(smoke_rules))
    md = output(capsys, str(sweep), "--group-by", "experiment,seed", "--format", "md")
    assert [c.strip() for c in md.splitlines()[0].split("|")[1:4]] == [
        "experiment",
        "seed",
        "n_runs",
    ]
    output(capsys, str(sweep), "--group-by", "experiment,model", "--plot", str(tmp_path / "g.png"))
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert main([str(sweep), "--group-by", "model,nonsense"]) == 2


def test_short_names_and_ids():
    keys = [
        "model.params.C",
        "eval.test_fraction",
        "seed",
        "data.corpora.seed.path",
        "data.corpora.wikinews_2019.limit",
        "x.a.b.c",
        "x.d.b.c",
    ]
    assert short_names(keys) == {
        "model.params.C": "model.C",
        "eval.test_fraction": "eval.test_fraction",
        "seed": "seed",
        "data.corpora.seed.path": "data.seed.path",
        "data.corpora.wikinews_2019.limit": "data.wikinews_2019.limit",
        "x.a.b.c": "x.a.b.c",
        "x.d.b.c": "x.d.b.c",
    }  # `x.b.c` for both: more segments
    assert short_names(["model.params.C"], reserved={"model.C"}) == {
        "model.params.C": "model.params.C"
    }
    assert short_names(["model.C", "model.params.C"]) == {
        "model.C": "model.C",
        "model.params.C": "model.params.C",
    }
    assert short_ids(["20990101-000001_abcdef", "20990101-000001_abcdef-2"]) == ["abcdef", "cdef-2"]
    assert short_ids(["x_0abcdef", "y_1abcdef"]) == ["0abcdef", "1abcdef"]
    assert short_ids(["same", "same"]) == ["same", "same"]


def test_default_table_fits_with_many_differing_keys_and_long_names():
    """Three models with long names, eight parameters that vary within a model, an external
    evaluation and a failed run: the table still fits, keeping run, model, macro-F1 and status."""
    runs = []
    for i in range(9):
        model = ["minilm_embed_logreg_variant", "tfidf_logreg", "tfidf_svm"][i % 3]
        params = {f"parameter_{p}": f"value {i * p} " * 3 for p in range(8)}
        done = i != 4
        metrics = (
            {
                "macro_f1": 0.5,
                "macro_f1_ci": [0.4, 0.6],
                "accuracy": 0.6,
                "per_class": {
                    label: {"f1": 0.5} for label in ("fact", "quote", "policy", "opinion")
                },
                "external": {"checkthat": {"macro_f1": 0.55}},
                "train_seconds": 1.0,
                "predict_sentences_per_s": 1000.0,
            }
            if done
            else {}
        )
        run_id = f"20990101-00000{i}_run{i:03d}"
        runs.append(
            {
                "dir": Path(f"/x/exp_{i % 2}/{run_id}"),
                "run": {
                    "run_id": run_id,
                    "experiment": f"exp_{i % 2}",
                    "status": "completed" if done else "failed",
                    "duration_s": 9.0,
                },
                "metrics": metrics,
                "config": {
                    "model.name": model,
                    "seed": i,
                    **{f"model.params.{k}": v for k, v in params.items()},
                },
            }
        )
    table = compact_table(runs, with_intervals(summarise(runs)))
    lines = table.splitlines()
    assert all(len(line) <= TABLE_WIDTH for line in lines), table
    assert {"run_id", "model", "macro_f1", "status"} <= set(lines[0].split())
    assert "failed" in table and "minilm_…_variant" in table
    assert lines[-1].startswith("hidden (see --show-config): experiment, accuracy, f1_fact")
    assert "checkthat_macro_f1" in lines[-1]


def test_a_learning_curve_averages_seeds_per_gold_fraction(tiny_run, tmp_path, capsys):
    import yaml

    from pipeline.cli.curve import curve_points

    for i, (fraction, seed, score) in enumerate([(0.5, 1, 0.4), (0.5, 2, 0.6), (1.0, 1, 0.7)]):
        run = tmp_path / "curve" / f"2026{i}_run{i}"
        shutil.copytree(tiny_run, run)
        config = yaml.safe_load((run / "config.yaml").read_text())
        config["data"]["gold_fraction"], config["seed"] = fraction, seed
        (run / "config.yaml").write_text(yaml.safe_dump(config))
        metrics = json.loads((run / "metrics.json").read_text())
        metrics["macro_f1_3"] = score
        (run / "metrics.json").write_text(json.dumps(metrics))
    points = curve_points(tmp_path, "macro_f1_3")
    assert [(p["gold_fraction"], p["n_runs"]) for p in points] == [(0.5, 2), (1.0, 1)]
    assert abs(points[0]["macro_f1_3_mean"] - 0.5) < 1e-9 and points[0]["macro_f1_3_std"] > 0
    assert points[0]["gold_train_sentences"] > 0
    assert main(["curve", str(tmp_path), "--plot", str(tmp_path / "curve.png")]) == 0
    assert "gold_train_sentences" in capsys.readouterr().out
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"


def cv_copy(run_dir: Path, copy: Path, per_fold: list[float]) -> dict:
    """A copy of a real run as if run with `eval.folds=len(per_fold)` (the cv part of its
    metrics.json holds only what compare reads); returns the mean and std written."""
    copy_run(run_dir, copy, {"eval.folds": len(per_fold)})
    metrics = json.loads((copy / "metrics.json").read_text())
    summary = {"mean": float(np.mean(per_fold)), "std": float(np.std(per_fold, ddof=1))}
    metrics["cv"] = {"folds": len(per_fold), "macro_f1_3": summary | {"per_fold": per_fold}}
    (copy / "metrics.json").write_text(json.dumps(metrics))
    return summary


def test_cross_validated_runs_get_a_cv_column(capsys, two_runs, tmp_path):
    """Runs with `metrics.json["cv"]` (`eval.folds=5`) beside single-split runs: mean ± std (folds)
    in the default table, numbers in csv and json; no such column when no listed run has it."""
    _, logreg, rules = two_runs
    root = tmp_path / "cv"
    copy_run(logreg, root / "smoke" / "20990101-000001_a00001", {})
    copy_run(rules, root / "smoke" / "20990101-000002_b00001", {})
    run = root / "smoke" / "20990101-000003_a00002"
    summary = cv_copy(logreg, run, [0.67, 0.69, 0.68, 0.70, 0.665])
    lines = output(capsys, str(root)).splitlines()
    assert all(len(line) <= TABLE_WIDTH for line in lines), max(map(len, lines))
    header = lines[0].split()
    assert "cv_macro_f1_3" in header and "eval.folds" not in header  # the cell names the folds
    (cv_line,) = [line for line in lines if "a00002" in line]
    assert "0.681 ± 0.014 (5)" in cv_line and sum("±" in line for line in lines) == 1
    rows = list(csv.DictReader(io.StringIO(output(capsys, str(root), "--format", "csv"))))
    by_id = {r["run_id"]: r for r in rows}
    assert float(by_id[run.name]["cv_macro_f1_3"]) == summary["mean"]
    assert float(by_id[run.name]["cv_macro_f1_3_std"]) == summary["std"]
    assert by_id[run.name]["cv_folds"] == "5" and by_id["20990101-000002_b00001"]["cv_folds"] == ""
    ranked = json.loads(output(capsys, str(root), "--format", "json", "--sort", "cv_macro_f1_3"))
    assert ranked[0]["run_id"] == run.name and ranked[1]["cv_macro_f1_3"] is None
    grouped = output(capsys, str(root), "--group-by", "model")
    assert "cv_macro_f1_3" in grouped.splitlines()[0]
    for listing in (["--filter", "model=rules"], ["--format", "json", "--filter", "model=rules"]):
        assert "cv_macro_f1_3" not in output(capsys, str(root), *listing)


def test_a_crowded_table_still_fits_and_names_the_cv_column_it_hides(capsys, sweep, tmp_path):
    root = tmp_path / "crowded"
    shutil.copytree(sweep, root)
    cv_copy(
        root / "smoke" / "20990101-000001_a00001",
        root / "smoke" / "20990101-000008_a00008",
        [0.6, 0.7],
    )
    lines = output(capsys, str(root)).splitlines()
    assert all(len(line) <= TABLE_WIDTH for line in lines), max(map(len, lines))
    assert {"seed", "model.C", "data.seed.path"} <= set(lines[0].split())  # these tell runs apart
    assert "cv_macro_f1_3" in lines[-1] and lines[-1].startswith("hidden")
