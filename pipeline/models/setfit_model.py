"""SetFit (the `setfit` package): contrastive fine-tuning of a sentence encoder on pairs of
training sentences (same label or not), then logistic regression on its embeddings. Pairs are
drawn with oversampling, so the rare labels (policy, opinion) take part in as many pairs as the
common ones.

The body is saved as a sentence-transformers folder (safetensors) and the head with skops; SetFit's
own `save_pretrained` pickles the head, which the pipeline never loads.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.files import load_skops, require_file, save_skops
from pipeline.models.base import MODELS, no_serving_options
from pipeline.models.encoders import EncoderModel, resolve_checkpoint

BODY_FOLDER = "setfit_body"
HEAD_FILE = "setfit_head.skops"


def _sentence_encoder(source: str, max_length: int):
    """A sentence-transformers encoder of a local folder, weights read as safetensors only."""
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(source, device="cpu", model_kwargs={"use_safetensors": True})
    encoder.max_seq_length = max_length
    return encoder


@MODELS.register("minilm_setfit")
class SetFit(EncoderModel):
    """all-MiniLM-L6-v2 (or any checkpoint) tuned contrastively by SetFit, linear head."""

    def __init__(
        self,
        max_steps: int = 500,
        body_learning_rate: float = 2e-5,
        sampling_strategy: str = "oversampling",
        C: float = 1.0,
        class_weight: str | None = "balanced",
        **encoder,
    ):
        super().__init__(**encoder)
        if self.use_context:
            raise PipelineError("minilm_setfit reads single sentences: use_context must be false")
        self.max_steps = max_steps
        self.body_learning_rate = body_learning_rate
        self.sampling_strategy = sampling_strategy
        self.C = C
        self.class_weight = class_weight
        self.setfit = None

    def fit(self, texts, labels, *, context=None, groups=None) -> SetFit:
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments
        from sklearn.linear_model import LogisticRegression

        self.setup_torch()
        head = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=3000, random_state=self.seed
        )
        body = _sentence_encoder(resolve_checkpoint(self.checkpoint), self.max_length)
        model = SetFitModel(model_body=body, model_head=head)
        with tempfile.TemporaryDirectory(prefix="pipeline-setfit-") as scratch:
            args = TrainingArguments(
                output_dir=scratch,
                batch_size=self.batch_size,
                num_epochs=1,
                max_steps=self.max_steps,
                body_learning_rate=self.body_learning_rate,
                sampling_strategy=self.sampling_strategy,
                max_length=self.max_length,
                seed=self.seed,
                report_to="none",
                save_strategy="no",
                show_progress_bar=True,
            )
            train = Dataset.from_dict({"text": list(texts), "label": [int(y) for y in labels]})
            Trainer(model=model, args=args, train_dataset=train).train()
        self.setfit = model
        self.classes_ = np.asarray(model.model_head.classes_)
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        self.setup_torch()
        embeddings = self.setfit.model_body.encode(
            list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False
        )
        return self.setfit.model_head.predict_proba(embeddings)

    def save(self, directory: Path) -> None:
        self.setfit.model_body.save(str(directory / BODY_FOLDER), safe_serialization=True)
        save_skops(directory / HEAD_FILE, self.setfit.model_head)

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> SetFit:
        from setfit import SetFitModel

        no_serving_options("minilm_setfit", serving)
        require_file(directory / BODY_FOLDER / "model.safetensors")
        model = cls(**{key: settings[key] for key in ("checkpoint", "max_length", "batch_size")})
        model.setfit = SetFitModel(
            model_body=_sentence_encoder(str(directory / BODY_FOLDER), settings["max_length"]),
            model_head=load_skops(directory / HEAD_FILE),
        )
        model.classes_ = np.asarray(model.setfit.model_head.classes_)
        return model
