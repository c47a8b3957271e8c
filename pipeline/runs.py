"""Run folders: atomic file writes, `run.json` status and provenance, finding finished runs."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from pipeline.core.errors import PipelineError, Pruned
from pipeline.core.files import read_yaml_mapping, write_json

RUN_FILE = "run.json"
CONFIG_FILE = "config.yaml"
ARTIFACT_STORES = (
    "mlflow-artifacts",
    "mlruns",
)  # folders of the experiments folder that belong to MLflow
KEY_PACKAGES = ("scikit-learn", "datasets", "transformers", "hydra-core", "numpy", "skops", "torch")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_commit(cwd: Path | None = None) -> str | None:
    """The commit of the code that runs, with '-dirty' when the work tree has changes."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
        if head.returncode:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return head.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that decide a run's results."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def fingerprint(parts: list[str]) -> str:
    """A short content hash of the data a run used."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@dataclass
class RunRecord:
    """What `run.json` holds: status and provenance of one run."""

    run_id: str
    experiment: str
    status: str = "running"
    seed: int | None = None
    started: str = field(default_factory=_now)
    ended: str | None = None
    duration_s: float | None = None
    git_commit: str | None = field(default_factory=git_commit)
    python: str = field(default_factory=platform.python_version)
    packages: dict = field(default_factory=package_versions)
    data_fingerprint: str | None = None
    config_hash: str | None = None
    overrides: list[str] = field(default_factory=list)
    error: str | None = None
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


# Signals that stop a run (SIGTERM is raised as KeyboardInterrupt, see pipeline.core.errors).
INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def claim_run_dir(run_dir: Path, record: RunRecord) -> Path:
    """Create `run.json` in `run_dir`, or in `run_dir-2`, `-3`, ... when another run already holds
    the folder, so two runs never share one; `record.run_id` becomes the folder's name."""
    candidate, n = run_dir, 1
    while True:
        record.run_id = candidate.name
        try:
            write_json(candidate / RUN_FILE, asdict(record), exclusive=True)
            return candidate
        except FileExistsError:
            n += 1
            candidate = run_dir.with_name(f"{run_dir.name}-{n}")


@contextmanager
def tracked_run(run_dir: Path, record: RunRecord) -> Iterator[Path]:
    """Claim a run folder (`claim_run_dir`, yielded) and keep its `run.json` truthful: running while
    inside, then completed, failed or interrupted. Ctrl-C and SIGTERM are held while the folder is
    claimed and raised inside, so no signal can leave a claimed run marked running."""
    signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        run_dir = claim_run_dir(Path(run_dir), record)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
        raise
    path = run_dir / RUN_FILE
    began = time.perf_counter()
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)  # a held signal is raised here
        yield run_dir
        record.status = "completed"
    except KeyboardInterrupt:
        record.status, record.error = "interrupted", "KeyboardInterrupt"
        raise
    except Pruned as err:
        record.status, record.error = "pruned", str(err)
        raise
    except BaseException as err:
        record.status, record.error = "failed", f"{type(err).__name__}: {err}"
        raise
    finally:
        record.ended = _now()
        record.duration_s = round(time.perf_counter() - began, 3)
        write_json(path, asdict(record))


def read_run(run_dir: str | os.PathLike) -> dict:
    """The `run.json` of a run folder."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise PipelineError(f"{run_dir} is not a run folder (no {RUN_FILE})")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PipelineError(f"{path} is not valid JSON") from None
    if not isinstance(record, dict):
        raise PipelineError(f"{path} is not a run record (expected a JSON object)")
    return record


def _alive(pid: object) -> bool:
    """Whether a process with this id runs here (unknown ids count as alive)."""
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        pass
    return True


def run_status(record: dict) -> str | None:
    """A run's status as it really is: a `running` run whose process is gone from this machine
    (killed with SIGKILL, out of memory, power lost) is `died`."""
    status = record.get("status")
    if (
        status == "running"
        and record.get("host") == socket.gethostname()
        and not _alive(record.get("pid"))
    ):
        return "died"
    return status


def read_run_config(run_dir: str | os.PathLike) -> dict:
    """A run's saved config as plain data (`read_yaml_mapping`: nothing in it is instantiated)."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise PipelineError(f"{run_dir} has no {CONFIG_FILE}: not a complete run folder")
    return read_yaml_mapping(path)


def require_completed(run_dir: str | os.PathLike) -> dict:
    """The run record of a finished run, or a one-line error saying why it cannot be used."""
    record = read_run(run_dir)
    if record.get("status") != "completed":
        raise PipelineError(f"run {run_dir} is not a finished run (status: {record.get('status')})")
    return record


def find_runs(root: str | os.PathLike) -> list[Path]:
    """Every run folder (one holding run.json) below `root`, sorted by path; copies that a tracker
    keeps in its artifact store are not runs."""
    root = Path(root)
    if not root.is_dir():
        raise PipelineError(f"no experiments folder at {root}")
    return sorted(
        p.parent
        for p in root.rglob(RUN_FILE)
        if not set(p.relative_to(root).parts) & set(ARTIFACT_STORES)
    )


def completed_runs(root: str | os.PathLike) -> Iterator[tuple[Path, dict]]:
    """(folder, record) of every completed run below `root`.

    Folders with a broken run.json are skipped.
    """
    for run_dir in find_runs(root):
        try:
            record = read_run(run_dir)
        except PipelineError:
            continue
        if record.get("status") == "completed":
            yield run_dir, record


def completed_twin(
    experiments_dir: str | os.PathLike, config_hash: str, exclude: Path | None = None
) -> Path | None:
    """A completed run below `experiments_dir` with the same identity (`config_hash`: config and
    label files, `pipeline.experiment.run_identity`), if there is one."""
    root = Path(experiments_dir)
    if not root.is_dir():
        return None
    for run_dir, record in completed_runs(root):
        if record.get("config_hash") == config_hash and (
            exclude is None or run_dir.resolve() != Path(exclude).resolve()
        ):
            return run_dir
    return None
