"""The model interface every classifier implements, the model registry, and a run folder's model:
saved beside a manifest (`model.json`) that names its registry version and its label list.

A model classifies sentences into label ids (positions in its `labels`). It receives the same
inputs whatever it is: the sentences, the sentence before each (`context`) and, when fitting, the
article of each (`groups`, for a grouped dev split); a model that sets `reads_following` also gets
the sentence after each (`following`). Register a new one with
`@MODELS.register("name")` on a `Model` subclass whose constructor parameters are the config's
`model.params` (plus `seed`); `configs/model/<name>.yaml` lists them.
"""

from __future__ import annotations

import copy
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from pipeline.core.errors import PipelineError
from pipeline.core.files import read_text_file, read_yaml_mapping, write_json
from pipeline.core.labels import LABELS
from pipeline.core.registry import Registry
from pipeline.models.thresholds import apply_offsets, out_of_fold_scores, tune_offsets

MANIFEST = "model.json"
# Label order of run folders written before runs recorded their labels (LABELS.md version 1).
LEGACY_LABELS = ("fact", "quote", "policy", "opinion")
# What transformer models written before the registry recorded as `kind`, as registry names.
LEGACY_KINDS = {"finetune": "minilm_finetune.v1", "embed_logreg": "minilm_embed_logreg.v1"}


class Model(ABC):
    """A sentence classifier: `fit`, `predict_proba`, `classes_`, `save`, `load`."""

    labels: tuple[str, ...] = LABELS
    classes_: np.ndarray
    # per-label decision offsets added to log-probabilities (`thresholds`), None: plain argmax
    offsets: np.ndarray | None = None
    # True when one process already keeps every core busy (prediction then forks no workers)
    uses_all_cores: ClassVar[bool] = False
    # True when `fit` also learns from unlabelled sentences (`unlabelled=(texts, context)`)
    uses_unlabelled: ClassVar[bool] = False
    # True when `fit` and `predict_proba` also read the sentence after each (`following=`)
    reads_following: ClassVar[bool] = False

    @abstractmethod
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        *,
        context: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
    ) -> Model:
        """Fit on sentences and their label ids (`context`: the sentence before each)."""

    @abstractmethod
    def predict_proba(
        self, texts: Sequence[str], *, context: Sequence[str] | None = None
    ) -> np.ndarray:
        """One row per text, one column per entry of `classes_`, rows summing to one."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the fitted model's files into `directory`."""

    def settings(self) -> dict:
        """What `load` needs besides the files (kept in the manifest)."""
        return {}

    def held_out_scores(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Scores (columns: label ids) and gold ids of training rows the fitted model held out
        for itself (a dev split), if it did; decision offsets are tuned on them."""
        return None

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, settings: dict, **serving: object) -> Model:
        """The model saved in `directory` (`serving`: options chosen at load time, if any)."""


MODELS: Registry[type[Model]] = Registry("model")


def build_model(name: str, params: dict, seed: int) -> Model:
    """A fresh, unfitted model of a registered name; an unknown parameter is a one-line error."""
    return MODELS.build(name, params, seed=seed)


def fit_model(
    model: Model,
    texts: Sequence[str],
    label_ids: Sequence[int],
    context: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    thresholds: bool = False,
    unlabelled: tuple[Sequence[str], Sequence[str]] | None = None,
    following: Sequence[str] | None = None,
) -> Model:
    """Fit, refusing an empty training set in one line; `unlabelled` (texts, the sentence before
    each) goes to models that learn from it, `following` (the sentence after each) to models that
    read it. With `thresholds`, then tune per-label decision offsets on the model's own dev
    split, or else on out-of-fold training scores."""
    if not len(texts):
        raise PipelineError(
            "no training sentences: check the data sources and the labeler settings"
        )
    texts, y = list(texts), np.asarray(label_ids)
    blank = copy.deepcopy(model) if thresholds else None
    extra = {"unlabelled": unlabelled} if model.uses_unlabelled else {}
    model.fit(texts, y, context=context, groups=groups, **extra, **_after(model, following))
    if thresholds:
        held_out = model.held_out_scores() or (
            _out_of_fold(blank, texts, y, context, groups, following),
            y,
        )
        model.offsets = tune_offsets(*held_out)
    return model


def _out_of_fold(
    blank: Model,
    texts: list[str],
    y: np.ndarray,
    context: Sequence[str] | None,
    groups: Sequence[str] | None,
    following: Sequence[str] | None,
) -> np.ndarray:
    def pick(values, idx):
        return None if values is None else [values[i] for i in idx]

    def fit(model: Model, idx: np.ndarray) -> Model:
        return model.fit(
            pick(texts, idx),
            y[idx],
            context=pick(context, idx),
            groups=pick(groups, idx),
            **_after(model, pick(following, idx)),
        )

    def predict(model: Model, idx: np.ndarray) -> np.ndarray:
        return model.predict_proba(
            pick(texts, idx), context=pick(context, idx), **_after(model, pick(following, idx))
        )

    return out_of_fold_scores(blank, fit, predict, y, groups, len(blank.labels))


def neighbours(texts: Sequence[str], others: Sequence[str] | None) -> list[str]:
    """The sentence before (or after) each text, "" where there is none."""
    return [p or "" for p in others] if others is not None else [""] * len(texts)


def _after(model: Model, following: Sequence[str] | None) -> dict:
    """The `following` keyword for a model that reads the sentence after, else nothing."""
    return {"following": following} if model.reads_following else {}


def predict_scores(
    model: Model,
    texts: Sequence[str],
    context: Sequence[str] | None = None,
    following: Sequence[str] | None = None,
) -> np.ndarray:
    """Scores over all of the model's labels (columns in label-id order); labels the model never
    saw in training score zero. `context`/`following`: the sentences before and after each."""
    texts = list(texts)
    raw = model.predict_proba(texts, context=context, **_after(model, following))
    scores = np.zeros((len(texts), len(model.labels)))
    scores[:, np.asarray(model.classes_, dtype=int)] = raw
    return scores if model.offsets is None else apply_offsets(scores, model.offsets)


def save_model(model: Model, name: str, run_dir: str | Path) -> None:
    """Save the model's files and its manifest: registry name with version, labels, settings."""
    model.save(Path(run_dir))
    manifest = {
        "model": MODELS.versioned_name(name),
        "labels": list(model.labels),
        "settings": model.settings(),
    }
    if model.offsets is not None:
        manifest["offsets"] = [round(float(v), 4) for v in model.offsets]
    write_json(Path(run_dir) / MANIFEST, manifest)


def read_manifest(run_dir: Path) -> dict:
    """The manifest of a run's model; folders written before manifests existed read as today's."""
    path = run_dir / MANIFEST
    if not path.is_file():
        if (run_dir / "model.skops").is_file():  # scikit-learn models, before manifests
            name = read_yaml_mapping(run_dir / "config.yaml")["model"]["name"]
            return {"model": f"{name}.v1", "labels": list(LEGACY_LABELS), "settings": {}}
        raise PipelineError(f"no model in {run_dir} (expected {MANIFEST} or model.skops)")
    try:
        manifest = json.loads(read_text_file(path))
    except json.JSONDecodeError as err:
        raise PipelineError(f"{path} is not valid JSON ({err.msg})") from None
    if "model" in manifest:
        return manifest
    kind = manifest.get("kind")  # transformer models before the registry: settings at the top
    if kind not in LEGACY_KINDS:
        raise PipelineError(f"{path}: unknown model kind {kind!r}")
    return {"model": LEGACY_KINDS[kind], "labels": list(LEGACY_LABELS), "settings": manifest}


def load_model(run_dir: str | Path, **serving: object) -> Model:
    """Load a run's model by the registry name and label list its manifest records (`serving`:
    options such as `runtime` that a model chooses when it is loaded)."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    model = MODELS.get(manifest["model"]).load(run_dir, manifest.get("settings") or {}, **serving)
    model.labels = tuple(manifest["labels"])
    if manifest.get("offsets") is not None:
        model.offsets = np.asarray(manifest["offsets"], dtype=float)
    return model


def no_serving_options(name: str, serving: dict) -> None:
    """Models without load-time options refuse any in one line."""
    if serving:
        raise PipelineError(f"model {name!r} takes no serving options (got {', '.join(serving)})")
