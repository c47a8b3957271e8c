"""Tracking beyond the run folder: `tracking=mlflow` logs params, metrics and artifacts to MLflow.

The default store is an embedded SQLite database, `sqlite:///<experiments_dir>/mlflow.db`, with
artifacts beside it in `<experiments_dir>/mlflow-artifacts/`. Logging holds a file lock, so parallel
sweep jobs write one at a time and never corrupt the database. A tracking failure is reported as a
warning: the run folder stays the record of the run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

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


def tracking_uri(tracking_cfg: dict, experiments_dir: str | Path) -> str:
    """The configured MLflow tracking URI, by default the SQLite store in the experiments folder."""
    return tracking_cfg.get("uri") or f"sqlite:///{Path(experiments_dir).resolve()}/mlflow.db"


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
    from filelock import FileLock

    experiments_dir = Path(cfg["paths"]["experiments_dir"])
    experiments_dir.mkdir(parents=True, exist_ok=True)
    record = json.loads((run_dir / "run.json").read_text())
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    with FileLock(str(experiments_dir / "mlflow.lock"), timeout=LOCK_TIMEOUT_S):
        mlflow.set_tracking_uri(tracking_uri(tracking_cfg, experiments_dir))
        name = cfg["experiment_name"]
        if mlflow.get_experiment_by_name(name) is None:
            mlflow.create_experiment(
                name,
                artifact_location=(experiments_dir / "mlflow-artifacts" / name).resolve().as_uri(),
            )
        mlflow.set_experiment(name)
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
