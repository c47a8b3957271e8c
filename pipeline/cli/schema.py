"""The typed schema of `python -m pipeline`'s config (Hydra structured configs).

`Config` and its group dataclasses are stored in Hydra's ConfigStore as `config_schema`, the first
entry of `configs/config.yaml`'s defaults list, so Hydra checks every group file, preset and
command-line override against these types while it composes (`seed=abc` is refused there).
The values a type cannot express (ranges, choices) sit beside the types as field metadata and are
checked by `check_config` on the composed, resolved config, before any stage runs.

A key that an option may leave out (`model.checkpoint`, `model.label`, `labeler.n_epochs`,
`eval.folds`, `tracking.uri`) is an `optional_key`: unset (MISSING) unless a file or override sets
it, and left out of the plain dict the stages get when unset, exactly as when a YAML file has no
such key. Plain configs (and so the identity of completed runs) stay what they were before the
schema.

Model parameters differ per model, so `model.params` is a free mapping here: the model registry
refuses unknown parameter names itself. Corpus entries (`data.corpora.<name>`) are free mappings
too, since a registered loader may take any parameters.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf, open_dict

from pipeline.core.errors import PipelineError
from pipeline.core.labels import LABELS

SCHEMA_NAME = "config_schema"
# Seeds go to NumPy, scikit-learn and PyTorch: scikit-learn takes 0 <= seed < 2**32.
MAX_SEED = 2**32 - 1


def _show(value: object) -> str:
    """A config value as the user would type it back: strings quoted, None as null."""
    return "null" if value is None else repr(value)


@dataclass(frozen=True)
class Range:
    """Numbers between `low` and `high` (each bound inclusive unless `*_open`; None: unbounded);
    `or_null`: the message names null too (null always passes, as for every optional value)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    or_null: bool = False

    def __str__(self) -> str:
        return ("null or " if self.or_null else "") + self._bounds()

    def _bounds(self) -> str:
        left = f"{self.low} {'<' if self.low_open else '<='} " if self.low is not None else ""
        right = f" {'<' if self.high_open else '<='} {self.high}" if self.high is not None else ""
        if left and right:
            return f"{left}value{right}"
        if left:  # "value >= 1" reads better than "1 <= value"
            return f"value {'>' if self.low_open else '>='} {self.low}"
        return f"value{right}"

    def allows(self, value: object) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below

    def problems(self, key: str, value: object) -> Iterator[str]:
        if value is not None and not self.allows(value):
            yield f"{key}={_show(value)} is out of range; allowed: {self}"


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values; with `each`, a list whose every item is one of them."""

    choices: tuple[object, ...]
    each: bool = False
    non_empty: bool = False

    def __str__(self) -> str:
        names = ", ".join("null" if c is None else str(c) for c in self.choices)
        if not self.each:
            return names
        return f"a {'non-empty ' if self.non_empty else ''}list of {names}"

    def problems(self, key: str, value: object) -> Iterator[str]:
        if not self.each:
            if value not in self.choices:
                yield f"{key}={_show(value)} is not allowed; allowed: {self}"
            return
        bad = [item for item in value if item not in self.choices]
        if bad:
            yield f"{key}={_show(value)}: {_show(bad[0])} is not allowed; allowed: {self}"
        elif self.non_empty and not value:
            yield f"{key}={_show(value)} is not allowed; allowed: {self}"


@dataclass(frozen=True)
class Corpora:
    """`data.corpora`: each entry null (switched off) or a mapping naming its `loader`; a `limit`,
    where given, is a number of articles (null: all)."""

    def problems(self, key: str, value: object) -> Iterator[str]:
        for name, corpus in (value or {}).items():
            where = f"{key}.{name}"
            if corpus is None:
                continue
            if not isinstance(corpus, Mapping) or not isinstance(corpus.get("loader"), str):
                yield (
                    f"{where}={_show(corpus)} is not a corpus; allowed: null or a mapping "
                    "with a loader name, e.g. {loader: wikinews, path: ...}"
                )
                continue
            limit = corpus.get("limit")
            if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
                yield f"{where}.limit={_show(limit)} is not an int; allowed: null or value >= 1"
            elif limit is not None and limit < 1:
                yield f"{where}.limit={limit} is out of range; allowed: null or value >= 1"


def allowed(rule: Range | OneOf | Corpora, default: Any = MISSING) -> Any:
    """A field whose values are also checked by `rule` (after composition)."""
    return field(default=default, metadata={"allowed": rule})


def optional_key(rule: Range | OneOf | None = None) -> Any:
    """A key an option may leave out: unset by default, and then absent from the plain config."""
    return field(default=MISSING, metadata={"allowed": rule, "optional": True})


@dataclass
class DataConfig:
    external_dir: str | None = None
    annotations_dir: str = MISSING
    corpora: dict[str, Any] = allowed(Corpora())
    opinion_sources: list[str] = MISSING
    opinion_keep: list[str] = allowed(OneOf(("SUBJ", "OBJ"), each=True))
    train_sources: list[str] = allowed(
        OneOf(("gold", "weak", "external", "pseudo"), each=True, non_empty=True)
    )
    # share of the training side's gold documents trained on (learning curves; seeded by `seed`)
    gold_fraction: float = allowed(Range(low=0, high=1, low_open=True), default=1.0)
    # corpus sources (e.g. checkthat) whose sentences are never trained on (still tested on)
    train_exclude_sources: list[str] = field(default_factory=list)
    # corpus sources whose gold is only trained on: never held out (test side, CV folds)
    train_only_sources: list[str] = field(default_factory=list)
    # split and weak-label on Python lists, on Arrow, or on Arrow from arrow_above_chars on
    backend: str = allowed(OneOf(("auto", "memory", "arrow")), default="auto")
    arrow_above_chars: int = allowed(Range(low=0), default=10_000_000)
    arrow_num_proc: int = allowed(Range(low=1), default=2)
    # sentences without gold a model may learn from (minilm_student): {corpora, max_sentences}
    unlabelled: dict[str, Any] | None = None
    # a model's labels of unannotated sentences (data/pseudo.py): {dir, corpora, max_sentences}
    pseudo: dict[str, Any] | None = None


@dataclass
class SplitterConfig:
    name: str = MISSING


@dataclass
class LabelerConfig:
    name: str = MISSING
    fallback: str | None = allowed(OneOf((*LABELS, None)))
    n_epochs: int = optional_key(Range(low=1))


@dataclass
class ModelConfig:
    name: str = MISSING
    checkpoint: str | None = optional_key()
    label: str | None = optional_key()  # `+model.label=NAME` names a variant
    # per-label decision offsets tuned on held-out training data (never the test side)
    thresholds: bool | None = optional_key()
    params: dict[str, Any] = field(default_factory=dict)  # checked by the registry


@dataclass
class EvalConfig:
    test_fraction: float = allowed(Range(0, 1, low_open=True, high_open=True))
    split_seed: int = allowed(Range(0, MAX_SEED - 1))  # the dev split uses split_seed + 1
    dev_fraction: float = allowed(Range(0, 1, high_open=True))
    n_bootstrap: int = allowed(Range(low=1))
    confidence: float = allowed(Range(0, 1, low_open=True, high_open=True))
    external: list[str] = MISSING
    folds: int | None = optional_key(Range(low=2, or_null=True))  # k-fold CV; unset or null: off
    # training: folds of the documents outside the test side, which no fold sees (selection)
    cv_scope: str = optional_key(OneOf(("all", "training")))


@dataclass
class TrackingConfig:
    name: str = allowed(OneOf(("local", "mlflow")))
    uri: str | None = optional_key()


@dataclass
class PathsConfig:
    root_dir: str = MISSING
    data_dir: str = MISSING
    experiments_dir: str = MISSING


# What a run may return to a sweeper: never a test-side metric for tuning (see config.yaml).
OPTIMIZED_METRICS = ("macro_f1", "accuracy", "dev_macro_f1")


@dataclass
class Config:
    """The main config; the field order is the order keys are listed in error messages."""

    experiment_name: str = MISSING
    seed: int = allowed(Range(0, MAX_SEED))
    force: bool = MISSING
    optimized_metric: str = allowed(OneOf(OPTIMIZED_METRICS))
    data: DataConfig = MISSING
    splitter: SplitterConfig = MISSING
    labeler: LabelerConfig = MISSING
    model: ModelConfig = MISSING
    eval: EvalConfig = MISSING
    tracking: TrackingConfig = MISSING
    paths: PathsConfig = MISSING


def store_schema() -> None:
    """Store `Config` in Hydra's ConfigStore as `config_schema` (named in configs/config.yaml)."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=Config)


# --- what a type allows, for Hydra's type errors -------------------------------------------------

_TYPE_NAMES = {int: "an int", float: "a number", bool: "a bool (true or false)", str: "a string"}


def _describe(kind: Any) -> str | None:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = _describe(next(a for a in args if a is not type(None)))
        return f"{inner} or null" if inner else None
    if origin is list:
        inner = _TYPE_NAMES.get(args[0]) if args else None
        return f"a list of {inner.split(' ', 1)[1]}s" if inner else "a list"
    if origin is dict or dataclasses.is_dataclass(kind):
        return "a mapping"
    return _TYPE_NAMES.get(kind)


def _field(dotted_key: str) -> tuple[dataclasses.Field, Any] | None:
    """The schema field of a dotted key and its type; None where the schema leaves the key free."""
    schema: Any = Config
    found = None
    for part in dotted_key.split("."):
        if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
            return None
        spec = next((f for f in dataclasses.fields(schema) if f.name == part), None)
        if spec is None:
            return None
        found = spec, typing.get_type_hints(schema)[part]
        schema = found[1]
    return found


def type_error_message(dotted_key: str, value: object) -> str | None:
    """`seed='abc' is not an int` for a value of the wrong type; None for a key without a type."""
    found = _field(dotted_key) if dotted_key else None
    expected = _describe(found[1]) if found else None
    return f"{dotted_key}={_show(value)} is not {expected}" if expected else None


# --- after composition ---------------------------------------------------------------------------


def _check(schema: type, node: dict, prefix: str = "") -> Iterator[str]:
    hints = typing.get_type_hints(schema)
    for spec in dataclasses.fields(schema):
        if spec.name not in node:
            continue
        key, value = f"{prefix}{spec.name}", node[spec.name]
        rule = spec.metadata.get("allowed")
        if rule is not None:
            yield from rule.problems(key, value)
        kind = hints[spec.name]
        if dataclasses.is_dataclass(kind) and isinstance(value, dict):
            yield from _check(kind, value, f"{key}.")


def _unset_keys(cfg: DictConfig) -> list[str]:
    """The dotted keys left unset (MISSING) in the composed config; fail on the first one the
    schema requires."""
    unset = sorted(OmegaConf.missing_keys(cfg))
    for key in unset:
        found = _field(key)
        if not (found and found[0].metadata.get("optional")):
            raise PipelineError(f"{key} is not set; give it a value (e.g. {key}=...)")
    return unset


def check_config(plain: dict) -> None:
    """Refuse the first value outside what its key allows, in one line naming key, value and what
    is allowed (types were checked by Hydra while composing)."""
    problem = next(_check(Config, plain), None)
    if problem:
        raise PipelineError(problem)
    if plain.get("optimized_metric") == "dev_macro_f1" and not plain["eval"]["dev_fraction"]:
        raise PipelineError(
            "optimized_metric='dev_macro_f1' needs a dev set to tune on: "
            f"eval.dev_fraction={plain['eval']['dev_fraction']} is out of range "
            "with it; allowed: 0 < value < 1 (e.g. eval.dev_fraction=0.2)"
        )


def plain_config(cfg: DictConfig) -> dict:
    """The composed config as the plain, resolved dict the stages take, checked against the schema:
    without Hydra's own node and without the optional keys left unset."""
    if "hydra" in cfg:  # Hydra's node (with `return_hydra_config`): not resolvable outside a job
        cfg = cfg.copy()
        with open_dict(cfg):
            del cfg["hydra"]
    unset = _unset_keys(cfg)
    plain = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    for key in unset:
        *parents, name = key.split(".")
        node = plain
        for parent in parents:
            node = node[parent]
        node.pop(name)
    check_config(plain)
    return plain


store_schema()
