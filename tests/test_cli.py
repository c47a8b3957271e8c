"""End to end through the command lines, as a researcher runs them (tiny data)."""

import csv
import io
import json

import pytest
import yaml
from conftest import REPO, SEED, run_cli

from pipeline.data.corpora import find_external_file

RUN_FILES = {
    "config.yaml",
    "metrics.json",
    "predictions.jsonl",
    "errors.jsonl",
    "confusion.png",
    "model.skops",
    "run.json",
    "dataset",
    "report.html",
}


def test_run_folder_is_complete(tiny_run):
    assert {p.name for p in tiny_run.iterdir()} >= RUN_FILES
    run = json.loads((tiny_run / "run.json").read_text())
    assert run["status"] == "completed" and run["seed"] == 42 and run["experiment"] == "smoke"
    assert run["duration_s"] > 0 and run["data_fingerprint"] and run["packages"]["scikit-learn"]
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["labels"] == ["fact", "quote", "policy", "opinion"]
    lo, hi = metrics["macro_f1_ci"]
    assert lo <= metrics["macro_f1"] <= hi
    assert metrics["n_test"] == sum(c["support"] for c in metrics["per_class"].values())
    preds = [json.loads(x) for x in (tiny_run / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == metrics["n_test"]
    assert {"id", "text", "gold", "predicted", "scores"} <= set(preds[0])
    assert sum(p["gold"] == p["predicted"] for p in preds) / len(preds) == metrics["accuracy"]
    assert yaml.safe_load((tiny_run / "config.yaml").read_text())["experiment_name"] == "smoke"


def test_dataset_records_label_sources(tiny_run):
    from datasets import load_from_disk

    ds = load_from_disk(str(tiny_run / "dataset"))
    sources = set(ds["label_source"])
    assert "gold" in sources  # every sentence of the tiny data's articles is annotated now
    sentences = [w for w, kind in zip(ds["weak_label"], ds["kind"]) if kind == "sentence"]
    assert all(sentences) and any(c.startswith("lf_") for c in ds.column_names)  # weak labels kept
    assert all(k is not None for k, s in zip(ds["annotator"], ds["label_source"]) if s)


@pytest.mark.slow
def test_predict_article_and_jsonl(tiny_run, tmp_path):
    seed = find_external_file(SEED)
    out = tmp_path / "out.jsonl"
    result = run_cli("pipeline.predict", f"run_dir={tiny_run}", f"input={seed}", f"output={out}")
    assert result.returncode == 0, result.stderr
    records = [json.loads(x) for x in out.read_text().splitlines()]
    text = seed.read_text()
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)
    assert {r["label"] for r in records if r["kind"] == "sentence"} <= {
        "fact",
        "quote",
        "policy",
        "opinion",
    }
    assert all(r["label"] is None for r in records if r["kind"] != "sentence")
    (tmp_path / "in.jsonl").write_text(
        '{"id": "x1", "text": "The senator said no."}\n{"id": 7, "text": "It rained."}\n'
    )
    result = run_cli("pipeline.predict", f"run_dir={tiny_run}", f"input={tmp_path / 'in.jsonl'}")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["x1", 7]
    assert all(abs(sum(r["scores"].values()) - 1) < 1e-4 for r in lines)


@pytest.mark.slow
def test_compare_formats(tiny_run):
    root = tiny_run.parent.parent
    table = run_cli("pipeline.compare", str(root))
    assert table.returncode == 0 and "completed" in table.stdout
    assert tiny_run.name[-6:] in table.stdout  # the default table shows short run ids
    rows = json.loads(
        run_cli("pipeline.compare", str(root), "--format", "json", "--sort", "macro_f1").stdout
    )
    assert rows[0]["run_id"] == tiny_run.name and rows[0]["model"] == "tfidf_logreg"
    parsed = list(
        csv.DictReader(
            io.StringIO(run_cli("pipeline.compare", str(root), "--format", "csv").stdout)
        )
    )
    assert parsed[0]["f1_quote"] != ""
    assert run_cli("pipeline.compare", str(root), "--format", "md").stdout.startswith("| run_id")


@pytest.mark.slow
def test_labeling_function_report():
    result = run_cli("pipeline.label", "report", "--format", "json", "data=tiny")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)
    lfs = [r for r in rows if not r["name"].startswith("[combined]")]
    assert len(lfs) == 14 and all(
        0 <= r["coverage"] <= 1 and r["conflicts"] <= r["overlaps"] for r in lfs
    )
    combined = {r["name"]: r["dev_accuracy"] for r in rows if r["name"].startswith("[combined]")}
    assert set(combined) == {"[combined] majority", "[combined] label_model"}
    assert all(0 < v <= 1 for v in combined.values())


@pytest.mark.slow
def test_sweep_runs_every_combination_and_compare_groups_them(tmp_path):
    result = run_cli(
        "pipeline",
        "-m",
        "experiment=smoke",
        "model=majority,rules",
        "seed=1,2",
        "eval.n_bootstrap=10",
        f"paths.experiments_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    groups = json.loads(
        run_cli("pipeline.compare", str(tmp_path), "--group-by", "model", "--format", "json").stdout
    )
    assert sorted(g["model"] for g in groups) == ["majority", "rules"]
    rows = json.loads(run_cli("pipeline.compare", str(tmp_path), "--format", "json").stdout)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"completed"}
    for group in groups:
        mine = [r["macro_f1"] for r in rows if r["model"] == group["model"]]
        assert group["n_runs"] == 2 and abs(group["macro_f1_mean"] - sum(mine) / 2) < 1e-12
        assert {"macro_f1_std", "f1_quote_mean", "f1_quote_std", "train_s_mean"} <= set(group)
    table = run_cli(
        "pipeline.compare", str(tmp_path), "--group-by", "seed", "--format", "md"
    ).stdout
    assert table.split("|")[1].strip() == "seed" and "±" in table


@pytest.mark.slow
def test_rerunning_a_sweep_skips_completed_runs_and_resumes_the_rest(tmp_path):
    sweep = [
        "pipeline",
        "-m",
        "experiment=smoke",
        "model=majority,rules",
        "eval.n_bootstrap=10",
        f"paths.experiments_dir={tmp_path}",
    ]
    assert run_cli(*sweep).returncode == 0
    first = runs_in(tmp_path / "smoke")
    assert len(first) == 2
    killed = first[1] / "run.json"  # as if the sweep had been killed during this job
    killed.write_text(json.dumps(json.loads(killed.read_text()) | {"status": "running"}))
    again = run_cli(*sweep)
    assert (
        again.returncode == 0
        and again.stdout.count("skipped: same config") + again.stderr.count("skipped: same config")
        == 1
    )
    now = runs_in(tmp_path / "smoke")
    assert len(now) == 3 and first[0] in now
    forced = run_cli(*sweep, "force=true")
    assert forced.returncode == 0 and len(runs_in(tmp_path / "smoke")) == 5


def runs_in(folder):
    return sorted(p for p in folder.iterdir() if p.is_dir())


def test_report_colours_every_test_sentence_and_renders(tiny_run, tmp_path):
    import shutil
    import subprocess

    html = (tiny_run / "report.html").read_text()
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert html.count("title='gold: ") == metrics["n_test"]
    assert f"{metrics['macro_f1']:.3f}" in html and "Confusion matrix" in html
    if shutil.which("chromium") is None:
        return  # the rendering check needs Debian's chromium (scripts/screenshot_report.sh)
    png = tmp_path / "report.png"
    subprocess.run(
        ["bash", str(REPO / "scripts/screenshot_report.sh"), str(tiny_run), str(png)],
        check=True,
        timeout=120,
    )
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 20_000


@pytest.mark.slow
def test_optuna_search_in_parallel_jobs_maximises_dev_macro_f1(tmp_path):
    result = run_cli(
        "pipeline",
        "-m",
        "hparams_search=tfidf_logreg_optuna",
        "launcher=joblib",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.n_trials=2",
        "data=tiny",
        f"paths.experiments_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    folder = tmp_path / "tune_tfidf_logreg"
    best = yaml.safe_load((folder / "optimization_results.yaml").read_text())["best_value"]
    dev = [json.loads(p.read_text())["dev_macro_f1"] for p in folder.glob("*/metrics.json")]
    assert len(dev) == 2 and best == max(dev)
