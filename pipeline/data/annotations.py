"""Standoff gold annotations: records, hashing, reading and matching to split units.

An annotation names a span of an external document by id and character offsets, with a short
hash of the span's text so that a changed source is caught, never silently mislabelled. Units of
any splitter are matched to the annotated spans by overlap (`best_units`, `match_units`).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from pipeline.core.errors import PipelineError
from pipeline.core.files import iter_jsonl
from pipeline.core.labels import LABELS

# The label contract and the project guideline (docs/annotation.md) a new record is read under.
GUIDELINE_VERSION = "LABELS.md/2+annotation.md/2"


def span_hash(text: str) -> str:
    """Short, stable hash of a span's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Annotation:
    """One gold label on a span of a document."""

    doc: str
    start: int
    end: int
    hash: str
    label: str
    annotator: str
    guideline: str = GUIDELINE_VERSION

    def to_dict(self) -> dict:
        return asdict(self)


def parse_annotation(record: dict, where: str) -> Annotation:
    """Validate one raw record's fields and types."""
    try:
        ann = Annotation(
            doc=str(record["doc"]),
            start=int(record["start"]),
            end=int(record["end"]),
            hash=str(record["hash"]),
            label=str(record["label"]),
            annotator=str(record["annotator"]),
            guideline=str(record.get("guideline", GUIDELINE_VERSION)),
        )
    except KeyError as err:
        raise PipelineError(f"{where}: annotation lacks field {err.args[0]!r}") from None
    except (TypeError, ValueError):
        raise PipelineError(f"{where}: annotation has a non-integer offset") from None
    if ann.label not in LABELS:
        raise PipelineError(
            f"{where}: unknown label {ann.label!r}; expected one of {', '.join(LABELS)}"
        )
    if not 0 <= ann.start < ann.end:
        raise PipelineError(f"{where}: bad offsets {ann.start}-{ann.end}")
    return ann


def load_annotations_file(path: Path) -> list[Annotation]:
    """The annotations of one JSON Lines file, each record checked."""
    return [parse_annotation(record, f"{path}:{number}") for number, record in iter_jsonl(path)]


def load_annotations(directory: str | Path) -> list[Annotation]:
    """All annotations in ``*.jsonl`` files below `directory` (sorted, so order is stable)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return [
        ann for path in sorted(directory.rglob("*.jsonl")) for ann in load_annotations_file(path)
    ]


def label_files_hash(*directories: str | Path) -> str:
    """A content hash of the ``*.jsonl`` files below `directories` (missing ones count as empty):
    changed gold or pseudo labels make a different run."""
    digest = hashlib.sha256()
    for directory in map(Path, directories):
        for path in sorted(directory.rglob("*.jsonl")) if directory.is_dir() else ():
            digest.update(path.relative_to(directory).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def index_annotations(
    annotations: list[Annotation], texts: dict[str, str]
) -> dict[tuple[str, int, int], Annotation]:
    """Key annotations by (doc, start, end), checking each span's hash against the document.

    Annotations of documents not in `texts` are ignored (they belong to a corpus not loaded).
    """
    index = {}
    for ann in annotations:
        if ann.doc not in texts:
            continue
        span = texts[ann.doc][ann.start : ann.end]
        if span_hash(span) != ann.hash:
            raise PipelineError(
                f"annotation {ann.doc}:{ann.start}-{ann.end} does not match the document text "
                "(hash differs): the source file changed"
            )
        index[(ann.doc, ann.start, ann.end)] = ann
    return index


def annotations_by_doc(annotations: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    """Annotations grouped by document id."""
    grouped: dict[str, list[Annotation]] = {}
    for ann in annotations:
        grouped.setdefault(ann.doc, []).append(ann)
    return grouped


class Span(Protocol):
    start: int
    end: int
    kind: str


def best_units(
    units: Sequence[Span], annotations: Iterable[Annotation]
) -> list[tuple[Annotation, int, int]]:
    """For each annotation, the sentence unit (index into `units`, which are in article order)
    that it overlaps most in characters, the earlier on a tie, and that overlap; an annotation
    that overlaps no sentence unit is left out."""
    sentences = [i for i, u in enumerate(units) if u.kind == "sentence"]
    starts = [units[i].start for i in sentences]
    found = []
    for ann in annotations:
        best = (0, 0)
        for i in sentences[max(bisect.bisect_right(starts, ann.start) - 1, 0) :]:
            if units[i].start >= ann.end:
                break
            best = max(best, (min(units[i].end, ann.end) - max(units[i].start, ann.start), -i))
        if best[0] > 0:
            found.append((ann, -best[1], best[0]))
    return found


def match_units(units: Sequence[Span], annotations: Iterable[Annotation]) -> dict[int, Annotation]:
    """Gold labels for one document's units, by unit index, whatever the splitter.

    Each annotation goes to the sentence unit it overlaps most (`best_units`), and a unit given
    several keeps the one it overlaps most. A unit on an annotated span gets that annotation."""
    best: dict[int, tuple[int, Annotation]] = {}
    for ann, i, size in best_units(units, annotations):
        if size > best.get(i, (0, None))[0]:
            best[i] = (size, ann)
    return {i: ann for i, (_, ann) in best.items()}


def agreement(first: list[dict], second: list[dict]) -> dict:
    """Cohen's kappa, per-label agreement (F1) and the confusion matrix between two passes over
    the same spans.

    Spans are matched by (doc, start); spans either pass marked as not a sentence (any label outside
    the label set) are left out and counted.
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score

    labels_of = {(r["doc"], r["start"]): r["label"] for r in second}
    pairs = [
        (r["label"], labels_of[(r["doc"], r["start"])])
        for r in first
        if (r["doc"], r["start"]) in labels_of
    ]
    kept = [(a, b) for a, b in pairs if a in LABELS and b in LABELS]
    if not kept:
        raise PipelineError("the two passes share no labelled sentence")
    a, b = zip(*kept)
    return {
        "n": len(kept),
        "n_excluded": len(pairs) - len(kept),
        "observed_agreement": sum(x == y for x, y in kept) / len(kept),
        "cohen_kappa": float(cohen_kappa_score(a, b, labels=list(LABELS))),
        # per label: F1 of the second pass against the first (symmetric: swapping passes keeps it)
        "per_label_f1": dict(
            zip(LABELS, f1_score(a, b, labels=list(LABELS), average=None, zero_division=0).tolist())
        ),
        "first_pass_counts": {label: a.count(label) for label in LABELS},
        "labels": list(LABELS),
        "confusion_matrix": confusion_matrix(a, b, labels=list(LABELS)).tolist(),
    }
