"""Tracking beyond the run folder: `tracking=mlflow` logs params, metrics and artifacts to MLflow.

The default store is an embedded SQLite database, `sqlite:///<experiments_dir>/mlflow.db`, with
artifacts beside it in `<experiments_dir>/mlflow-artifacts/`; logging to it holds a file lock, so
parallel sweep jobs write one at a time and never corrupt the database. `tracking.uri` may name a
tracking server instead (`http://HOST:PORT`, e.g. `mlflow server --serve-artifacts`): the server
orders concurrent writes and chooses where artifacts go, so no lock is taken. A tracking failure
(a server that does not answer, too) is one warning line: the run folder stays the record of the
run.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

from filelock import FileLock

from pipeline.core.config import flatten

log = logging.getLogger(__name__)
ARTIFACTS = (
    "config.yaml",
    "metrics.json",
    "run.json",
    "confusion.png",
    "report.html",
    "errors.jsonl",
)
LOCK_TIMEOUT_S = 600
# A tracking server must answer its health check within this many seconds.
HEALTH_TIMEOUT_S = 5
# MLflow retries a failed HTTP request 7 times with growing back-off (minutes in all); a run's
# logging gives up after these (the user's own environment variables win).
HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}


def tracking_uri(tracking_cfg: dict, experiments_dir: str | Path) -> str:
    """The configured MLflow tracking URI, by default the SQLite store in the experiments folder."""
    return tracking_cfg.get("uri") or f"sqlite:///{Path(experiments_dir).resolve()}/mlflow.db"


def is_server(uri: str) -> bool:
    """Whether `uri` names a tracking server (HTTP) rather than a store this process opens."""
    return urlsplit(uri).scheme in ("http", "https")


def check_server(uri: str) -> None:
    """Raise a one-line `ConnectionError` unless the tracking server at `uri` answers its health
    check; bound MLflow's own retries (`HTTP_LIMITS`) for a server that fails later."""
    for name, value in HTTP_LIMITS.items():
        os.environ.setdefault(name, value)
    try:
        with urlopen(f"{uri.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_S):
            pass
    except HTTPError:
        pass  # it answered; MLflow reports what it refuses
    except OSError as err:  # refused, timed out, unknown host
        reason = getattr(err, "reason", err)
        raise ConnectionError(f"tracking server {uri} does not answer ({reason})") from None


def _store_access(uri: str, experiments_dir: Path) -> AbstractContextManager:
    """What logging to `uri` must hold: nothing for a server that answers (it orders concurrent
    writes), the experiments folder's file lock for a local store."""
    if is_server(uri):
        check_server(uri)
        return nullcontext()
    experiments_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(experiments_dir / "mlflow.lock"), timeout=LOCK_TIMEOUT_S)


def _use_experiment(name: str, uri: str, experiments_dir: Path) -> None:
    """Make `name` the active MLflow experiment, creating it if needed: artifacts of a local store
    go to `<experiments_dir>/mlflow-artifacts/<name>`, a server's where the server says."""
    import mlflow

    if not is_server(uri) and mlflow.get_experiment_by_name(name) is None:
        location = (experiments_dir / "mlflow-artifacts" / name).resolve().as_uri()
        mlflow.create_experiment(name, artifact_location=location)
    mlflow.set_experiment(name)  # creates a server's experiment (safe when jobs race)


def flat_metrics(metrics: dict) -> dict[str, float]:
    """The numbers worth plotting in MLflow, with flat names."""
    out = {
        k: metrics[k]
        for k in (
            "macro_f1",
            "accuracy",
            "train_seconds",
            "predict_sentences_per_s",
            "dev_macro_f1",
        )
        if isinstance(metrics.get(k), (int, float))
    }
    if metrics.get("macro_f1_ci"):
        out["macro_f1_ci_low"], out["macro_f1_ci_high"] = metrics["macro_f1_ci"]
    for label, values in metrics.get("per_class", {}).items():
        out |= {f"{name}_{label}": values[name] for name in ("precision", "recall", "f1")}
    for name, external in metrics.get("external", {}).items():
        out[f"{name}_macro_f1"] = external["macro_f1"]
    return out


def log_run(cfg: dict, run_dir: Path) -> None:
    """Log a finished (or failed) run to the configured tracker.

    The run folder is always written.
    """
    tracking_cfg = cfg.get("tracking") or {}
    if tracking_cfg.get("name") != "mlflow":
        return
    try:
        _log_mlflow(cfg, tracking_cfg, Path(run_dir))
    except Exception as err:  # noqa: BLE001 - a tracker outage must not lose or fail the run
        log.warning(
            "MLflow logging failed (%s: %s); the run folder %s is complete",
            type(err).__name__,
            err,
            run_dir,
        )


def _log_mlflow(cfg: dict, tracking_cfg: dict, run_dir: Path) -> None:
    import mlflow

    experiments_dir = Path(cfg["paths"]["experiments_dir"])
    uri = tracking_uri(tracking_cfg, experiments_dir)
    record = json.loads((run_dir / "run.json").read_text())
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    with _store_access(uri, experiments_dir):
        mlflow.set_tracking_uri(uri)
        _use_experiment(cfg["experiment_name"], uri, experiments_dir)
        with mlflow.start_run(run_name=run_dir.name) as active:
            mlflow.log_params({k: str(v)[:500] for k, v in flatten(cfg).items()})
            mlflow.log_metrics(flat_metrics(metrics))
            mlflow.set_tags(
                {
                    "status": record["status"],
                    "run_dir": str(run_dir.resolve()),
                    "git_commit": str(record.get("git_commit")),
                    "data_fingerprint": str(record.get("data_fingerprint")),
                    "error": str(record.get("error")),
                }
            )
            for artifact in ARTIFACTS:
                if (run_dir / artifact).is_file():
                    mlflow.log_artifact(str(run_dir / artifact))
            if record["status"] != "completed":
                mlflow.end_run(status="FAILED" if record["status"] == "failed" else "KILLED")
            log.info("logged to MLflow run %s", active.info.run_id)
