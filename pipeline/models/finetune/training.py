"""The training loop of fine-tuned models: its arguments, the grouped dev split, class weights, and
a plain PyTorch loop (AdamW, linear warm-up and decay, the epoch with the best dev macro-F1
kept)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from pipeline.models.encoders import Features, torch_module

INFERENCE_BATCH = 64


@dataclass
class TrainingArguments:
    """How a fine-tuned model is trained (and, with `distil_layers`, distilled)."""

    epochs: int = 4
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    class_weight: str | None = "balanced"
    dev_fraction: float = 0.1
    patience: int = 2
    max_steps: int | None = None  # cap on optimiser steps (tests use a handful)
    num_layers: int | None = None  # keep only the first N pretrained layers before training
    distil_layers: int | None = None  # after fine-tuning, distil into N evenly spaced layers
    distil_epochs: int = 3
    batch_size: int = 32
    length_buckets: bool = False  # batches of similar length (less padding computed)
    context_dropout: float = 0.0  # share of training rows read without the sentence before


def drop_context(
    context: Sequence[str] | None, train_idx: np.ndarray, share: float, seed: int
) -> Sequence[str] | None:
    """`context` with the sentence before emptied for a seeded `share` of the training rows, so
    that a context model also learns to read sentences that come alone (CheckThat!)."""
    if context is None or not share:
        return context
    rng = np.random.default_rng(seed)
    dropped = set(train_idx[rng.random(len(train_idx)) < share].tolist())
    return ["" if i in dropped else prev for i, prev in enumerate(context)]


def dev_split(
    n: int, groups: Sequence[str] | None, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training and dev indices, the dev side a seeded share of the groups (articles)."""
    from sklearn.model_selection import GroupShuffleSplit

    if fraction <= 0 or n < 10:
        return np.arange(n), np.arange(0)
    groups = np.asarray(groups if groups is not None else np.arange(n))
    split = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    train, dev = next(split.split(np.zeros(n), groups=groups))
    return train, dev


def class_weights(y: np.ndarray, n_labels: int, mode: str | None) -> np.ndarray:
    """Per-label loss weights: "balanced" over the labels present, else ones."""
    from sklearn.utils.class_weight import compute_class_weight

    weights = np.ones(n_labels, dtype=np.float32)
    if mode == "balanced":
        present = np.unique(y)
        weights[present] = compute_class_weight("balanced", classes=present, y=y)
    return weights


def predict_probabilities(
    network, data: Features, indices: np.ndarray, n_labels: int, batch_size: int = INFERENCE_BATCH
) -> np.ndarray:
    """Softmax scores of `network` (PyTorch, or a session called like it) for rows `indices`."""
    torch = torch_module()
    network.eval()
    out = np.zeros((len(data), n_labels), dtype=np.float32)
    with torch.inference_mode():
        for chunk, batch in data.by_length(indices, batch_size):
            out[chunk] = torch.softmax(network(**batch).logits, dim=-1).numpy()
    return out[indices]


BUCKET_POOL = 50  # batches drawn together and sorted by length when `length_buckets`


def epoch_batches(
    indices: np.ndarray, lengths: np.ndarray, args: TrainingArguments, rng: np.random.Generator
) -> list[np.ndarray]:
    """One epoch's batches of `indices`, shuffled; with `length_buckets`, each pool of
    `BUCKET_POOL` batches is sorted by length before it is cut, and the batches are shuffled."""
    perm = rng.permutation(indices)
    size = args.batch_size
    if not args.length_buckets:
        return [perm[start : start + size] for start in range(0, len(perm), size)]
    batches = []
    for start in range(0, len(perm), size * BUCKET_POOL):
        pool = perm[start : start + size * BUCKET_POOL]
        pool = pool[np.argsort(lengths[pool], kind="stable")]
        batches += [pool[i : i + size] for i in range(0, len(pool), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


_EPOCH_HOOKS: list[Callable[[float], None]] = []


@contextmanager
def epoch_hook(hook: Callable[[float], None]) -> Iterator[None]:
    """Within the block, `hook(dev_macro_f1)` is called after every training epoch scored on a dev
    split (a tuner reports it and may stop the run by raising)."""
    _EPOCH_HOOKS.append(hook)
    try:
        yield
    finally:
        _EPOCH_HOOKS.remove(hook)


# A loss over a batch: the network's logits and the batch's row indices.
LossFn = Callable[[object, np.ndarray], object]


def adamw(network, args: TrainingArguments, fused: bool = True):
    """AdamW over `network`'s parameters; fused: one pass over each tensor per step instead of a
    dozen (a whole training step takes 0.83-0.89x the time of the default on 2 CPU cores,
    `python benchmarks/training_step.py`)."""
    torch = torch_module()
    return torch.optim.AdamW(
        network.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay, fused=fused
    )


def optimise(network, optimizer, loss) -> None:
    """One update of `network`: backpropagate `loss`, clip the gradient norm at 1, step, clear."""
    torch = torch_module()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad()


def train(
    network,
    data: Features,
    y: np.ndarray,
    train_idx: np.ndarray,
    dev_idx: np.ndarray,
    loss_fn: LossFn,
    args: TrainingArguments,
    epochs: int,
    seed: int,
    desc: str,
) -> list[dict]:
    """Train `network` in place on `train_idx` with `loss_fn`; keep the weights of the epoch with
    the best dev macro-F1 (early stopping after `patience` epochs without gain); the history."""
    from sklearn.metrics import f1_score
    from tqdm.auto import tqdm

    torch = torch_module()
    optimizer = adamw(network, args)
    steps_per_epoch = math.ceil(len(train_idx) / args.batch_size)
    total = min(args.max_steps or steps_per_epoch * epochs, steps_per_epoch * epochs)
    warmup = int(args.warmup_ratio * total)

    def schedule(s: int) -> float:
        return (
            (s + 1) / max(1, warmup)
            if s < warmup
            else max(0.0, (total - s) / max(1, total - warmup))
        )

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    rng = np.random.default_rng(seed)
    best, best_state, stale, step, history = -1.0, None, 0, 0, []
    bar = tqdm(total=total, desc=desc, unit="step")
    began = time.perf_counter()
    n_labels = network.config.num_labels
    for epoch in range(epochs):
        network.train()
        for idx in epoch_batches(train_idx, data.lengths, args, rng):
            loss = loss_fn(network(**data.batch(idx)).logits, idx)
            optimise(network, optimizer, loss)
            scheduler.step()
            step += 1
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
            if step >= total:
                break
        dev_f1 = None
        if len(dev_idx):
            predicted = predict_probabilities(network, data, dev_idx, n_labels).argmax(axis=1)
            dev_f1 = float(f1_score(y[dev_idx], predicted, average="macro", zero_division=0))
        history.append(
            {
                "epoch": epoch + 1,
                "step": step,
                "loss": float(loss.item()),
                "dev_macro_f1": dev_f1,
                "seconds": round(time.perf_counter() - began, 1),
            }
        )
        for hook in _EPOCH_HOOKS if dev_f1 is not None else ():
            hook(dev_f1)
        if dev_f1 is None or dev_f1 > best:
            best, stale = (dev_f1 if dev_f1 is not None else best), 0
            best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
        else:
            stale += 1
        if stale >= args.patience or step >= total:
            break
    bar.close()
    if best_state is not None:
        network.load_state_dict(best_state)
    return history
