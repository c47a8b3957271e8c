"""Registries: name -> builder tables for the parts a researcher extends (models, splitters, corpus
loaders, labelers, external evaluations), each filled beside its implementations.

A name may carry a version (`tfidf_logreg.v1`, in the style of spaCy's `spacy.TextCatBOW.v3`): saved
runs record the versioned name, so a run stays loadable after its builder changes; a plain name is
the newest version. Builders are called with keyword arguments checked against their signature, so a
misspelt or unknown parameter is a one-line error naming the valid ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from pipeline.core.errors import PipelineError

T = TypeVar("T")


def _versioned(name: str, version: int) -> str:
    return f"{name}.v{version}"


class Registry(Generic[T]):
    """Named builders of one kind of part (`kind` names it in error messages)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._builders: dict[str, T] = {}
        self._latest: dict[str, int] = {}

    def register(self, name: str, version: int = 1) -> Callable[[T], T]:
        """Decorator: register a builder under `name` (and `name.vN`)."""

        def add(builder: T) -> T:
            key = _versioned(name, version)
            if key in self._builders:
                raise ValueError(f"{self.kind} {key!r} is registered twice")
            self._builders[key] = builder
            self._latest[name] = max(version, self._latest.get(name, 0))
            return builder

        return add

    def names(self) -> list[str]:
        """The plain names, in registration order."""
        return list(self._latest)

    def versioned_name(self, name: str) -> str:
        """`name.vN` for a plain name (its newest version), or a versioned name as it is."""
        self.get(name)
        return name if name in self._builders else _versioned(name, self._latest[name])

    def get(self, name: str) -> T:
        """The builder of `name` (plain: newest version) or a one-line error listing the names."""
        if name in self._latest:
            return self._builders[_versioned(name, self._latest[name])]
        if name in self._builders:
            return self._builders[name]
        raise PipelineError(
            f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}"
        )

    def __contains__(self, name: object) -> bool:
        return name in self._latest or name in self._builders

    def build(self, name: str, params: Mapping[str, object] | None = None, **fixed: object):
        """Call the builder of `name` with `params` (checked against its signature) and `fixed`."""
        builder = self.get(name)
        params = dict(params or {})
        check_params(f"{self.kind} {name!r}", builder, params, fixed)
        return builder(**params, **fixed)


def parameters(builder: Callable) -> list[str]:
    """A builder's keyword parameters; for a class, its constructor's, following `**kwargs` up to
    the constructors of its base classes."""
    names: list[str] = []
    chain = (
        [c.__init__ for c in builder.__mro__ if "__init__" in vars(c)]
        if isinstance(builder, type)
        else [builder]
    )
    for function in chain:
        signature = inspect.signature(function).parameters.values()
        names += [
            p.name
            for p in signature
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name != "self"
            and p.name not in names
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in signature):
            break
    return names


def check_params(
    what: str, builder: Callable, params: Mapping[str, object], fixed: Mapping[str, object] = {}
) -> None:
    """Fail in one line on a parameter the builder does not take."""
    allowed = [name for name in parameters(builder) if name not in fixed]
    for name in params:
        if name not in allowed:
            raise PipelineError(
                f"{what}: unknown parameter {name!r}; choose one of: {', '.join(allowed)}"
            )
