"""File reading and writing shared by every stage: clear one-line errors, atomic writes."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from pipeline.core.errors import PipelineError, one_line

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY_HINT = "looks like a binary file (it holds NUL bytes), not text"


def _decode(raw: bytes, where: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped); binary or other encodings are refused."""
    if b"\0" in raw:
        raise PipelineError(f"{where}: {BINARY_HINT}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PipelineError(
            f"{where}: not UTF-8 text (byte {err.start}); convert it to UTF-8"
        ) from None


def require_file(path: Path) -> None:
    """Fail with one line unless `path` is an existing file."""
    if not path.is_file():
        raise PipelineError(
            f"input file not found: {path}" + (" (it is a folder)" if path.is_dir() else "")
        )


def read_text_file(path: str | os.PathLike) -> str:
    """Read a UTF-8 text file.

    Fails with one line on missing, empty, binary or undecodable input.
    """
    path = Path(path)
    require_file(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise PipelineError(f"input file is empty: {path}")
    return _decode(raw, str(path))


def iter_jsonl(path: str | os.PathLike, allow_empty: bool = True) -> Iterator[tuple[int, dict]]:
    """Stream (line number, object) from JSON Lines, naming the line of the first bad record."""
    path = Path(path)
    require_file(path)
    empty = True
    with path.open("rb") as handle:
        if b"\0" in handle.read(8192):
            raise PipelineError(f"{path}: {BINARY_HINT}")
        handle.seek(0)
        for number, raw in enumerate(handle, start=1):
            line = _decode(raw, f"{path}:{number}")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise PipelineError(f"{path}:{number}: broken JSON line ({err.msg})") from None
            if not isinstance(record, dict):
                raise PipelineError(f"{path}:{number}: expected a JSON object")
            empty = False
            yield number, record
    if empty and not allow_empty:
        raise PipelineError(f"input file is empty: {path}")


def read_csv_rows(
    path: str | os.PathLike,
    columns: Sequence[str],
    delimiter: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV (or TSV) file that has at least `columns`."""
    text = read_text_file(path)
    try:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise PipelineError(
                f"{path} has no {', '.join(missing)} column "
                f"(columns: {', '.join(reader.fieldnames or [])})"
            )
        return list(reader)
    except csv.Error as err:
        raise PipelineError(f"{path}:{reader.line_num}: broken CSV ({err})") from None


@contextmanager
def atomic_path(path: str | os.PathLike, exclusive: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed to `path` when the block ends without
    error, removed otherwise, so readers never see half a file. `exclusive`: raise FileExistsError
    rather than replace an existing file (the new file appears whole or not at all)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
    )
    os.close(fd)
    try:
        yield Path(tmp)
        (os.link if exclusive else os.replace)(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, exclusive: bool = False) -> None:
    """Write `data` to `path` through a temporary file, flushed to disk, and a rename.

    See `atomic_path`.
    """
    with atomic_path(path, exclusive) as tmp, tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write_text(path: str | os.PathLike, text: str, exclusive: bool = False) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), exclusive)


def write_json(path: str | os.PathLike, data: object, exclusive: bool = False) -> None:
    """Write JSON atomically, pretty-printed."""
    atomic_write_text(
        path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", exclusive
    )


def write_jsonl(path: str | os.PathLike, records: list[dict]) -> None:
    """Write records as JSON Lines atomically."""
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def read_yaml_mapping(path: str | os.PathLike) -> dict:
    """A YAML file holding a mapping, as plain data: `yaml.safe_load` builds no objects, and
    nothing in it is ever instantiated (no Hydra `_target_`)."""
    import yaml

    try:
        data = yaml.safe_load(read_text_file(path))
    except yaml.YAMLError as err:
        raise PipelineError(f"{path} is not valid YAML ({one_line(err)})") from None
    if not isinstance(data, dict):
        raise PipelineError(f"{path} does not hold a config (expected a mapping)")
    return data


# Key of the saved mapping that holds the fitted vocabularies packed as arrays (see `save_skops`).
VOCABULARIES = "__vocabularies__"


def _with_vocabulary(obj: object, seen: set[int]) -> Iterator[object]:
    """Every estimator inside `obj` that has a `vocabulary_` (scikit-learn's fitted text
    vectorizers), in an order that is the same before saving and after loading."""
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, type(None))):
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    elif hasattr(obj, "get_params"):  # an estimator: its attributes, by name
        if "vocabulary_" in vars(obj):
            yield obj
        children = [value for key, value in sorted(vars(obj).items()) if key != "vocabulary_"]
    else:
        return
    for child in children:
        yield from _with_vocabulary(child, seen)


def _pack(vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """A vocabulary as its terms' UTF-8 bytes in column order and their end offsets."""
    encoded = [term.encode("utf-8") for term in sorted(vocabulary, key=vocabulary.__getitem__)]
    ends = np.cumsum([len(term) for term in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpack(data: np.ndarray, ends: np.ndarray) -> dict[str, int]:
    blob, starts = data.tobytes(), [0, *ends[:-1].tolist()]
    return {
        blob[start:end].decode("utf-8"): column
        for column, (start, end) in enumerate(zip(starts, ends.tolist()))
    }


def import_in_background(module: str) -> threading.Thread:
    """Start importing `module` in a thread, so that its import overlaps work that releases the
    GIL (an `import` of it later waits for that thread, or finds it done)."""
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True)
    thread.start()
    return thread


def save_skops(path: str | os.PathLike, obj: object) -> None:
    """Save a scikit-learn object with skops, atomically.

    The vocabularies of fitted text vectorizers go into the file as two arrays each (skops writes a
    mapping entry by entry: a large vocabulary took seconds and tens of MB), and are restored on
    load."""
    import skops.io as sio

    holders = list(_with_vocabulary(obj, set()))
    vocabularies = [holder.vocabulary_ for holder in holders]
    try:
        for holder in holders:
            holder.vocabulary_ = None
        packed = [_pack(vocabulary) for vocabulary in vocabularies]
        saved = {VOCABULARIES: packed, "object": obj} if holders else obj
        atomic_write_bytes(path, sio.dumps(saved))
    finally:
        for holder, vocabulary in zip(holders, vocabularies):
            holder.vocabulary_ = vocabulary


def _restore_vocabularies(loaded: object) -> object:
    """The object `save_skops` packed, its vocabularies unpacked (a file without any, or saved
    before they were packed, as it is)."""
    if not (isinstance(loaded, dict) and VOCABULARIES in loaded):
        return loaded
    obj = loaded["object"]
    for holder, (data, ends) in zip(_with_vocabulary(obj, set()), loaded[VOCABULARIES]):
        holder.vocabulary_ = _unpack(data, ends)
    return obj


def load_skops(path: str | os.PathLike) -> object:
    """Load a skops file only if every type in it is one skops vets (scikit-learn, NumPy, SciPy);
    never unpickles anything."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"no model file at {path}")
    try:
        loaded = sio.load(path, trusted=[])  # only the types skops itself vets
    except UntrustedTypesFoundException as err:
        raise PipelineError(f"refusing to load {path}: {str(err).splitlines()[0]}") from None
    except Exception as err:  # noqa: BLE001 - any failure to parse the file means a broken model file
        raise PipelineError(
            f"{path} is not a readable skops model ({type(err).__name__}: {err})"
        ) from None
    return _restore_vocabularies(loaded)
