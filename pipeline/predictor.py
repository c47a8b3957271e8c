"""Label new text with a finished run: its model (by the registry name and labels its manifest
records) and its splitter, in forked worker processes where the model leaves cores free."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from pipeline.core.errors import PipelineError
from pipeline.models import load_model, predict_scores
from pipeline.runs import read_run_config, require_completed
from pipeline.split import splitter_from_config
from pipeline.split.units import around

BATCH_SIZE = 10_000
WORKERS = min(2, os.cpu_count() or 1)


class Predictor:
    """A finished run's model and splitter, ready to label text; with `workers` > 1, batches of
    `label_records` and `label_article` are labelled in that many forked processes at once."""

    def __init__(
        self,
        run_dir: str | Path,
        workers: int = 1,
        model_dir: str | Path | None = None,
        **serving: object,
    ):
        self.run_dir = Path(run_dir)
        require_completed(self.run_dir)
        self.splitter = splitter_from_config(
            _splitter_config(read_run_config(self.run_dir), self.run_dir)
        )
        # `model_dir`: another model the run saved (a student run's `teacher/`)
        self.model = load_model(model_dir or self.run_dir, **serving)
        # a model that keeps every core busy from one process gets no worker processes
        parallel = (
            "fork" in multiprocessing.get_all_start_methods() and not self.model.uses_all_cores
        )
        self.workers = workers if parallel else 1

    def label_texts(
        self,
        texts: Sequence[str],
        prevs: Sequence[str] | None = None,
        nexts: Sequence[str] | None = None,
    ) -> list[tuple[str, dict[str, float]]]:
        """(label, scores) for each text (`prevs`, `nexts`: the sentences before and after each,
        for models that read them)."""
        if not texts:
            return []
        scores = predict_scores(self.model, texts, prevs, nexts)
        labels = [self.model.labels[i] for i in scores.argmax(axis=1)]
        return [
            (label, dict(zip(self.model.labels, row)))
            for label, row in zip(labels, scores.round(6).tolist())
        ]

    def label_article(self, text: str, batch_size: int = BATCH_SIZE) -> Iterator[dict]:
        """Split an article and label its sentences, `batch_size` units at a time; non-sentence
        units get label None."""
        units = self.splitter(text)

        def batches() -> Iterator[Batch]:
            for first in range(0, len(units), batch_size):
                batch = range(first, min(first + batch_size, len(units)))
                chosen = [i for i in batch if units[i].kind == "sentence"]
                sides = [around(units, i) for i in chosen]
                texts = [units[i].text for i in chosen]
                yield (batch, chosen), texts, [p for p, _ in sides], [n for _, n in sides]

        for (batch, chosen), labelled in self.label_batches(batches()):
            by_unit = dict(zip(chosen, labelled))
            for i in batch:
                label, scores = by_unit.get(i, (None, None))
                yield {"id": i, **units[i].to_dict(), "label": label, "scores": scores}

    def label_records(
        self, records: Iterable[dict], batch_size: int = BATCH_SIZE
    ) -> Iterator[dict]:
        """Label `{"id", "text"}` records (optionally `prev`, `next`: the sentences before and
        after) in batches, keeping every other field."""
        records = iter(records)
        batches = (
            (
                batch,
                [r["text"] for r in batch],
                [r.get("prev") or "" for r in batch],
                [r.get("next") or "" for r in batch],
            )
            for batch in iter(lambda: list(islice(records, batch_size)), [])
        )
        for batch, labelled in self.label_batches(batches):
            for record, (label, scores) in zip(batch, labelled):
                yield {**record, "label": label, "scores": scores}

    def label_batches(self, batches: Iterable[Batch]) -> Iterator[tuple[object, list]]:
        """(key, `label_texts` of texts, prevs and nexts) for each (key, texts, prevs, nexts)
        batch, in order: here, or in `workers` forked processes with at most `workers` + 1
        batches in flight."""
        if self.workers <= 1:
            yield from ((key, self.label_texts(*neighbours)) for key, *neighbours in batches)
            return
        _forked["predictor"] = self  # what the workers inherit
        signal.pthread_sigmask(
            signal.SIG_BLOCK, {signal.SIGTERM}
        )  # raised inside fork's hooks, it would be lost
        try:
            pool = multiprocessing.get_context("fork").Pool(self.workers, _worker_signals)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        with pool:
            pending: deque = deque()
            for key, *neighbours in batches:
                pending.append((key, pool.apply_async(_label_in_worker, neighbours)))
                if len(pending) > self.workers:
                    key, result = pending.popleft()
                    yield key, result.get()
            while pending:
                key, result = pending.popleft()
                yield key, result.get()


# A batch to label: a key that comes back with its labels, the texts, the sentences before and
# after each.
Batch = tuple[object, list[str], list[str], list[str]]
# The predictor a forked worker inherits from its parent.
_forked: dict[str, Predictor] = {}


def _worker_signals() -> None:
    """A worker ignores Ctrl-C and dies quietly on SIGTERM: its parent stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _label_in_worker(
    texts: list[str], prevs: list[str], nexts: list[str]
) -> list[tuple[str, dict[str, float]]]:
    return _forked["predictor"].label_texts(texts, prevs, nexts)


def _splitter_config(config: dict, run_dir: Path) -> dict:
    splitter = config.get("splitter")
    if not isinstance(splitter, dict) or not isinstance(splitter.get("name"), str):
        raise PipelineError(f"{run_dir}/config.yaml names no splitter (splitter.name)")
    return splitter
