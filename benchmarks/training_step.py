"""Time of one fine-tuning step (forward, backward, gradient clipping, AdamW), in one run: the
default AdamW against the fused one the pipeline uses, each on sentences alone and with the last 8
tokens of the sentence before, for the student (all-MiniLM-L6-v2) and the teacher
(all-mpnet-base-v2).

    python benchmarks/training_step.py [--checkpoints all-MiniLM-L6-v2,all-mpnet-base-v2]
                                       [--steps 20]

Batches of 16 sentences of the Wikinews 2019 sample, cut by the pipeline's length buckets
(`epoch_batches`), one untimed warm-up step each; every variant takes the same batches in
turn (interleaved, so a busy machine slows them alike) with the same dropout masks. Prints mean
seconds per step, the ratio to the first variant (default AdamW, sentences alone) and the largest
gap between a variant's loss and the default AdamW's on the same inputs, step by step (0: the two
AdamWs made the same updates).
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
from transformer_speed import sentences

from pipeline.models.encoders import (
    Features,
    load_tokenizer,
    resolve_checkpoint,
    tokenize,
    torch_module,
)
from pipeline.models.finetune.model import new_network
from pipeline.models.finetune.training import (
    TrainingArguments,
    adamw,
    epoch_batches,
    optimise,
)

BATCH = 16
CONTEXT_TOKENS = 8
VARIANTS = (  # (fused AdamW, reads the end of the sentence before)
    (False, False),
    (True, False),
    (False, True),
    (True, True),
)


def step_seconds(
    checkpoint: str, steps: int, texts: list[str], prevs: list[str]
) -> tuple[list[float], list[list[float]]]:
    """Mean seconds per training step of each of VARIANTS, and each one's losses step by step
    (every variant draws the same dropout masks, so the two AdamWs' losses can be compared)."""
    torch = torch_module()
    source = resolve_checkpoint(checkpoint)
    tokenizer = load_tokenizer(source)
    pad = tokenizer.pad_token_id
    data = {
        False: Features(tokenize(tokenizer, texts, None, 128), pad),
        True: Features(tokenize(tokenizer, texts, prevs, 128, CONTEXT_TOKENS), pad),
    }
    torch.manual_seed(0)
    network = new_network(source, None)
    args = TrainingArguments(learning_rate=3e-5, batch_size=BATCH, length_buckets=True)
    runs = []
    for fused, context in VARIANTS:
        net = copy.deepcopy(network)
        runs.append((net, adamw(net, args, fused=fused), data[context]))
    rng = np.random.default_rng(0)
    lengths = data[False].lengths
    chosen = epoch_batches(np.arange(len(lengths)), lengths, args, rng)[: steps + 1]
    targets = [torch.tensor(rng.integers(0, 4, len(b))) for b in chosen]
    seconds, losses = np.zeros(len(runs)), [[] for _ in runs]
    for i, (idx, y) in enumerate(zip(chosen, targets)):
        for j, (net, optimizer, features) in enumerate(runs):
            torch.manual_seed(i)
            began = time.perf_counter()
            net.train()
            loss = torch.nn.functional.cross_entropy(net(**features.batch(idx)).logits, y)
            optimise(net, optimizer, loss)
            seconds[j] += (time.perf_counter() - began) if i else 0.0  # step 0 warms up
            losses[j].append(loss.item())
    return list(seconds / steps), losses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoints", default="all-MiniLM-L6-v2,all-mpnet-base-v2")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    texts, prevs, _ = sentences(BATCH * 200)
    print("checkpoint          AdamW    reads before  s/step  ratio  loss gap to default AdamW")
    for checkpoint in args.checkpoints.split(","):
        seconds, losses = step_seconds(checkpoint, args.steps, texts, prevs)
        for (fused, context), s, loss in zip(VARIANTS, seconds, losses):
            default = losses[VARIANTS.index((False, context))]
            gap = max(abs(a - b) for a, b in zip(loss, default))
            print(
                f"{checkpoint:<19} {'fused' if fused else 'default':<8} "
                f"{'8 tokens' if context else 'no':<13} {s:6.3f}  {s / seconds[0]:.3f}  {gap:.1e}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
