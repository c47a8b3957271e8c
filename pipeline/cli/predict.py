"""Label new text with a finished run.

    python -m pipeline.predict run_dir=RUN input=FILE [output=FILE]
        [batch_size=10000] [max_article_mb=200] [workers=2]

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
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from pipeline.core.errors import PipelineError, exit_code, interrupt_on_sigterm
from pipeline.core.files import atomic_path, iter_jsonl, read_text_file, require_file
from pipeline.predictor import BATCH_SIZE, WORKERS, Predictor

USAGE = (
    "usage: python -m pipeline.predict run_dir=RUN input=FILE [output=FILE] [batch_size=N] "
    "[max_article_mb=N] [workers=N]"
)
MAX_ARTICLE_MB = 200
_KEYS = {"run_dir", "input", "output", "batch_size", "max_article_mb", "workers"}


def read_records(path: Path) -> Iterator[dict]:
    """Stream `{"id", "text"}` records (id defaults to the line number; optional `prev` and `next`
    strings are the sentences before and after, for models that read them)."""
    for number, record in iter_jsonl(path, allow_empty=False):
        if not isinstance(record.get("text"), str):
            raise PipelineError(f'{path}:{number}: expected an object with a "text" string')
        for key in ("prev", "next"):
            if not isinstance(record.get(key, ""), (str, type(None))):
                raise PipelineError(f'{path}:{number}: "{key}" must be a string')
        record.setdefault("id", number)
        yield record


def check_input(path: Path, max_article_mb: float = MAX_ARTICLE_MB) -> Path:
    """Fail early, before the model loads, on an input that cannot be labelled."""
    if path.suffix not in (".jsonl", ".txt"):
        raise PipelineError(f"unsupported input {path.name}: use a .txt article or a .jsonl file")
    require_file(path)
    size_mb = path.stat().st_size / 1e6
    if path.suffix == ".txt" and size_mb > max_article_mb:
        raise PipelineError(
            f"{path} is {size_mb:.1f} MB, over the {max_article_mb:g} MB limit for one article: "
            "split it into articles or pass max_article_mb=N"
        )
    return path


def predict_file(
    predictor: Predictor, input_path: Path, batch_size: int = BATCH_SIZE
) -> Iterator[dict]:
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
        raise PipelineError(
            f"unknown argument {min(unknown)!r}; choose from {', '.join(sorted(_KEYS))}"
        )
    if not args.get("run_dir") or not args.get("input"):
        raise PipelineError(USAGE)
    for key in ("batch_size", "max_article_mb", "workers"):
        if key in args and (
            isinstance(args[key], bool) or not isinstance(args[key], (int, float)) or args[key] <= 0
        ):
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
