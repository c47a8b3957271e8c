"""Distillation: a new student with fewer layers, trained on a teacher's softened probabilities and
the gold labels; the teacher is left as it was."""

from __future__ import annotations

import copy

import numpy as np

from pipeline.models.encoders import Features, torch_module
from pipeline.models.finetune.training import (
    LossFn,
    TrainingArguments,
    predict_probabilities,
    train,
)

TEMPERATURE = 2.0  # softens the teacher's probabilities


def spread_layers(total: int, keep: int) -> list[int]:
    """`keep` of `total` layer indices, evenly spaced, the first and last included."""
    return sorted({round(i) for i in np.linspace(0, total - 1, min(keep, total))})


def student_of(teacher, layers: int):
    """A copy of `teacher` that keeps `layers` of its encoder layers (evenly spaced)."""
    torch = torch_module()
    student = copy.deepcopy(teacher)
    encoder = student.base_model.encoder
    keep = spread_layers(len(encoder.layer), layers)
    encoder.layer = torch.nn.ModuleList(encoder.layer[i] for i in keep)
    student.config.num_hidden_layers = len(keep)
    return student


def distil(
    teacher,
    data: Features,
    y: np.ndarray,
    train_idx: np.ndarray,
    dev_idx: np.ndarray,
    hard_loss: LossFn,
    args: TrainingArguments,
    seed: int,
) -> tuple[object, list[dict]]:
    """A student of `args.distil_layers` layers trained for `args.distil_epochs` on half the gold
    loss and half the KL divergence to the teacher at `TEMPERATURE`; the student and its history."""
    torch = torch_module()
    probabilities = predict_probabilities(
        teacher, data, np.arange(len(y)), teacher.config.num_labels
    )
    soft = torch.from_numpy(probabilities) ** (1 / TEMPERATURE)  # softmax(logits / T)
    soft = soft / soft.sum(dim=1, keepdim=True)
    student = student_of(teacher, args.distil_layers)

    def loss(logits, idx):
        log_student = torch.log_softmax(logits / TEMPERATURE, dim=-1)
        kl = torch.nn.functional.kl_div(log_student, soft[idx], reduction="batchmean")
        return 0.5 * hard_loss(logits, idx) + 0.5 * TEMPERATURE**2 * kl

    desc = f"distil to {student.config.num_hidden_layers} layers"
    history = train(
        student, data, y, train_idx, dev_idx, loss, args, args.distil_epochs, seed, desc
    )
    return student, [{**row, "stage": "distil"} for row in history]
