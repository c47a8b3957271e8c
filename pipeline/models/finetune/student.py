"""A strong teacher, a fast student: a large encoder (all-mpnet-base-v2) is fine-tuned on the gold,
labels the gold training rows (not the dev split, which the student never trains on; with
`teacher_labels_gold: false`, not the gold rows at all) and the unlabelled sentences of the
training articles with its probabilities, and a small encoder (all-MiniLM-L6-v2) learns from
both; only the student is saved and served.

The teacher is trained in the run (`teacher_checkpoint`; saved in the run's `teacher/` folder) or
read from a finished fine-tuned run or such a folder (`teacher_run`, so that one teacher serves
many student runs). Teacher and student hold out the
same article-grouped dev split: the student's early stopping and decision offsets never see a
sentence the teacher trained on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABELS
from pipeline.models.base import MODELS, Model, load_model, read_manifest, save_model
from pipeline.models.finetune.model import FineTuned, check_serving
from pipeline.models.finetune.training import dev_split

TEACHER_CHECKPOINT = "all-mpnet-base-v2"
TEACHER_FOLDER = "teacher"  # a teacher trained in the run is saved here, a model folder of its own


def teacher_probabilities(teacher: Model, texts, context, rows: np.ndarray) -> np.ndarray:
    """The teacher's probabilities for `rows` of `texts`, rows the student trains on; the others
    (its dev split, read only for early stopping, and gold rows left to their labels) are NaN."""
    out = np.full((len(texts), len(LABELS)), np.nan, dtype=np.float32)
    read = None if context is None else [context[i] for i in rows]
    out[rows] = teacher.predict_proba([texts[i] for i in rows], context=read)
    return out


@MODELS.register("minilm_student")
class Student(FineTuned):
    """all-MiniLM-L6-v2 distilled from a fine-tuned teacher on gold and unlabelled sentences."""

    uses_unlabelled = True

    def __init__(
        self,
        teacher_checkpoint: str = TEACHER_CHECKPOINT,
        teacher_run: str | None = None,
        teacher_epochs: int = 3,
        teacher_learning_rate: float = 3e-5,
        teacher_num_layers: int | None = None,
        teacher_use_context: bool = False,
        teacher_labels_gold: bool = True,
        teacher_runtime: str = "torch",
        teacher_quantize: str | None = None,
        **finetune,
    ):
        super().__init__(**finetune)
        self.teacher_checkpoint = teacher_checkpoint
        self.teacher_run = teacher_run
        self.teacher_epochs = teacher_epochs
        self.teacher_learning_rate = teacher_learning_rate
        self.teacher_num_layers = teacher_num_layers
        self.teacher_use_context = teacher_use_context
        self.teacher_labels_gold = teacher_labels_gold
        runtime, quantize = check_serving(teacher_runtime, teacher_quantize, "teacher_")
        self.teacher_serving = {"runtime": runtime, "quantize": quantize}
        self.n_unlabelled = 0
        self.seconds: dict[str, float] = {}  # of each part of `fit`, so a run's budget can be read
        self._trained_teacher: FineTuned | None = None

    def teacher(self, texts, labels, context, groups) -> Model:
        """The fine-tuned teacher, served as `teacher_runtime` and `teacher_quantize` say: read from
        `teacher_run`, or trained now on the same rows."""
        if self.teacher_run:
            if not issubclass(
                MODELS.get(read_manifest(Path(self.teacher_run))["model"]), FineTuned
            ):
                raise PipelineError(f"teacher_run {self.teacher_run} holds no fine-tuned model")
            return load_model(self.teacher_run, **self.teacher_serving)
        teacher = FineTuned(
            checkpoint=self.teacher_checkpoint,
            epochs=self.teacher_epochs,
            learning_rate=self.teacher_learning_rate,
            num_layers=self.teacher_num_layers,
            weight_decay=self.args.weight_decay,
            warmup_ratio=self.args.warmup_ratio,
            class_weight=self.args.class_weight,
            dev_fraction=self.args.dev_fraction,
            patience=self.args.patience,
            max_steps=self.args.max_steps,
            use_context=self.teacher_use_context,
            context_tokens=self.context_tokens,
            max_length=self.max_length,
            batch_size=self.batch_size,
            length_buckets=self.args.length_buckets,
            context_dropout=self.args.context_dropout,
            seed=self.seed,
            num_threads=self.num_threads,
            **self.teacher_serving,
        )
        return teacher.fit(texts, labels, context=context, groups=groups)

    def fit(
        self,
        texts,
        labels,
        *,
        context=None,
        groups=None,
        unlabelled: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Student:
        """Fit the teacher, then the student on the gold rows and the `unlabelled` (texts, the
        sentence before each) through the teacher's probabilities (on the gold rows too, unless
        not `teacher_labels_gold`)."""
        began = time.perf_counter()
        teacher = self.teacher(texts, labels, context, groups)
        taught = time.perf_counter()
        extra_texts, extra_context = unlabelled or ((), ())
        all_texts = list(texts) + list(extra_texts)
        all_context = None if context is None else list(context) + list(extra_context)
        gold = np.asarray(labels)
        y = np.concatenate([gold, np.full(len(extra_texts), -1)])
        train_idx, dev_idx = dev_split(len(gold), groups, self.args.dev_fraction, self.seed)
        extra_idx = np.arange(len(gold), len(y))
        train_idx = np.concatenate([train_idx, extra_idx])
        asked = train_idx if self.teacher_labels_gold else extra_idx
        probabilities = teacher_probabilities(teacher, all_texts, all_context, asked)
        labelled = time.perf_counter()
        self.history = [{**row, "stage": "teacher"} for row in teacher.history]
        self.train_network(all_texts, all_context, y, train_idx, dev_idx, probabilities)
        self.seconds = {
            "teacher": round(taught - began, 1),  # loading it, with `teacher_run`
            "teacher_labelling": round(labelled - taught, 1),
            "student": round(time.perf_counter() - labelled, 1),
        }
        self.n_unlabelled = len(extra_texts)
        self._trained_teacher = None if self.teacher_run else teacher
        return self

    def save(self, directory: Path) -> None:
        """The student; a teacher trained in the run goes to `teacher/` (a `teacher_run`)."""
        super().save(directory)
        if self._trained_teacher is not None:
            save_model(self._trained_teacher, "mpnet_finetune", directory / TEACHER_FOLDER)

    def settings(self) -> dict:
        return {
            **super().settings(),
            "teacher": self.teacher_run or self.teacher_checkpoint,
            "n_unlabelled": self.n_unlabelled,
            "seconds": self.seconds,
        }
