"""TF-IDF stacked with structure: the roles are carried by structure more than by topic.

`tfidf_structure`: beside the sentence's word and character n-grams, the classifier reads the
labeling functions' votes (which rules fire), the state of quotation marks across the sentence and
the one before it (opening, inside, closing a quotation, a colon that introduces one), whether a
reporting frame ("X said", "according to") governs the sentence outside its quoted words, and the
previous sentence's words. One logistic regression over all of them; everything learned is saved
with skops.

`tfidf_roles` adds the role cues of `roles.py` (reporting frame of the main clause, quotation state,
policy measures) for the sentence and the one before, n-grams of the sentence's word classes, LSA
topics of its words and static token vectors of a checkpoint (`static_vectors.py`); it can hold out
a share of the training articles to tune decision offsets on (`model.thresholds`).

The rule features (pure-Python regular expressions) of a fit or of a large prediction are computed
in a second process while this one builds the TF-IDF blocks: the two take about as long, and the
job has two cores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import parallel_config
from joblib.externals.loky import get_reusable_executor
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from threadpoolctl import threadpool_limits

from pipeline.core.errors import PipelineError
from pipeline.core.files import import_in_background, load_skops, save_skops
from pipeline.models import tfidf_features
from pipeline.models.base import MODELS, Model, neighbours, no_serving_options
from pipeline.models.linear import class_weight_of, tfidf
from pipeline.models.nb_scaling import fit_nb_scaled
from pipeline.models.roles import abstract_text, role_features, sentence_cues
from pipeline.models.static_vectors import StaticVectors
from pipeline.weak.lfs import LABELING_FUNCTIONS, apply_lfs

MODEL_FILE = "structure.skops"
_QUOTE_MARKS = re.compile(r"[\"“”]")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_FRAME = re.compile(
    r"\b(?:said|says|say|told|tells|stated|announced|added|asked|wrote|argued|warned|explained|"
    r"noted|claimed|insisted|tweeted|commented|confirmed|testified|acknowledged|described|"
    r"reported|admitted|denied|urged|called|replied|responded|according to|believes?|thinks?)\b",
    re.IGNORECASE,
)
_FRAME_AT_END = re.compile(r"[,.!?][\"”’]?\s+(?:\w+\s){0,5}(?:said|says|added|told \w+)\W*$", re.I)
STRUCTURE_NAMES = (
    "quote_marks_odd",  # an unclosed quotation opens (or closes) in this sentence
    "starts_with_quote",
    "ends_with_quote",
    "quoted_share",  # share of characters inside quotation marks
    "prev_quote_open",  # the sentence before left a quotation open: this one continues it
    "prev_ends_with_colon",
    "frame_outside_quotes",  # a reporting frame outside the quoted words
    "frame_at_end",  # `..., X said.`
    "frame_in_prev",
    "has_digit",
    "log_words",
)


def structure_features(texts: Sequence[str], prevs: Sequence[str]) -> np.ndarray:
    """One row of `STRUCTURE_NAMES` per sentence."""
    rows = []
    for text, prev in zip(texts, prevs):
        marks = len(_QUOTE_MARKS.findall(text))
        quoted = sum(len(m) for m in _QUOTED.findall(text))
        outside = _QUOTED.sub(" ", text)
        rows.append(
            [
                marks % 2,
                float(text[:1] in '"“'),
                float(text.rstrip(".!?,)")[-1:] in '"”') if text else 0.0,
                quoted / max(len(text), 1),
                len(_QUOTE_MARKS.findall(prev)) % 2,
                float(prev.rstrip().endswith(":")),
                float(_FRAME.search(outside) is not None),
                float(_FRAME_AT_END.search(text) is not None),
                float(_FRAME.search(prev) is not None),
                float(any(c.isdigit() for c in text)),
                np.log1p(len(text.split())) / 4,
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(STRUCTURE_NAMES))


def vote_features(texts: Sequence[str], prevs: Sequence[str]) -> np.ndarray:
    """Which labeling functions fire on each sentence (one column per function)."""
    return (apply_lfs(list(texts), list(prevs)) >= 0).astype(float)


# Rows from which the rule features go to a second process (below, starting it costs more).
BACKGROUND_ROWS = 2_000

# A group of rule features: (weight, function, arguments) each, stacked side by side.
CueGroup = list[tuple[float, Callable[..., np.ndarray], tuple]]
# A part of the fixed features: a rule-feature group, or a function computed in this process.
FixedPart = CueGroup | Callable[[], np.ndarray]


def weighted_cues(group: CueGroup) -> np.ndarray:
    """The group's features, each function's columns times its weight."""
    return np.hstack([weight * function(*args) for weight, function, args in group])


def start(group: CueGroup, rows: int) -> Future | np.ndarray:
    """A rule-feature group started in the second process (from `BACKGROUND_ROWS` rows), else
    computed here."""
    if rows >= BACKGROUND_ROWS:
        return get_reusable_executor(max_workers=1).submit(weighted_cues, group)
    return weighted_cues(group)


@dataclass
class Inputs:
    """Sentences, the sentences before (and after) each, and their features that need no
    fitting (`parts`, side by side; some may still be computing in the second process)."""

    texts: list[str]
    prevs: list[str]
    parts: list[Future | np.ndarray]
    nexts: list[str] | None = None

    @cached_property
    def fixed(self) -> np.ndarray:
        return np.hstack([p.result() if isinstance(p, Future) else p for p in self.parts])

    def take(self, idx: np.ndarray) -> Inputs:
        def pick(values: list[str]) -> list[str]:
            return [values[i] for i in idx]

        nexts = None if self.nexts is None else pick(self.nexts)
        return Inputs(pick(self.texts), pick(self.prevs), [self.fixed[idx]], nexts)


def tfidf_matrix(vectorizer: object, texts: list[str], fit: bool) -> sp.spmatrix:
    """The TF-IDF matrix of `texts`, fitting the vectorizer (or union of them) first if `fit`."""
    return (tfidf_features.fit_transform if fit else tfidf_features.transform)(vectorizer, texts)


def classifier(
    C: float,
    max_iter: int,
    class_weight: str | None,
    seed: int,
    solver: str = "lbfgs",
    one_vs_rest: bool = False,
    tol: float = 1e-4,
) -> LogisticRegression | OneVsRestClassifier:
    """The logistic regression of the structure models: multinomial, or `one_vs_rest` (one binary
    regression per label, fitted side by side in threads of this process)."""
    regression = LogisticRegression(
        C=C,
        max_iter=max_iter,
        class_weight=class_weight_of(class_weight),
        solver=solver,
        tol=tol,
        random_state=seed,
    )
    return OneVsRestClassifier(regression, n_jobs=-1) if one_vs_rest else regression


@MODELS.register("tfidf_structure")
class TfidfStructure(Model):
    """Logistic regression over TF-IDF of the sentence and the previous one, labeling-function
    votes and quotation structure."""

    # constructor parameters that `load` needs (kept in the manifest's settings)
    SERVED: tuple[str, ...] = ("context_weight", "structure_weight")
    # fitted parts saved in the model file: file key -> attribute
    PARTS: dict[str, str] = {"text": "text_features", "context": "context_features", "clf": "clf"}
    # share of Naive-Bayes scaling in the one-vs-rest regressions' fit (`nb_scaling.py`; 0: none)
    nb_weight: float = 0.0

    def __init__(
        self,
        C: float = 4.0,
        max_iter: int = 3000,
        min_df: int = 1,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        class_weight: str | None = "balanced",
        context_weight: float = 0.5,
        structure_weight: float = 1.0,
        seed: int = 0,
    ):
        self.text_features = tfidf(word_ngrams, char_ngrams, min_df)
        self.context_features = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.context_weight = context_weight
        self.structure_weight = structure_weight
        self.clf = classifier(C, max_iter, class_weight, seed)

    def _fixed_parts(self, texts: list[str], prevs: list[str], nexts: list[str]) -> list[FixedPart]:
        """The features that need no fitting, in column order."""
        weight = self.structure_weight
        return [
            [(weight, structure_features, (texts, prevs)), (weight, vote_features, (texts, prevs))]
        ]

    def _inputs(
        self,
        texts: Sequence[str],
        context: Sequence[str] | None,
        following: Sequence[str] | None = None,
    ) -> Inputs:
        texts = list(texts)
        prevs, nexts = neighbours(texts, context), neighbours(texts, following)
        # rule-feature groups first, so that they compute while this process does the rest
        pending = [
            spec if callable(spec) else start(spec, len(texts))
            for spec in self._fixed_parts(texts, prevs, nexts)
        ]
        return Inputs(texts, prevs, [p() if callable(p) else p for p in pending], nexts)

    def _blocks(self, inputs: Inputs, fit: bool) -> list[sp.spmatrix]:
        """The feature blocks of the classifier's matrix (fitting the vectorizers if `fit`); the
        fixed features are read after every TF-IDF block, when the second process has had the
        most time."""
        blocks = self._tfidf_blocks(inputs, fit)
        return [*blocks[:2], sp.csr_matrix(inputs.fixed), *blocks[2:]]

    def _tfidf_blocks(self, inputs: Inputs, fit: bool) -> list[sp.spmatrix]:
        """The blocks fitted on the training rows, in column order but for the fixed features."""
        return [
            tfidf_matrix(self.text_features, inputs.texts, fit),
            self.context_weight * tfidf_matrix(self.context_features, inputs.prevs, fit),
        ]

    def _fit_inputs(self, inputs: Inputs, y: np.ndarray) -> None:
        """Fit the classifier. Its solver spends its time in sparse products, which release the
        GIL: one-vs-rest's binary fits share the cores as threads, and skops (which `save`
        needs, 3-5 s to import) imports beside them."""
        matrix = self._matrix(inputs, fit=True)
        import_in_background("skops.io")
        with parallel_config(backend="threading"):
            if self.nb_weight:
                self.clf = fit_nb_scaled(self.clf, matrix, y, self.nb_weight)
            else:
                self.clf.fit(matrix, y)
        self.classes_ = self.clf.classes_

    def _proba(self, inputs: Inputs) -> np.ndarray:
        return self.clf.predict_proba(self._matrix(inputs, fit=False))

    def _matrix(self, inputs: Inputs, fit: bool) -> sp.csr_matrix:
        """The classifier's matrix in float32: newton-cg's products over it take about half the
        time of float64's, for the same decisions within noise (docs/models.md)."""
        return sp.hstack(self._blocks(inputs, fit), format="csr", dtype=np.float32)

    def fit(self, texts, labels, *, context=None, groups=None) -> TfidfStructure:
        self._fit_inputs(self._inputs(texts, context), np.asarray(labels))
        return self

    def predict_proba(self, texts, *, context=None) -> np.ndarray:
        return self._proba(self._inputs(texts, context))

    def save(self, directory: Path) -> None:
        save_skops(
            directory / MODEL_FILE, {key: getattr(self, attr) for key, attr in self.PARTS.items()}
        )

    def settings(self) -> dict:
        return {name: getattr(self, name) for name in self.SERVED} | {
            "n_functions": len(LABELING_FUNCTIONS)
        }

    @classmethod
    def load(cls, directory: Path, settings: dict, **serving) -> TfidfStructure:
        no_serving_options(cls.__name__, serving)
        parts = load_skops(directory / MODEL_FILE)
        # a setting or part that a model saved before it existed keeps its default
        model = cls(**{name: settings[name] for name in cls.SERVED if name in settings})
        for key, attr in cls.PARTS.items():
            if key in parts:
                setattr(model, attr, parts[key])
        model.classes_ = model.clf.classes_
        return model


def held_out_split(
    groups: Sequence[str], fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices to fit on and to hold out (a seeded `fraction` of the groups, i.e. articles)."""
    split = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    return next(split.split(np.zeros(len(groups)), groups=np.asarray(groups)))


@MODELS.register("tfidf_roles")
class TfidfRoles(TfidfStructure):
    """`tfidf_structure` plus the role cues of `roles.py` for the sentence and the one before it,
    n-grams of its word classes, latent topics of its words (LSA), static token vectors of a
    checkpoint, and a held-out share of the training articles whose scores tune the decision
    offsets (`model.thresholds`) in place of out-of-fold refits."""

    SERVED = TfidfStructure.SERVED + (
        "role_weight",
        "prev_role_weight",
        "abstract_weight",
        "lsa_weight",
        "static_weight",
        "checkpoint",
        "following_weight",
    )
    PARTS = TfidfStructure.PARTS | {
        "abstract": "abstract_features",
        "lsa": "lsa",
        "following": "following_features",
    }
    reads_following = True

    def __init__(
        self,
        C: float = 4.0,
        max_iter: int = 3000,
        solver: str = "newton-cg",
        one_vs_rest: bool = True,
        tol: float = 1e-3,
        min_df: int = 2,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        abstract_ngrams: Sequence[int] = (1, 3),
        class_weight: str | None = "balanced",
        context_weight: float = 1.0,
        structure_weight: float = 1.0,
        role_weight: float = 1.0,
        prev_role_weight: float = 1.0,
        abstract_weight: float = 1.0,
        lsa_weight: float = 1.0,
        lsa_dims: int = 100,
        static_weight: float = 1.0,
        checkpoint: str | None = None,
        following_weight: float = 0.0,
        nb_weight: float = 0.0,
        dev_fraction: float = 0.0,
        seed: int = 0,
    ):
        super().__init__(
            C,
            max_iter,
            min_df,
            word_ngrams,
            char_ngrams,
            class_weight,
            context_weight,
            structure_weight,
            seed,
        )
        if nb_weight and not one_vs_rest:
            raise PipelineError("tfidf_roles: nb_weight scales one-vs-rest regressions only")
        self.clf = classifier(C, max_iter, class_weight, seed, solver, one_vs_rest, tol)
        self.nb_weight = nb_weight
        self.abstract_features = TfidfVectorizer(
            ngram_range=tuple(abstract_ngrams),
            min_df=2,
            sublinear_tf=True,
            lowercase=False,
            token_pattern=r"\S+",
        )
        self.lsa_dims = lsa_dims
        self.lsa = TruncatedSVD(n_components=lsa_dims, random_state=seed)
        self.role_weight, self.prev_role_weight = role_weight, prev_role_weight
        self.abstract_weight, self.lsa_weight = abstract_weight, lsa_weight
        self.static_weight, self.checkpoint = static_weight, checkpoint
        self.static = StaticVectors(checkpoint)
        self.following_weight = following_weight
        self.following_features = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.dev_fraction, self.seed = dev_fraction, seed
        self._held_out: tuple[np.ndarray, np.ndarray] | None = None

    def _fixed_parts(self, texts: list[str], prevs: list[str], nexts: list[str]) -> list[FixedPart]:
        rules = super()._fixed_parts(texts, prevs, nexts)[0]
        if self.role_weight:
            rules.append((self.role_weight, role_features, (texts, prevs)))
        if self.prev_role_weight:
            rules.append((self.prev_role_weight, sentence_cues, (prevs,)))
        parts: list[FixedPart] = [rules]
        if self.static_weight:
            parts.append(lambda: self.static_weight * self.static.vectors(texts))
        if self.following_weight:  # the sentence after: its role cues, quotation state, frame
            weight = self.following_weight
            after = [
                (weight, sentence_cues, (nexts,)),
                (weight, structure_features, (nexts, texts)),
            ]
            parts.append(after)
        return parts

    def _tfidf_blocks(self, inputs: Inputs, fit: bool) -> list[sp.spmatrix]:
        blocks = super()._tfidf_blocks(inputs, fit)
        if self.abstract_weight:
            abstract = [abstract_text(t) for t in inputs.texts]
            blocks.append(
                self.abstract_weight * tfidf_matrix(self.abstract_features, abstract, fit)
            )
        if self.lsa_weight:
            word_features = dict(self.text_features.transformer_list)["word"]
            words = blocks[0][:, : len(word_features.vocabulary_)]  # the union's word columns
            if fit:  # fewer topics than words on a small vocabulary
                self.lsa.set_params(n_components=min(self.lsa_dims, words.shape[1] - 1))
                self.lsa.fit(words)
            topics = self.lsa.transform(words)
            topics /= np.maximum(np.linalg.norm(topics, axis=1, keepdims=True), 1e-9)
            blocks.append(sp.csr_matrix(self.lsa_weight * topics))
        if self.following_weight:
            after = tfidf_matrix(self.following_features, inputs.nexts, fit)
            blocks.append(self.following_weight * after)
        return blocks

    def fit(self, texts, labels, *, context=None, groups=None, following=None) -> TfidfRoles:
        inputs, y = self._inputs(texts, context, following), np.asarray(labels)
        self._held_out = None
        # one BLAS thread: on a few thousand rows the solver's and the SVD's steps are too small
        # for BLAS threads to pay, and on a busy machine their waiting doubles the time
        with threadpool_limits(limits=1):
            if self.dev_fraction and groups is not None and len(set(groups)) > 1:
                fit_idx, dev_idx = held_out_split(groups, self.dev_fraction, self.seed)
                self._fit_inputs(inputs.take(fit_idx), y[fit_idx])
                scores = np.zeros((len(dev_idx), len(self.labels)))
                scores[:, self.classes_] = self._proba(inputs.take(dev_idx))
                self._held_out = (scores, y[dev_idx])
            self._fit_inputs(inputs, y)
        return self

    def predict_proba(self, texts, *, context=None, following=None) -> np.ndarray:
        return self._proba(self._inputs(texts, context, following))

    def held_out_scores(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._held_out
