"""Plain-dict config helpers: flattening, a run's config identity, how results name a model."""

from __future__ import annotations

import hashlib
import json


def model_label(model: dict, prefix: str = "") -> str | None:
    """How results name a model config: its `label` if it sets one, else its `name` (`prefix`: the
    key prefix in a flattened config, e.g. "model.")."""
    return model.get(f"{prefix}label") or model.get(f"{prefix}name")


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    """Nested dicts as dotted keys: {"model": {"name": "x"}} -> {"model.name": "x"}."""
    flat: dict[str, object] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat |= flatten(value, dotted + ".")
        else:
            flat[dotted] = value
    return flat


# Keys that say where or under which name a run is written, or how (not what) it computes.
VOLATILE_PREFIXES = (
    "paths.",
    "data.external_dir",
    "data.annotations_dir",
    "data.backend",
    "data.arrow_",
    "experiment_name",
    "force",
)


def config_identity(config: dict) -> str:
    """A hash of what a run computes: its config without the volatile keys."""
    stable = {k: v for k, v in flatten(config).items() if not k.startswith(VOLATILE_PREFIXES)}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]
