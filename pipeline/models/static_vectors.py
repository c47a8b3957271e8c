"""Static sentence vectors: the mean of a transformer checkpoint's input token embeddings.

No forward pass runs: each sentence is tokenised (Hugging Face `tokenizers`) and its tokens' rows
of the checkpoint's word-embedding matrix (read with `safetensors`, nothing else of the model) are
averaged and scaled to unit length. About a second for ten thousand sentences on one core, where the
encoder itself takes a minute, and the vectors still carry which words are alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.models.encoders import resolve_checkpoint

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
EMBEDDINGS = "word_embeddings.weight"  # the input token embeddings of a BERT-like checkpoint


class StaticVectors:
    """`vectors(texts)`: one unit-length row per text (zeros for a text without tokens)."""

    def __init__(self, checkpoint: str | None = None):
        self.checkpoint = checkpoint
        self._matrix: np.ndarray | None = None
        self._tokenizer = None

    def _load(self) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        folder = Path(resolve_checkpoint(self.checkpoint))
        if not (folder / WEIGHTS).is_file() or not (folder / TOKENIZER).is_file():
            raise PipelineError(f"static vectors need {WEIGHTS} and {TOKENIZER} in {folder}")
        with safe_open(str(folder / WEIGHTS), framework="numpy") as weights:
            names = [k for k in list(weights.keys()) if k.endswith(EMBEDDINGS)]
            if not names:
                raise PipelineError(f"no {EMBEDDINGS} tensor in {folder / WEIGHTS}")
            self._matrix = weights.get_tensor(names[0]).astype(np.float32)
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        if self._matrix is None:
            self._load()
        out = np.zeros((len(texts), self._matrix.shape[1]), dtype=np.float32)
        for i, encoding in enumerate(
            self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ):
            if encoding.ids:
                mean = self._matrix[encoding.ids].mean(axis=0)
                out[i] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return out
