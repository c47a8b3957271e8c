"""Label new text with a finished run.

    python -m pipeline.predict run_dir=RUN input=FILE [output=FILE] [batch_size=10000] [max_article_mb=200] [workers=2]

A ``.txt`` input is an article: it is split with the run's splitter and each sentence labelled.
A ``.jsonl`` input holds one ``{"id", "text"}`` object per line, each labelled as given.
Output is JSON Lines (stdout when `output` is omitted; an output file appears only once complete).

Input is streamed: JSON Lines are read, labelled and written `batch_size` records at a time, and an
article's sentences are labelled `batch_size` at a time, so memory does not grow with the number of
sentences. Batches are labelled by `workers` forked processes at once (default: 2, or 1 on a
one-core machine; a transformer model uses every core from one process), in order, with at most
`workers` + 1 batches in flight. An article file over `max_article_mb` is refused before anything is
loaded (an article's text and its units are held in memory while it is split: about 6 times the file
size).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from pipeline.errors import PipelineError, exit_code, interrupt_on_sigterm
from pipeline.files import atomic_path, iter_jsonl, read_text_file, require_file
from pipeline.labels import LABELS
from pipeline.runs import read_run_config, require_completed
from pipeline.split import get_splitter
from pipeline.train import load_model, predict_scores
from pipeline.transformer import TransformerClassifier

USAGE = ("usage: python -m pipeline.predict run_dir=RUN input=FILE [output=FILE] [batch_size=N] "
         "[max_article_mb=N] [workers=N]")
BATCH_SIZE = 10_000
MAX_ARTICLE_MB = 200
WORKERS = min(2, os.cpu_count() or 1)
_KEYS = {"run_dir", "input", "output", "batch_size", "max_article_mb", "workers"}


class Predictor:
    """A finished run's model and splitter, ready to label text; with `workers` > 1, batches of
    `label_records` and `label_article` are labelled in that many forked processes at once."""

    def __init__(self, run_dir: str | Path, workers: int = 1):
        self.run_dir = Path(run_dir)
        require_completed(self.run_dir)
        self.splitter = get_splitter(_splitter_name(read_run_config(self.run_dir), self.run_dir))
        self.model = load_model(self.run_dir)
        # a transformer already runs on every core (PyTorch or ONNX Runtime threads): one process
        parallel = "fork" in multiprocessing.get_all_start_methods() and not isinstance(self.model, TransformerClassifier)
        self.workers = workers if parallel else 1

    def label_texts(self, texts: Sequence[str], prevs: Sequence[str] | None = None) -> list[tuple[str, dict[str, float]]]:
        """(label, scores) for each text (`prevs`: the sentence before each, for context models)."""
        if not texts:
            return []
        scores = predict_scores(self.model, texts, prevs)
        labels = [LABELS[i] for i in scores.argmax(axis=1)]
        return [(label, dict(zip(LABELS, row))) for label, row in zip(labels, scores.round(6).tolist())]

    def label_article(self, text: str, batch_size: int = BATCH_SIZE) -> Iterator[dict]:
        """Split an article and label its sentences, `batch_size` units at a time; non-sentence units
        get label None."""
        units = self.splitter(text)

        def batches() -> Iterator[Batch]:
            for first in range(0, len(units), batch_size):
                batch = range(first, min(first + batch_size, len(units)))
                chosen = [i for i in batch if units[i].kind == "sentence"]
                yield (batch, chosen), [units[i].text for i in chosen], [units[i - 1].text if i else "" for i in chosen]

        for (batch, chosen), labelled in self.label_batches(batches()):
            by_unit = dict(zip(chosen, labelled))
            for i in batch:
                label, scores = by_unit.get(i, (None, None))
                yield {"id": i, **units[i].to_dict(), "label": label, "scores": scores}

    def label_records(self, records: Iterable[dict], batch_size: int = BATCH_SIZE) -> Iterator[dict]:
        """Label `{"id", "text"}` records in batches, keeping every other field."""
        records = iter(records)
        batches = ((batch, [r["text"] for r in batch], [r.get("prev") or "" for r in batch])
                   for batch in iter(lambda: list(islice(records, batch_size)), []))
        for batch, labelled in self.label_batches(batches):
            for record, (label, scores) in zip(batch, labelled):
                yield {**record, "label": label, "scores": scores}

    def label_batches(self, batches: Iterable[Batch]) -> Iterator[tuple[object, list]]:
        """(key, `label_texts` of texts and prevs) for each (key, texts, prevs) batch, in order: here,
        or in `workers` forked processes with at most `workers` + 1 batches in flight."""
        if self.workers <= 1:
            yield from ((key, self.label_texts(texts, prevs)) for key, texts, prevs in batches)
            return
        _forked["predictor"] = self  # what the workers inherit
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # raised inside fork's hooks, it would be lost
        try:
            pool = multiprocessing.get_context("fork").Pool(self.workers, _worker_signals)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        with pool:
            pending: deque = deque()
            for key, texts, prevs in batches:
                pending.append((key, pool.apply_async(_label_in_worker, (texts, prevs))))
                if len(pending) > self.workers:
                    key, result = pending.popleft()
                    yield key, result.get()
            while pending:
                key, result = pending.popleft()
                yield key, result.get()


# A batch to label: a key that comes back with its labels, the texts, the sentence before each.
Batch = tuple[object, list[str], list[str]]
# The predictor a forked worker inherits from its parent.
_forked: dict[str, Predictor] = {}


def _worker_signals() -> None:
    """A worker ignores Ctrl-C and dies quietly on SIGTERM: its parent stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _label_in_worker(texts: list[str], prevs: list[str]) -> list[tuple[str, dict[str, float]]]:
    return _forked["predictor"].label_texts(texts, prevs)


def _splitter_name(config: dict, run_dir: Path) -> str:
    splitter = config.get("splitter")
    if not isinstance(splitter, dict) or not isinstance(splitter.get("name"), str):
        raise PipelineError(f"{run_dir}/config.yaml names no splitter (splitter.name)")
    return splitter["name"]


def read_records(path: Path) -> Iterator[dict]:
    """Stream `{"id", "text"}` records (id defaults to the line number; an optional `prev` string is
    the sentence before, for context models)."""
    for number, record in iter_jsonl(path, allow_empty=False):
        if not isinstance(record.get("text"), str):
            raise PipelineError(f'{path}:{number}: expected an object with a "text" string')
        if not isinstance(record.get("prev", ""), (str, type(None))):
            raise PipelineError(f'{path}:{number}: "prev" must be a string')
        record.setdefault("id", number)
        yield record


def check_input(path: Path, max_article_mb: float = MAX_ARTICLE_MB) -> Path:
    """Fail early, before the model loads, on an input that cannot be labelled."""
    if path.suffix not in (".jsonl", ".txt"):
        raise PipelineError(f"unsupported input {path.name}: use a .txt article or a .jsonl file")
    require_file(path)
    size_mb = path.stat().st_size / 1e6
    if path.suffix == ".txt" and size_mb > max_article_mb:
        raise PipelineError(f"{path} is {size_mb:.1f} MB, over the {max_article_mb:g} MB limit for one article: "
                            "split it into articles or pass max_article_mb=N")
    return path


def predict_file(predictor: Predictor, input_path: Path, batch_size: int = BATCH_SIZE) -> Iterator[dict]:
    """Output records for a `.jsonl` file of sentences or a `.txt` article (see `check_input`)."""
    if input_path.suffix == ".jsonl":
        yield from predictor.label_records(read_records(input_path), batch_size)
    else:
        yield from predictor.label_article(read_text_file(input_path), batch_size)


def parse_args(argv: Sequence[str]) -> dict:
    """`key=value` arguments (Hydra style) into a dict, rejecting unknown keys and bad numbers."""
    try:
        args = OmegaConf.to_container(OmegaConf.from_dotlist(list(argv)))
    except OmegaConfBaseException as err:
        raise PipelineError(f"bad argument ({err}); {USAGE}") from None
    unknown = set(args) - _KEYS
    if unknown:
        raise PipelineError(f"unknown argument {min(unknown)!r}; choose from {', '.join(sorted(_KEYS))}")
    if not args.get("run_dir") or not args.get("input"):
        raise PipelineError(USAGE)
    for key in ("batch_size", "max_article_mb", "workers"):
        if key in args and (isinstance(args[key], bool) or not isinstance(args[key], (int, float)) or args[key] <= 0):
            raise PipelineError(f"{key} must be a positive number, not {args[key]!r}")
    return args


@contextmanager
def _open_output(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        yield handle


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    return exit_code(lambda: run(sys.argv[1:] if argv is None else argv))


def cli() -> None:
    """`python -m pipeline.predict`: SIGTERM stops it like Ctrl-C (no output file, exit 130)."""
    interrupt_on_sigterm()
    sys.exit(main())


def run(argv: Sequence[str]) -> None:
    """Label the input file and write JSON Lines."""
    args = parse_args(argv)
    input_path = check_input(Path(args["input"]), args.get("max_article_mb", MAX_ARTICLE_MB))
    predictor = Predictor(args["run_dir"], int(args.get("workers", WORKERS)))
    records = predict_file(predictor, input_path, int(args.get("batch_size", BATCH_SIZE)))
    with _open_output(args.get("output")) as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    cli()
