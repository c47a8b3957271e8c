"""Label new text with a finished run.

    python -m pipeline.predict run_dir=RUN input=FILE [output=FILE] [batch_size=1000]

A ``.txt`` input is an article: it is split with the run's splitter and each sentence labelled.
A ``.jsonl`` input holds one ``{"id", "text"}`` object per line, each labelled as given.
Output is JSON Lines (stdout when `output` is omitted).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from pipeline.errors import PipelineError, exit_code
from pipeline.files import iter_jsonl, read_text_file
from pipeline.labels import LABELS
from pipeline.runs import require_completed
from pipeline.split import get_splitter
from pipeline.train import load_model, predict_scores

USAGE = "usage: python -m pipeline.predict run_dir=RUN input=FILE [output=FILE] [batch_size=N]"
_KEYS = {"run_dir", "input", "output", "batch_size"}


class Predictor:
    """A finished run's model and splitter, ready to label text."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        require_completed(self.run_dir)
        config = yaml.safe_load((self.run_dir / "config.yaml").read_text(encoding="utf-8"))
        self.splitter = get_splitter(config["splitter"]["name"])
        self.model = load_model(self.run_dir)

    def label_texts(self, texts: Sequence[str], prevs: Sequence[str] | None = None) -> list[tuple[str, dict[str, float]]]:
        """(label, scores) for each text (`prevs`: the sentence before each, for context models)."""
        if not texts:
            return []
        scores = predict_scores(self.model, texts, prevs)
        return [(LABELS[int(row.argmax())], {lab: round(float(v), 6) for lab, v in zip(LABELS, row)})
                for row in scores]

    def label_article(self, text: str) -> list[dict]:
        """Split an article and label its sentences; non-sentence units get label None."""
        units = self.splitter(text)
        sentences = [i for i, u in enumerate(units) if u.kind == "sentence"]
        labelled = dict(zip(sentences, self.label_texts([units[i].text for i in sentences],
                                                        [units[i - 1].text if i else "" for i in sentences])))
        records = []
        for i, unit in enumerate(units):
            label, scores = labelled.get(i, (None, None))
            records.append({"id": i, **unit.to_dict(), "label": label, "scores": scores})
        return records

    def label_records(self, records: Iterable[dict], batch_size: int = 1000) -> Iterator[dict]:
        """Label `{"id", "text"}` records in batches, keeping every other field."""
        records = iter(records)
        while batch := list(islice(records, batch_size)):
            prevs = [r.get("prev") or "" for r in batch]
            for record, (label, scores) in zip(batch, self.label_texts([r["text"] for r in batch], prevs)):
                yield {**record, "label": label, "scores": scores}


def read_records(path: Path) -> Iterator[dict]:
    """Stream `{"id", "text"}` records (id defaults to the line number)."""
    seen = 0
    for number, record in iter_jsonl(path):
        if not isinstance(record.get("text"), str):
            raise PipelineError(f'{path}:{number}: expected an object with a "text" string')
        record.setdefault("id", number)
        seen += 1
        yield record
    if not seen:
        raise PipelineError(f"input file is empty: {path}")


def predict_file(predictor: Predictor, input_path: Path, batch_size: int = 1000) -> Iterator[dict]:
    """Output records for a `.txt` article or a `.jsonl` file of sentences."""
    if input_path.suffix == ".jsonl":
        yield from predictor.label_records(read_records(input_path), batch_size)
    elif input_path.suffix == ".txt":
        yield from predictor.label_article(read_text_file(input_path))
    else:
        raise PipelineError(f"unsupported input {input_path.name}: use a .txt article or a .jsonl file")


def parse_args(argv: Sequence[str]) -> dict:
    """`key=value` arguments (Hydra style) into a dict, rejecting unknown keys."""
    try:
        args = OmegaConf.to_container(OmegaConf.from_dotlist(list(argv)))
    except OmegaConfBaseException as err:
        raise PipelineError(f"bad argument ({err}); {USAGE}") from None
    unknown = set(args) - _KEYS
    if unknown:
        raise PipelineError(f"unknown argument {sorted(unknown)[0]!r}; {USAGE}")
    if not args.get("run_dir") or not args.get("input"):
        raise PipelineError(USAGE)
    return args


@contextmanager
def _open_output(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            yield handle
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    return exit_code(lambda: run(sys.argv[1:] if argv is None else argv))


def run(argv: Sequence[str]) -> None:
    """Label the input file and write JSON Lines."""
    args = parse_args(argv)
    predictor = Predictor(args["run_dir"])
    records = predict_file(predictor, Path(args["input"]), int(args.get("batch_size") or 1000))
    with _open_output(args.get("output")) as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
