"""Serve a fine-tuned sequence classifier through ONNX Runtime: export, fuse, quantise, run.

The model is exported with PyTorch's TorchScript-based ONNX exporter (eager attention), because
ONNX Runtime's transformer optimizer recognises that graph and fuses each block's attention,
LayerNorm and GELU into single operators; the graph from the `torch.export`-based exporter is
left unfused there. `int8` then applies ONNX Runtime's dynamic quantisation, per channel, to every
MatMul and fused attention; `int8_7bit` keeps the weights in 7 bits (ONNX Runtime's `reduce_range`),
for CPUs without VNNI, whose 8-bit products saturate (they break the mpnet teacher in `int8`).
Speed and accuracy of each choice: docs/models.md.
"""

from __future__ import annotations

import copy
import inspect
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

ONNX_FILE = "model.onnx"
RUNTIMES = ("torch", "onnx")
QUANTIZATIONS = (None, "int8", "int8_7bit")


def input_names(model, batch: dict) -> list[str]:
    """The batch's tensors in the order of the model's `forward` arguments (how ONNX binds them)."""
    return [name for name in inspect.signature(model.forward).parameters if name in batch]


def export_onnx(model, example: dict, path: Path, quantize: str | None = None) -> Path:
    """Write `model` (a PyTorch sequence classifier) to `path` as a fused ONNX graph with dynamic
    batch and sequence axes, its weights in int8 when `quantize` is `int8` or `int8_7bit`."""
    import torch
    from onnxruntime.transformers.optimizer import MODEL_TYPES, optimize_model

    eager = copy.deepcopy(model).eval()
    eager.set_attn_implementation("eager")
    names = input_names(eager, example)
    config = eager.config
    with tempfile.TemporaryDirectory(prefix="onnx-export-") as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        with (
            warnings.catch_warnings()
        ):  # tracer notes on Python-side shape checks; outputs are tested
            warnings.simplefilter("ignore")
            torch.onnx.export(
                eager,
                (),
                str(raw),
                kwargs={n: example[n] for n in names},
                input_names=names,
                output_names=["logits"],
                opset_version=17,
                dynamo=False,
                dynamic_axes={
                    **{n: {0: "batch", 1: "sequence"} for n in names},
                    "logits": {0: "batch"},
                },
            )
        model_type = config.model_type if config.model_type in MODEL_TYPES else "bert"
        optimize_model(
            str(raw),
            model_type=model_type,
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
        ).save_model_to_file(str(fused))
        path.parent.mkdir(parents=True, exist_ok=True)
        if quantize:
            _quantize_int8(fused, path, reduce_range=quantize == "int8_7bit")
        else:
            shutil.move(fused, path)
    return path


def _quantize_int8(source: Path, target: Path, reduce_range: bool) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its advice to pre-process applies to static quantisation
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=reduce_range,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        logging.disable(logging.NOTSET)


class OnnxClassifier:
    """An ONNX Runtime session called like the PyTorch model: `model(**batch).logits`."""

    def __init__(self, path: Path, num_threads: int | None = None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads or 0  # 0: one thread per physical core
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    def eval(self) -> OnnxClassifier:
        return self

    def __call__(self, **batch):
        import torch
        from transformers.modeling_outputs import SequenceClassifierOutput

        (logits,) = self.session.run(
            ["logits"], {name: np.asarray(batch[name]) for name in self.inputs}
        )
        return SequenceClassifierOutput(logits=torch.from_numpy(logits))
