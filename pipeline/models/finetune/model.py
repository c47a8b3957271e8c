"""A fine-tuned `AutoModelForSequenceClassification`: the model object (fit, predict, save, load).

`fit` trains with the loop of `training` (class-weighted, early stopping on a dev split grouped by
article) and, with `distil_layers`, replaces the network by a distilled student (`distil`). It is
served by PyTorch (`runtime: torch`) or ONNX Runtime (`runtime: onnx`, optionally
`quantize: int8`; the graph is exported when training ends and saved beside the Hugging Face
folder).
A saved model is served as it was trained unless `load` is told another runtime.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.files import atomic_write_bytes, require_file
from pipeline.core.labels import LABEL2ID, LABELS
from pipeline.models.base import MODELS
from pipeline.models.encoders import (
    EncoderModel,
    load_tokenizer,
    resolve_checkpoint,
    saved_encoder,
    torch_module,
)
from pipeline.models.finetune.distil import student_of, train_student
from pipeline.models.finetune.onnx_export import (
    ONNX_FILE,
    QUANTIZATIONS,
    RUNTIMES,
    OnnxClassifier,
    export_onnx,
)
from pipeline.models.finetune.training import (
    TrainingArguments,
    class_weights,
    dev_split,
    drop_context,
    predict_probabilities,
    train,
)

HF_FOLDER = "hf_model"
ONNX_FOLDER = "onnx"


def check_serving(runtime: str, quantize: str | None, of: str = "") -> tuple[str, str | None]:
    """A checked (runtime, quantize) pair (`of`: the parameters' prefix, as `teacher_`): int8
    weights are served by ONNX Runtime only."""
    key = f"model.params.{of}"
    if runtime not in RUNTIMES:
        raise PipelineError(f"{key}runtime must be one of {list(RUNTIMES)}, not {runtime!r}")
    if quantize not in QUANTIZATIONS:
        raise PipelineError(f"{key}quantize must be null, int8 or int8_7bit, not {quantize!r}")
    if quantize and runtime != "onnx":
        raise PipelineError(f"{key}quantize={quantize} needs {key}runtime=onnx")
    return runtime, quantize


def new_network(source: str, num_layers: int | None):
    """A pretrained encoder with a fresh classification head over LABELS (first `num_layers`)."""
    from transformers import AutoModelForSequenceClassification

    network = AutoModelForSequenceClassification.from_pretrained(
        source,
        use_safetensors=True,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id=dict(LABEL2ID),
        problem_type="single_label_classification",
    )
    if num_layers:  # keep the first layers only: less compute per sentence
        encoder = network.base_model.encoder
        encoder.layer = encoder.layer[:num_layers]
        network.config.num_hidden_layers = num_layers
    return network


@MODELS.register("mpnet_finetune")  # the same model from another checkpoint (all-mpnet-base-v2)
@MODELS.register("minilm_finetune")
class FineTuned(EncoderModel):
    """all-MiniLM-L6-v2 (or any checkpoint) fine-tuned end to end, optionally distilled."""

    def __init__(
        self,
        runtime: str = "torch",
        quantize: str | None = None,
        epochs: int = 4,
        learning_rate: float = 5e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        class_weight: str | None = "balanced",
        dev_fraction: float = 0.1,
        patience: int = 2,
        max_steps: int | None = None,
        num_layers: int | None = None,
        distil_layers: int | None = None,
        distil_epochs: int = 3,
        length_buckets: bool = False,
        context_dropout: float = 0.0,
        **encoder,
    ):
        super().__init__(**encoder)
        if not 0 <= context_dropout < 1:
            raise PipelineError(f"context_dropout must be in [0, 1), not {context_dropout}")
        self.runtime, self.quantize = check_serving(runtime, quantize)
        self.args = TrainingArguments(
            epochs=epochs,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            warmup_ratio=warmup_ratio,
            class_weight=class_weight,
            dev_fraction=dev_fraction,
            patience=patience,
            max_steps=max_steps,
            num_layers=num_layers,
            distil_layers=distil_layers,
            distil_epochs=distil_epochs,
            batch_size=self.batch_size,
            length_buckets=length_buckets,
            context_dropout=context_dropout,
        )
        self.history: list[dict] = []
        self._network = None
        self._folder: Path | None = None  # a saved model's folder, read on first use of `network`
        self._served = None
        self._onnx_path: Path | None = None
        self._onnx_tmp: tempfile.TemporaryDirectory | None = None
        self._dev: tuple[list[str], list[str] | None, np.ndarray] | None = None

    @property
    def network(self):
        """The PyTorch network; a loaded run reads its weights on first use (ONNX serving never)."""
        if self._network is None and self._folder is not None:
            from transformers import AutoModelForSequenceClassification

            self._network = AutoModelForSequenceClassification.from_pretrained(
                self._folder, use_safetensors=True
            ).eval()
        return self._network

    def fit(self, texts, labels, *, context=None, groups=None) -> FineTuned:
        y = np.asarray(labels)
        train_idx, dev_idx = dev_split(len(y), groups, self.args.dev_fraction, self.seed)
        self.history = []
        self.train_network(texts, context, y, train_idx, dev_idx)
        return self

    def train_network(
        self,
        texts,
        context,
        y: np.ndarray,
        train_idx: np.ndarray,
        dev_idx: np.ndarray,
        teacher_probabilities: np.ndarray | None = None,
    ) -> None:
        """Train a new network of `checkpoint` on the gold labels `y` (-1: none), or distil it from
        `teacher_probabilities` (one row per text); with `distil_layers`, shrink it; keep it."""
        source = self._start(resolve_checkpoint(self.checkpoint))
        read = drop_context(context, train_idx, self.args.context_dropout, self.seed)
        data = self.features(texts, read)
        hard_loss = self.hard_loss(y, train_idx)
        network = new_network(source, self.args.num_layers)
        rows = (data, y, train_idx, dev_idx)
        if teacher_probabilities is None:
            self.history += train(
                network, *rows, hard_loss, self.args, self.args.epochs, self.seed, "fine-tune"
            )
        else:
            self.history += train_student(
                network,
                teacher_probabilities,
                *rows,
                hard_loss,
                self.args,
                self.args.epochs,
                self.seed,
            )
        if self.args.distil_layers:  # the trained network teaches a copy with fewer layers
            probabilities = predict_probabilities(network, data, np.arange(len(y)), len(LABELS))
            network = student_of(network, self.args.distil_layers)
            self.history += train_student(
                network,
                probabilities,
                *rows,
                hard_loss,
                self.args,
                self.args.distil_epochs,
                self.seed,
            )
        self.finish(network, texts, context, y, dev_idx)

    def _start(self, source: str) -> str:
        """Seed PyTorch and load the tokenizer of `source`; `source`."""
        self.setup_torch()
        self.tokenizer = load_tokenizer(source)
        return source

    def hard_loss(self, y: np.ndarray, train_idx: np.ndarray):
        """Cross-entropy on the gold labels, class-weighted over the labelled training rows."""
        torch = torch_module()
        gold = y[train_idx]
        weights = class_weights(gold[gold >= 0], len(LABELS), self.args.class_weight)
        cross_entropy = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights))
        targets = torch.tensor(y)

        def loss(logits, idx):
            return cross_entropy(logits, targets[idx])

        return loss

    def finish(self, network, texts, context, y: np.ndarray, dev_idx: np.ndarray) -> None:
        """Keep the trained `network` and the dev rows (for decision offsets); export the served
        graph now, so the export counts as training time."""
        self._network = network.eval()
        self._dev = (
            [texts[i] for i in dev_idx],
            None if context is None else [context[i] for i in dev_idx],
            y[dev_idx],
        )
        if self.runtime == "onnx":
            self._export()

    def held_out_scores(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self._dev is None or not len(self._dev[2]):
            return None
        texts, context, y = self._dev
        return self.predict_proba(texts, context=context), y

    def _export(self) -> Path:
        """The ONNX graph of the fitted network as served (exported to a temporary folder once)."""
        if self._onnx_path is None:
            self._onnx_tmp = tempfile.TemporaryDirectory(prefix="pipeline-onnx-")
            example = self.features(
                ["A short one.", "A somewhat longer example, for shapes."], ["", "A short one."]
            ).batch(np.arange(2))
            path = Path(self._onnx_tmp.name) / ONNX_FILE
            self._onnx_path = export_onnx(self.network, example, path, self.quantize)
        return self._onnx_path

    @property
    def served(self):
        """What predicts: the PyTorch network, or an ONNX Runtime session of its graph."""
        if self._served is None:
            if self.runtime == "onnx":
                self._served = OnnxClassifier(self._export(), self.num_threads)
            else:
                self._served = self.network.eval()
        return self._served

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        self.setup_torch()
        data = self.features(texts, context)
        return predict_probabilities(self.served, data, np.arange(len(texts)), len(self.classes_))

    def save(self, directory: Path) -> None:
        folder = directory / HF_FOLDER
        self.network.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        if self.runtime == "onnx":
            atomic_write_bytes(directory / ONNX_FOLDER / ONNX_FILE, self._export().read_bytes())

    def settings(self) -> dict:
        return {
            **super().settings(),
            "runtime": self.runtime,
            "quantize": self.quantize,
            "history": self.history,
        }

    @classmethod
    def load(
        cls,
        directory: Path,
        settings: dict,
        runtime: str | None = None,
        quantize: str | None = "saved",
    ) -> FineTuned:
        """The saved model, served as saved, or by `runtime` (and `quantize`) if given: a graph
        other than the saved one is exported from the saved weights."""
        folder = directory / HF_FOLDER
        require_file(folder / "model.safetensors")
        saved = (settings.get("runtime", "torch"), settings.get("quantize"))
        runtime = runtime or saved[0]
        quantize = (saved[1] if runtime == saved[0] else None) if quantize == "saved" else quantize
        model = cls(
            checkpoint=str(folder),
            **saved_encoder(settings),
            runtime=runtime,
            quantize=quantize,
        )
        model.tokenizer = load_tokenizer(str(folder))
        model._folder = folder
        model.history = settings.get("history", [])
        if (runtime, quantize) == saved and runtime == "onnx":
            model._onnx_path = directory / ONNX_FOLDER / ONNX_FILE
            require_file(model._onnx_path)
        return model
