"""`pipeline.predict` streams: it reads, labels and writes a batch at a time."""

import json
import signal
import subprocess
import sys
import time
from itertools import count

import pytest

from pipeline.cli.predict import main
from pipeline.predictor import Predictor


@pytest.fixture(scope="module", params=[1, 2], ids=["one process", "two workers"])
def predictor(tiny_run, request) -> Predictor:
    return Predictor(tiny_run, workers=request.param)


def test_records_are_read_a_batch_at_a_time(predictor):
    taken = count()
    records = ({"id": next(taken), "text": f"The council met {i} times."} for i in range(10**9))
    labelled = predictor.label_records(records, batch_size=3)
    first = [next(labelled) for _ in range(4)]
    assert [r["id"] for r in first] == [0, 1, 2, 3]
    assert next(taken) <= 3 * (
        predictor.workers + 2
    )  # a batch or two per worker read ahead, no more
    labelled.close()


def test_an_article_labelled_in_batches_is_labelled_as_a_whole(predictor, tiny_run, seed_text):
    whole = list(Predictor(tiny_run).label_article(seed_text))
    assert list(predictor.label_article(seed_text, batch_size=4)) == whole
    assert len(whole) > 8 and any(r["label"] for r in whole)


def test_output_file_appears_only_when_complete(tiny_run, tmp_path):
    sentences = tmp_path / "in.jsonl"
    sentences.write_text(
        "".join(json.dumps({"text": f"Sentence {i}."}) + "\n" for i in range(25)) + "{broken\n"
    )
    out = tmp_path / "out.jsonl"
    assert (
        main([f"run_dir={tiny_run}", f"input={sentences}", f"output={out}", "batch_size=10"]) == 2
    )
    assert list(tmp_path.iterdir()) == [sentences]  # no output, no temporary file
    sentences.write_text("".join(json.dumps({"text": f"Sentence {i}."}) + "\n" for i in range(25)))
    assert (
        main([f"run_dir={tiny_run}", f"input={sentences}", f"output={out}", "batch_size=10"]) == 0
    )
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == list(range(1, 26))


@pytest.mark.slow
def test_sigterm_leaves_no_output_and_exits_130(tiny_run, tmp_path):
    sentences = tmp_path / "in.jsonl"
    sentences.write_text(
        "".join(json.dumps({"text": f"The mayor said {i}."}) + "\n" for i in range(300_000))
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.predict",
            f"run_dir={tiny_run}",
            f"input={sentences}",
            f"output={tmp_path / 'out.jsonl'}",
            "batch_size=1000",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    while not list(tmp_path.glob(".out*")):  # stop it once it has begun writing
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip() == "error: interrupted", stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_model_that_reads_the_sentence_after_gets_it_in_articles_and_records(
    tiny_run, seed_text, workers
):
    import numpy as np
    from conftest import TOY_LABELS, TOY_TEXTS

    from pipeline.models import build_model, fit_model, predict_scores

    nexts = [*TOY_TEXTS[1:], ""]
    model = build_model("tfidf_roles", {"following_weight": 1.0, "min_df": 1}, seed=0)
    fit_model(model, TOY_TEXTS, TOY_LABELS, ["", *TOY_TEXTS[:-1]], following=nexts)
    predictor = Predictor(tiny_run, workers=workers)
    predictor.model = model
    rows = [r for r in predictor.label_article(seed_text) if r["label"]]
    units = [u for u in predictor.splitter(seed_text)]
    chosen = [i for i, u in enumerate(units) if u.kind == "sentence"]
    expected = predict_scores(
        model,
        [units[i].text for i in chosen],
        [units[i - 1].text if i else "" for i in chosen],
        [units[i + 1].text if i + 1 < len(units) else "" for i in chosen],
    )
    got = np.array([[r["scores"][label] for label in model.labels] for r in rows])
    assert np.allclose(got, expected.round(6))
    records = [
        {"id": 0, "text": TOY_TEXTS[0], "next": TOY_TEXTS[1]},
        {"id": 1, "text": TOY_TEXTS[0]},
    ]
    with_next, without = predictor.label_records(records)
    assert with_next["scores"] != without["scores"]
