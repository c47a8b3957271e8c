"""Distillation: a student trained on a teacher's softened probabilities and the gold labels.

The student is a copy of the teacher with fewer layers (`distil_layers`), or another pretrained
encoder (`minilm_student`); rows without a gold label (label id -1: unlabelled sentences) teach
through the teacher's probabilities alone, rows without the teacher's (NaN) through their gold
label alone.
"""

from __future__ import annotations

import copy

import numpy as np

from pipeline.models.encoders import Features, torch_module
from pipeline.models.finetune.training import LossFn, TrainingArguments, train

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


def distillation_loss(probabilities: np.ndarray, y: np.ndarray, hard_loss: LossFn) -> LossFn:
    """Half the gold loss (over the batch's labelled rows) and half the KL divergence to the
    teacher's probabilities softened at `TEMPERATURE` (scaled by its square; summed over the
    batch's rows that have them, not NaN, divided by the batch size)."""
    torch = torch_module()
    taught = ~np.isnan(probabilities).any(axis=1)
    soft = torch.from_numpy(np.where(taught[:, None], probabilities, 1.0).astype(np.float32))
    soft = soft ** (1 / TEMPERATURE)
    soft = soft / soft.sum(dim=1, keepdim=True)  # softmax(teacher logits / T)
    labelled = y >= 0

    def loss(logits, idx):
        rows = torch.from_numpy(taught[idx])
        log_student = torch.log_softmax(logits[rows] / TEMPERATURE, dim=-1)
        kl = torch.nn.functional.kl_div(log_student, soft[idx][rows], reduction="sum") / len(idx)
        gold = labelled[idx]
        hard = hard_loss(logits[torch.from_numpy(gold)], idx[gold]) if gold.any() else 0.0
        return 0.5 * hard + 0.5 * TEMPERATURE**2 * kl

    return loss


def train_student(
    student,
    probabilities: np.ndarray,
    data: Features,
    y: np.ndarray,
    train_idx: np.ndarray,
    dev_idx: np.ndarray,
    hard_loss: LossFn,
    args: TrainingArguments,
    epochs: int,
    seed: int,
) -> list[dict]:
    """Train `student` in place on the teacher's `probabilities` (one row per row of `data`) and
    the gold labels (`y`, -1 where none); its history, each row marked as the distil stage."""
    loss = distillation_loss(probabilities, y, hard_loss)
    desc = f"distil to {student.config.num_hidden_layers} layers"
    history = train(student, data, y, train_idx, dev_idx, loss, args, epochs, seed, desc)
    return [{**row, "stage": "distil"} for row in history]
