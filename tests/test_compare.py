"""pipeline.compare on real run folders: filters, config columns, plots and the two-run diff."""

import json
import shutil

import numpy as np
import pytest
from conftest import run_cli

from pipeline.compare import main
from pipeline.evaluate import mcnemar, paired_bootstrap


@pytest.fixture(scope="module")
def two_runs(tiny_run, tmp_path_factory):
    """The tiny run and a `model=rules` run on the same test side, in one experiments folder."""
    root = tmp_path_factory.mktemp("two")
    shutil.copytree(tiny_run, root / "smoke" / tiny_run.name)
    result = run_cli("pipeline", "experiment=smoke", "model=rules", "eval.n_bootstrap=10", f"paths.experiments_dir={root}")
    assert result.returncode == 0, result.stderr[-1500:]
    a, b = sorted((root / "smoke").iterdir())
    return root, a, b


def output(capsys, *argv) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


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
    assert (tmp_path / "f1.png").read_bytes()[:4] == (tmp_path / "groups.png").read_bytes()[:4] == b"\x89PNG"
    assert main([str(root), "--filter", "model=bert"]) == 2


def test_diff_reports_config_metric_deltas_and_significance(capsys, two_runs):
    _, a, b = two_runs
    result = json.loads(output(capsys, "diff", str(a), str(b), "--format", "json", "--resamples", "200"))
    assert result["config"]["model.name"] == ["tfidf_logreg", "rules"]
    metric_a = json.loads((a / "metrics.json").read_text())["macro_f1"]
    metric_b = json.loads((b / "metrics.json").read_text())["macro_f1"]
    assert abs(result["metrics"]["macro_f1"]["delta"] - (metric_b - metric_a)) < 1e-12
    assert result["n_shared"] == json.loads((a / "metrics.json").read_text())["n_test"]
    assert 0 <= result["paired_bootstrap"]["p_value"] <= 1 and 0 <= result["mcnemar"]["p_value"] <= 1
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
    import yaml

    _, _, rules_run = two_runs
    copy = tmp_path / "labelled" / rules_run.name
    shutil.copytree(rules_run, copy)
    config = yaml.safe_load((copy / "config.yaml").read_text())
    config["model"]["label"] = "rules_v2"  # as `+model.label=rules_v2` on the command line writes it
    (copy / "config.yaml").write_text(yaml.safe_dump(config))
    rows = json.loads(output(capsys, str(tmp_path / "labelled"), "--format", "json"))
    assert [r["model"] for r in rows] == ["rules_v2"]
