"""File reading and writing shared by every stage: clear one-line errors, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import PipelineError


def read_text_file(path: str | os.PathLike) -> str:
    """Read a UTF-8 text file, failing with one line on missing, empty or undecodable input."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"input file not found: {path}")
    raw = path.read_bytes()
    if not raw.strip():
        raise PipelineError(f"input file is empty: {path}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PipelineError(f"{path} is not UTF-8 text (byte {err.start}): convert it to UTF-8") from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """Stream (line number, object) from JSON Lines, naming the line of the first bad record."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"input file not found: {path}")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise PipelineError(f"{path}:{number}: not UTF-8 text") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise PipelineError(f"{path}:{number}: broken JSON line ({err.msg})") from None
            if not isinstance(record, dict):
                raise PipelineError(f"{path}:{number}: expected a JSON object")
            yield number, record


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, data: object) -> None:
    """Write JSON atomically, pretty-printed."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_jsonl(path: str | os.PathLike, records: list[dict]) -> None:
    """Write records as JSON Lines atomically."""
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


# Types a saved model may hold: scikit-learn, NumPy and SciPy (vetted by skops), plus our own.
TRUSTED_MODULES = ("sklearn", "numpy", "scipy")
TRUSTED_TYPES = ("pipeline.train.RulesClassifier",)


def save_skops(path: str | os.PathLike, obj: object) -> None:
    """Save a scikit-learn object with skops, atomically."""
    import skops.io as sio

    atomic_write_bytes(path, sio.dumps(obj))


def load_skops(path: str | os.PathLike) -> object:
    """Load a skops file only if every type in it is trusted; never unpickles anything."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"no model file at {path}")
    found = sio.get_untrusted_types(file=path)
    untrusted = [t for t in found if t not in TRUSTED_TYPES and t.split(".")[0] not in TRUSTED_MODULES]
    if untrusted:
        raise PipelineError(f"{path} holds types that are not trusted: {', '.join(untrusted)}")
    return sio.load(path, trusted=found)
