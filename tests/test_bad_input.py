"""Bad input gets one line naming the problem, a non-zero exit and no traceback."""

import json

import pytest
from conftest import run_cli


def assert_one_line_error(result, fragment):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.mark.parametrize(
    "content, fragment",
    [
        (None, "not found"),
        (b"", "empty"),
        (b'{"text": "ok"}\n{oops\n', "in.jsonl:2: broken JSON line"),
        (b'{"id": 1}\n', 'in.jsonl:1: expected an object with a "text" string'),
        (b"\xff\xfe\x00bad", "in.jsonl:1: not UTF-8"),
    ],
)
def test_predict_bad_jsonl(tiny_run, tmp_path, content, fragment):
    path = tmp_path / "in.jsonl"
    if content is not None:
        path.write_bytes(content)
    assert_one_line_error(run_cli("pipeline.predict", f"run_dir={tiny_run}", f"input={path}"), fragment)


def test_predict_bad_article(tiny_run, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("caf\xe9 au lait.".encode("latin-1"))
    assert_one_line_error(run_cli("pipeline.predict", f"run_dir={tiny_run}", f"input={path}"), "not UTF-8")


def test_predict_unfinished_run(tiny_run, tmp_path):
    run = json.loads((tiny_run / "run.json").read_text()) | {"status": "failed"}
    (tmp_path / "run.json").write_text(json.dumps(run))
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    result = run_cli("pipeline.predict", f"run_dir={tmp_path}", f"input={tmp_path / 'x.jsonl'}")
    assert_one_line_error(result, "not a finished run (status: failed)")
    result = run_cli("pipeline.predict", f"run_dir={tmp_path / 'nothing'}", f"input={tmp_path / 'x.jsonl'}")
    assert_one_line_error(result, "is not a run folder")


def test_predict_usage():
    assert_one_line_error(run_cli("pipeline.predict", "input=x.txt"), "usage:")
    assert_one_line_error(run_cli("pipeline.predict", "run_dir=a", "input=b", "colour=red"), "unknown argument 'colour'")


def test_unknown_model_name(tmp_path):
    result = run_cli("pipeline", "model=bert", f"paths.experiments_dir={tmp_path}")
    assert_one_line_error(result, "unknown model 'bert'; choose one of: majority, minilm_embed_logreg, minilm_finetune, minilm_finetune_fast, rules")
    assert not any(tmp_path.iterdir())


def test_failed_run_is_marked_failed(tmp_path):
    result = run_cli("pipeline", "experiment=smoke", "data.corpora.seed.path=seed/missing.txt",
                     f"paths.experiments_dir={tmp_path}")
    assert_one_line_error(result, "'seed/missing.txt' not found")
    (run_dir,) = (tmp_path / "smoke").iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "failed" and "not found" in run["error"]
    assert not (run_dir / "metrics.json").exists()


def test_compare_shows_failed_runs_and_rejects_bad_keys(tmp_path):
    run_cli("pipeline", "experiment=smoke", "data.corpora.seed.path=seed/missing.txt", f"paths.experiments_dir={tmp_path}")
    rows = json.loads(run_cli("pipeline.compare", str(tmp_path), "--format", "json").stdout)
    assert [r["status"] for r in rows] == ["failed"] and rows[0]["macro_f1"] is None
    assert_one_line_error(run_cli("pipeline.compare", str(tmp_path), "--sort", "nope"), "unknown sort key 'nope'")
    assert_one_line_error(run_cli("pipeline.compare", str(tmp_path / "none")), "no experiments folder")


def test_a_killed_run_is_marked_interrupted(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "pipeline", "experiment=smoke", f"paths.experiments_dir={tmp_path}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_json = None
    for _ in range(600):  # wait until the run has started, then stop it as a scheduler would
        found = list(tmp_path.glob("smoke/*/run.json"))
        if found:
            run_json = found[0]
            break
        time.sleep(0.05)
    assert run_json is not None
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    run = json.loads(run_json.read_text())
    assert run["status"] == "interrupted" and not (run_json.parent / "metrics.json").exists()
