"""Bad input gets one `error:` line naming the problem, exit code 2 and no traceback;
PIPELINE_DEBUG=1 shows the traceback.

Every entry point is tried with every class of bad input. Most cases call the command's `main`
in-process (fast); the real command lines are run as subprocesses where what the user sees differs
(Hydra's app, the debug switch).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli

from pipeline.cli import annotate, compare, predict
from pipeline.cli import label_report as label
from pipeline.cli.hydra_config import compose_config
from pipeline.core.errors import exit_code
from pipeline.experiment import run_experiment

# What every reader of a file refuses, and the words its message holds.
BAD_FILES = {
    "missing": (None, "not found"),
    "empty": (b"", "is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    "latin-1": ("Le café est fermé, a dit le maire.\n".encode("latin-1"), "not UTF-8"),
}


def write(path: Path, content: bytes | str | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is not None:
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def assert_one_line_error(code: int, stderr: str, fragment: str, expected_code: int = 2) -> None:
    lines = stderr.strip().splitlines()
    assert code == expected_code and "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], stderr


def in_process(capsys, command: Callable[[list[str]], int], argv: list[str], fragment: str) -> str:
    """Run a command's `main` in this process; return its one error line."""
    capsys.readouterr()
    code = command(argv)
    stderr = capsys.readouterr().err
    assert_one_line_error(code, stderr, fragment)
    return stderr


def run_pipeline(overrides: list[str], run_dir: Path) -> int:
    """What `python -m pipeline` does with these overrides, in-process."""
    return exit_code(
        lambda: run_experiment(compose_config(["experiment=smoke", *overrides]), run_dir)
    )


# Entry points that read a file the user names: how to call each one with the file at `path`.
FILE_READERS = {
    "predict .jsonl": (
        ".jsonl",
        lambda run, path, tmp: (predict.main, [f"run_dir={run}", f"input={path}"]),
    ),
    "predict article": (
        ".txt",
        lambda run, path, tmp: (predict.main, [f"run_dir={run}", f"input={path}"]),
    ),
    "annotate import": (
        ".jsonl",
        lambda run, path, tmp: (
            annotate.main,
            ["import", str(path), "data=tiny", f"data.annotations_dir={tmp / 'gold'}"],
        ),
    ),
    "annotate import label studio": (
        ".json",
        lambda run, path, tmp: (
            annotate.main,
            ["import", str(path), "data=tiny", f"data.annotations_dir={tmp / 'gold'}"],
        ),
    ),
    "annotate agreement": (
        ".jsonl",
        lambda run, path, tmp: (
            annotate.main,
            [
                "agreement",
                str(path),
                str(write(tmp / "other.jsonl", '{"doc": "d", "start": 0, "label": "fact"}\n')),
            ],
        ),
    ),
    "label report: article": (
        ".txt",
        lambda run, path, tmp: (
            label.main,
            ["report", "data=tiny", f"data.corpora.seed.path={path}"],
        ),
    ),
    "label report: wikinews csv": (
        ".csv",
        lambda run, path, tmp: (
            label.main,
            ["report", "data=tiny", f"data.corpora.wikinews_2019.path={path}"],
        ),
    ),
    "pipeline: article": (
        ".txt",
        lambda run, path, tmp: (
            lambda argv: run_pipeline(argv, tmp / "run"),
            [f"data.corpora.seed.path={path}"],
        ),
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("reader", FILE_READERS)
@pytest.mark.slow
def test_every_reader_refuses_every_bad_file(tiny_run, tmp_path, capsys, reader, kind):
    suffix, call = FILE_READERS[reader]
    content, fragment = BAD_FILES[kind]
    path = write(tmp_path / f"input{suffix}", content)
    command, argv = call(tiny_run, path, tmp_path)
    in_process(capsys, command, argv, fragment)


@pytest.mark.parametrize("kind", ["binary", "latin-1"])
def test_a_bad_gold_annotation_file_is_named(tmp_path, capsys, kind):
    content, fragment = BAD_FILES[kind]
    gold = write(tmp_path / "gold" / "batch.jsonl", content)
    argv = ["report", "data=tiny", f"data.annotations_dir={gold.parent}"]
    message = in_process(capsys, label.main, argv, fragment)
    assert str(gold) in message


GOOD_ANNOTATION = {
    "doc": "seed/000_683854a330873483.txt",
    "start": 0,
    "end": 10,
    "hash": "0123456789ab",
    "label": "fact",
    "annotator": "a",
}

# Broken records: (entry point, file suffix, content, words of the message).
BAD_RECORDS = {
    "predict: broken JSON line": (
        "predict",
        ".jsonl",
        '{"text": "ok"}\n{oops\n',
        "input.jsonl:2: broken JSON line",
    ),
    "predict: not an object": (
        "predict",
        ".jsonl",
        '["a"]\n',
        "input.jsonl:1: expected a JSON object",
    ),
    "predict: record without text": (
        "predict",
        ".jsonl",
        '{"id": 1}\n',
        'input.jsonl:1: expected an object with a "text"',
    ),
    "predict: prev not text": (
        "predict",
        ".jsonl",
        '{"text": "a", "prev": 3}\n',
        'input.jsonl:1: "prev" must be a string',
    ),
    "predict: next not text": (
        "predict",
        ".jsonl",
        '{"text": "a", "next": ["b"]}\n',
        'input.jsonl:1: "next" must be a string',
    ),
    "import: broken JSON line": (
        "import",
        ".jsonl",
        json.dumps(GOOD_ANNOTATION) + "\n{\n",
        "input.jsonl:2: broken JSON line",
    ),
    "import: record without a field": (
        "import",
        ".jsonl",
        '{"doc": "d"}\n',
        "input.jsonl:1: annotation lacks field 'start'",
    ),
    "import: unknown label": (
        "import",
        ".jsonl",
        json.dumps(GOOD_ANNOTATION | {"label": "rumour"}) + "\n",
        "input.jsonl:1: unknown label 'rumour'; expected one of fact, quote, policy, opinion",
    ),
    "import: label studio not JSON": ("import", ".json", "[{", "not a Label Studio JSON export"),
    "import: label studio not tasks": (
        "import",
        ".json",
        '{"a": 1}',
        "expected a list of Label Studio tasks",
    ),
    "agreement: record without a field": (
        "agreement",
        ".jsonl",
        '{"doc": "d", "start": 0}\n',
        "input.jsonl:1: record lacks field 'label'",
    ),
    "agreement: broken JSON line": (
        "agreement",
        ".jsonl",
        "nope\n",
        "input.jsonl:1: broken JSON line",
    ),
    "gold file: unknown label": (
        "gold",
        ".jsonl",
        json.dumps(GOOD_ANNOTATION | {"label": "rumour"}) + "\n",
        "batch.jsonl:1: unknown label 'rumour'",
    ),
    "gold file: broken JSON line": (
        "gold",
        ".jsonl",
        "\n\n{]\n",
        "batch.jsonl:3: broken JSON line",
    ),
    "wikinews csv: no text column": (
        "csv",
        ".csv",
        "url,body\nx,y\n",
        "has no text column (columns: url, body)",
    ),
}


def _record_command(where: str, run: Path, path: Path, tmp: Path) -> tuple[Callable, list[str]]:
    gold = f"data.annotations_dir={tmp / 'gold'}"
    if where == "predict":
        return predict.main, [f"run_dir={run}", f"input={path}"]
    if where == "import":
        return annotate.main, ["import", str(path), "data=tiny", gold]
    if where == "agreement":
        first = write(tmp / "first.jsonl", json.dumps(GOOD_ANNOTATION) + "\n")
        return annotate.main, ["agreement", str(first), str(path)]
    if where == "gold":
        return label.main, ["report", "data=tiny", gold]
    return label.main, ["report", "data=tiny", f"data.corpora.wikinews_2019.path={path}"]


@pytest.mark.parametrize("case", BAD_RECORDS)
@pytest.mark.slow
def test_broken_records_are_named_with_their_line(tiny_run, tmp_path, capsys, case):
    where, suffix, content, fragment = BAD_RECORDS[case]
    path = write(tmp_path / ("gold/batch.jsonl" if where == "gold" else f"input{suffix}"), content)
    command, argv = _record_command(where, tiny_run, path, tmp_path)
    in_process(capsys, command, argv, fragment)


BAD_OPTIONS = {
    "label: unknown config key": (
        label.main,
        ["report", "data.corpora.seed.paht=x"],
        "unknown config key 'data.corpora.seed.paht'; choose one of: loader, path",
    ),
    "label: unknown group option": (
        label.main,
        ["report", "labeler=oracle"],
        "unknown labeler 'oracle'; choose one of: auto, label_model, majority",
    ),
    "label: bad override": (label.main, ["report", "seed=[1"], "no viable alternative at input"),
    "annotate: unknown config key": (
        annotate.main,
        ["export", "modle=x"],
        "unknown config key 'modle'; choose one of: ",
    ),
    "annotate: bad order": (
        annotate.main,
        ["export", "--order", "loudest"],
        "invalid choice: 'loudest' (choose from",
    ),
    "annotate: no command": (annotate.main, [], "the following arguments are required: command"),
    "compare: bad format": (
        compare.main,
        [".", "--format", "xml"],
        "invalid choice: 'xml' (choose from",
    ),
    "compare: unknown option": (
        compare.main,
        [".", "--colour"],
        "unrecognized arguments: --colour",
    ),
    "compare: no folder": (
        compare.main,
        ["/nonexistent/experiments"],
        "no experiments folder at /nonexistent",
    ),
    "predict: usage": (predict.main, ["input=x.txt"], "usage: python -m pipeline.predict"),
    "predict: unknown argument": (
        predict.main,
        ["run_dir=a", "input=b.txt", "colour=red"],
        "unknown argument 'colour'; choose from batch_size, input, max_article_mb",
    ),
    "predict: bad batch size": (
        predict.main,
        ["run_dir=a", "input=b.txt", "batch_size=-3"],
        "batch_size must be a positive number, not -3",
    ),
    "predict: unsupported input": (
        predict.main,
        ["run_dir=a", "input=b.pdf"],
        "unsupported input b.pdf",
    ),
}


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_bad_options_are_named_with_the_valid_choices(capsys, case):
    command, argv, fragment = BAD_OPTIONS[case]
    capsys.readouterr()
    try:
        code = command(argv)
    except SystemExit as stop:  # argparse errors exit from inside the parser
        code = stop.code
    assert_one_line_error(code, capsys.readouterr().err, fragment)


# Config values of the wrong type (refused by Hydra against the schema while composing) or out of
# range (refused by `check_config` after composing): override -> the whole error line.
BAD_CONFIG_VALUES = {
    "seed not an int": ("seed=abc", "seed='abc' is not an int"),
    "seed a float": ("seed=1.5", "seed=1.5 is not an int"),
    "seed negative": ("seed=-1", "seed=-1 is out of range; allowed: 0 <= value <= 4294967295"),
    "force not a bool": ("force=maybe", "force='maybe' is not a bool (true or false)"),
    "test fraction over 1": (
        "eval.test_fraction=1.5",
        "eval.test_fraction=1.5 is out of range; allowed: 0 < value < 1",
    ),
    "test fraction not a number": (
        "eval.test_fraction=most",
        "eval.test_fraction='most' is not a number",
    ),
    "dev fraction 1": (
        "eval.dev_fraction=1",
        "eval.dev_fraction=1.0 is out of range; allowed: 0 <= value < 1",
    ),
    "confidence as a percentage": (
        "eval.confidence=95",
        "eval.confidence=95.0 is out of range; allowed: 0 < value < 1",
    ),
    "no bootstrap resamples": (
        "eval.n_bootstrap=0",
        "eval.n_bootstrap=0 is out of range; allowed: value >= 1",
    ),
    "external not a list": (
        "eval.external=checkthat",
        "eval.external='checkthat' is not a list of strings",
    ),
    "unknown train source": (
        "data.train_sources=[gold,wek]",
        "data.train_sources=['gold', 'wek']: 'wek' is not allowed; allowed: "
        "a non-empty list of gold, weak, external, pseudo",
    ),
    "corpus limit": (
        "data.corpora.wikinews_2019.limit=-2",
        "data.corpora.wikinews_2019.limit=-2 is out of range; allowed: null or value >= 1",
    ),
    "unknown fallback label": (
        "labeler.fallback=rumour",
        "labeler.fallback='rumour' is not allowed; allowed: fact, quote, policy, opinion, null",
    ),
    "null model name": ("model.name=null", "model.name=null is not a string"),
    "tuning without a dev set": (
        "optimized_metric=dev_macro_f1",
        "optimized_metric='dev_macro_f1' needs a dev set to tune on: "
        "eval.dev_fraction=0.0 is out of range with it; allowed: "
        "0 < value < 1 (e.g. eval.dev_fraction=0.2)",
    ),
}


@pytest.mark.parametrize("case", BAD_CONFIG_VALUES)
@pytest.mark.slow
def test_bad_config_values_are_refused_before_any_stage_runs(tmp_path, capsys, case):
    override, message = BAD_CONFIG_VALUES[case]
    capsys.readouterr()
    code = run_pipeline([override], tmp_path / "run")
    stderr = capsys.readouterr().err
    assert_one_line_error(code, stderr, message)
    assert stderr.strip() == f"error: {message}"
    assert not (tmp_path / "run").exists()  # nothing was started


def test_a_config_file_with_a_value_of_the_wrong_type_is_named(tmp_path, capsys):
    """A preset (or any group file) is checked against the schema like an override."""
    from hydra import compose, initialize_config_dir

    from pipeline.cli.hydra_config import CONFIG_DIR, config_errors

    configs = Path(shutil.copytree(CONFIG_DIR, tmp_path / "configs"))
    write(configs / "experiment" / "typo.yaml", "# @package _global_\neval:\n  n_bootstrap: lots\n")

    def compose_typo() -> None:
        with config_errors(), initialize_config_dir(config_dir=str(configs), version_base="1.3"):
            compose(config_name="config", overrides=["experiment=typo"])

    capsys.readouterr()
    assert_one_line_error(
        exit_code(compose_typo),
        capsys.readouterr().err,
        "experiment/typo.yaml: eval.n_bootstrap='lots' is not an int",
    )


def _set_status(run: Path, status: str) -> None:
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps(record | {"status": status}))


# Ways a run folder can be broken, and what loading it says.
BROKEN_RUNS = {
    "no run.json": (lambda run: (run / "run.json").unlink(), "is not a run folder (no run.json)"),
    "corrupt run.json": (
        lambda run: (run / "run.json").write_text('{"status": "comp'),
        "run.json is not valid JSON",
    ),
    "failed run": (
        lambda run: _set_status(run, "failed"),
        "is not a finished run (status: failed)",
    ),
    "interrupted run": (
        lambda run: _set_status(run, "interrupted"),
        "is not a finished run (status: interrupted)",
    ),
    "no model": (
        lambda run: [(run / f).unlink() for f in ("model.skops", "model.json")],
        "no model in",
    ),
    "no model file": (lambda run: (run / "model.skops").unlink(), "no model file at"),
    "corrupt manifest": (
        lambda run: (run / "model.json").write_text('{"model": '),
        "model.json is not valid JSON",
    ),
    "unknown model in manifest": (
        lambda run: (run / "model.json").write_text('{"model": "bert.v9", "labels": []}'),
        "unknown model 'bert.v9'",
    ),
    "corrupt model": (
        lambda run: (run / "model.skops").write_bytes(b"PK\x03\x04 half a zip"),
        "is not a readable skops model",
    ),
    "no config.yaml": (lambda run: (run / "config.yaml").unlink(), "has no config.yaml"),
    "corrupt config.yaml": (
        lambda run: (run / "config.yaml").write_text("splitter: [news\n"),
        "config.yaml is not valid YAML",
    ),
    "config without splitter": (
        lambda run: (run / "config.yaml").write_text("seed: 1\n"),
        "names no splitter",
    ),
}


@pytest.fixture
def run_copy(tiny_run, tmp_path) -> Path:
    """A copy of the tiny run to break (without its dataset, which loading never reads)."""
    copy = shutil.copytree(tiny_run, tmp_path / "run", ignore=shutil.ignore_patterns("dataset"))
    return Path(copy)


@pytest.mark.parametrize("breakage", BROKEN_RUNS)
def test_a_broken_run_folder_is_refused(run_copy, tmp_path, capsys, breakage):
    breaks, fragment = BROKEN_RUNS[breakage]
    breaks(run_copy)
    sentences = write(tmp_path / "in.jsonl", '{"text": "It rained."}\n')
    in_process(capsys, predict.main, [f"run_dir={run_copy}", f"input={sentences}"], fragment)


@pytest.mark.parametrize(
    "breakage, status",
    [("no run.json", "unreadable"), ("corrupt run.json", "unreadable"), ("failed run", "failed")],
)
def test_compare_diff_refuses_unfinished_runs(tiny_run, run_copy, capsys, breakage, status):
    BROKEN_RUNS[breakage][0](run_copy)
    in_process(
        capsys,
        compare.main,
        ["diff", str(tiny_run), str(run_copy)],
        f"is not a finished run (status: {status})",
    )


def test_compare_lists_a_broken_run_as_unreadable(run_copy, tmp_path, capsys):
    BROKEN_RUNS["corrupt run.json"][0](run_copy)
    assert compare.main([str(tmp_path), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "unreadable" and row["macro_f1"] is not None


def test_an_article_over_the_size_limit_is_refused_before_loading(tmp_path, capsys):
    article = write(tmp_path / "big.txt", "It rained. " * 200_000)
    in_process(
        capsys,
        predict.main,
        ["run_dir=/no/run", f"input={article}", "max_article_mb=1"],
        "big.txt is 2.2 MB, over the 1 MB limit for one article: split it into articles or "
        "pass max_article_mb=N",
    )


def test_an_unexpected_error_is_one_line_with_a_hint(capsys):
    assert exit_code(lambda: {}["key"]) == 1
    assert_one_line_error(
        1, capsys.readouterr().err, "unexpected KeyError: 'key' (PIPELINE_DEBUG=1 shows", 1
    )


# The real command lines, as a user meets them: one line, or the traceback with PIPELINE_DEBUG=1.
COMMAND_LINES = {
    "pipeline: unknown key": (
        ["pipeline", "modle=tfidf"],
        "unknown config key 'modle'; choose one of: experiment_name, seed",
    ),
    "pipeline: unknown option": (
        ["pipeline", "model=bert"],
        "unknown model 'bert'; choose one of: majority,",
    ),
    "pipeline: unknown model parameter": (
        ["pipeline", "+model.params.CC=10"],
        "model 'tfidf_roles': unknown parameter 'CC'; choose one of: C, max_iter,",
    ),
    "predict: missing input": (
        ["pipeline.predict", "run_dir=x", "input=/nonexistent.jsonl"],
        "input file not found: /nonexistent.jsonl",
    ),
}


@pytest.mark.parametrize("debug", ["", "1"])
@pytest.mark.parametrize("case", COMMAND_LINES)
@pytest.mark.slow
def test_command_lines_show_a_traceback_only_when_asked(tmp_path, monkeypatch, case, debug):
    argv, fragment = COMMAND_LINES[case]
    monkeypatch.setenv("PIPELINE_DEBUG", debug)
    paths = [f"paths.experiments_dir={tmp_path}"] if argv[0] == "pipeline" else []
    result = run_cli(*argv, *paths)
    if debug:
        assert result.returncode != 0
        assert "Traceback" in result.stderr and "PipelineError" in result.stderr
    else:
        assert_one_line_error(result.returncode, result.stderr, fragment)
    assert not any(tmp_path.iterdir())  # nothing was started


@pytest.mark.slow
def test_pipeline_refuses_a_wrong_type_and_an_out_of_range_value_in_one_line(tmp_path):
    """The real command line: Hydra's type check while composing, the range check in the app."""
    for override, message in [
        ("seed=abc", "seed='abc' is not an int"),
        (
            "eval.test_fraction=1.5",
            "eval.test_fraction=1.5 is out of range; allowed: 0 < value < 1",
        ),
    ]:
        result = run_cli("pipeline", override, f"paths.experiments_dir={tmp_path}")
        assert_one_line_error(result.returncode, result.stderr, message)
        assert result.stderr.strip() == f"error: {message}"
        assert not any(tmp_path.iterdir())  # nothing was started, no run folder left behind


@pytest.mark.slow
def test_pipeline_data_error_is_one_line_and_the_run_is_marked_failed(tmp_path):
    result = run_cli(
        "pipeline",
        "experiment=smoke",
        "data.corpora.seed.path=seed/missing.txt",
        f"paths.experiments_dir={tmp_path}",
    )
    assert_one_line_error(result.returncode, result.stderr, "'seed/missing.txt' not found")
    (run_dir,) = (tmp_path / "smoke").iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "failed" and "not found" in run["error"]
    assert not (run_dir / "metrics.json").exists()
