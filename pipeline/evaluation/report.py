"""A self-contained `report.html` per run: metrics, confusion matrix, error examples, and the test
articles with every sentence coloured by its predicted label (gold label on hover)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from pipeline.core.files import atomic_write_text
from pipeline.core.labels import LABELS

COLOURS = {"fact": "#dbe9f6", "quote": "#fde2c4", "policy": "#d5f0d5", "opinion": "#f3d4ec"}
ERRORS_PER_LABEL = 5
STYLE = (
    "\n"
    "body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2em auto;"
    "padding:0 1em;color:#222}\n"
    "h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f4f4f4}"
    "td.l,th.l{text-align:left}\n"
    ".legend span,.doc span.s{padding:.1em .2em;border-radius:3px}"
    ".doc{margin:1em 0;padding:.5em 1em;border:1px solid #eee}\n"
    ".doc span.wrong{outline:2px solid #c0392b}.meta{color:#666}\n"
) + "".join(f".lab-{k}{{background:{v}}}" for k, v in COLOURS.items())


def _metrics_table(metrics: dict) -> str:
    rows = "".join(
        f"<tr><td class=l>{label}</td><td>{m['precision']:.3f}</td><td>{m['recall']:.3f}</td>"
        f"<td>{m['f1']:.3f}</td><td>{m['support']}</td></tr>"
        for label, m in metrics["per_class"].items()
    )
    lo, hi = metrics["macro_f1_ci"]
    lo3, hi3 = metrics["macro_f1_3_ci"]
    sources = "".join(
        f"<tr><td class=l>{source}</td><td>{m['n']}</td><td>{m['macro_f1_3']:.3f}</td>"
        f"<td>{m['macro_f1']:.3f}</td></tr>"
        for source, m in metrics.get("by_source", {}).items()
    )
    return (
        f"<p><b>macro-F1 (fact, quote, policy) {metrics['macro_f1_3']:.3f}</b> "
        f"[{lo3:.3f}, {hi3:.3f}] · <b>4-way macro-F1 {metrics['macro_f1']:.3f}</b> "
        f"[{lo:.3f}, {hi:.3f}] ({metrics.get('ci_level', 0.95):.0%} bootstrap intervals) "
        f"· accuracy {metrics['accuracy']:.3f} · {metrics['n_test']} test sentences, "
        f"{metrics['n_train']} training sentences</p>"
        "<table><tr><th class=l>label</th><th>precision</th>"
        f"<th>recall</th><th>F1</th><th>support</th></tr>{rows}</table>"
        + (
            "<table><tr><th class=l>source</th><th>test sentences</th><th>macro-F1 (3)</th>"
            f"<th>macro-F1 (4)</th></tr>{sources}</table>"
            if sources
            else ""
        )
    )


def _confusion_table(matrix: Sequence[Sequence[int]]) -> str:
    top = max(max(row) for row in matrix) or 1
    head = "".join(f"<th>{label}</th>" for label in LABELS)
    body = "".join(
        f"<tr><th class=l>{LABELS[i]}</th>"
        + "".join(f"<td style='background:rgba(76,120,168,{v / top:.2f})'>{v}</td>" for v in row)
        + "</tr>"
        for i, row in enumerate(matrix)
    )
    return f"<table><tr><th class=l>gold \\ predicted</th>{head}</tr>{body}</table>"


def _error_examples(rows: Sequence[dict], predicted: np.ndarray, confidence: np.ndarray) -> str:
    parts = []
    for label in LABELS:
        wrong = [
            i for i, r in enumerate(rows) if r["label"] == label and LABELS[predicted[i]] != label
        ]
        wrong.sort(key=lambda i: -confidence[i])
        items = "".join(
            f"<li><span class='s lab-{LABELS[predicted[i]]}'>{escape(rows[i]['text'])}</span> "
            f"<span class=meta>→ {LABELS[predicted[i]]} ({confidence[i]:.2f})</span></li>"
            for i in wrong[:ERRORS_PER_LABEL]
        )
        parts.append(
            f"<h3>gold {label}: {len(wrong)} misclassified</h3><ul>{items or '<li>none</li>'}</ul>"
        )
    return "".join(parts)


def _articles(rows: Sequence[dict], predicted: np.ndarray, confidence: np.ndarray) -> str:
    by_doc: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_doc.setdefault(row["doc_id"], []).append(i)
    docs = []
    for doc, indices in by_doc.items():
        spans = " ".join(
            f"<span class='s lab-{LABELS[predicted[i]]}"
            f"{'' if LABELS[predicted[i]] == rows[i]['label'] else ' wrong'}' "
            f"title='gold: {rows[i]['label']} · predicted: {LABELS[predicted[i]]} "
            f"({confidence[i]:.2f})'>"
            f"{escape(rows[i]['text'])}</span>"
            for i in sorted(indices, key=lambda i: rows[i]["start"])
        )
        docs.append(f"<div class=doc><p class=meta>{escape(doc)}</p><p>{spans}</p></div>")
    return "".join(docs)


def write_report(
    run_dir: str | Path,
    run_id: str,
    model: str,
    metrics: dict,
    rows: Sequence[dict],
    scores: np.ndarray,
) -> Path:
    """Write `report.html` into the run folder and return its path."""
    predicted, confidence = scores.argmax(axis=1), scores.max(axis=1)
    legend = " ".join(f"<span class='lab-{label}'>{label}</span>" for label in LABELS)
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(run_id)}</title>\n"
        f"<style>{STYLE}</style></head><body>\n"
        f"<h1>Run {escape(run_id)}</h1><p class=meta>model {escape(model)}</p>\n"
        f"<h2>Metrics</h2>{_metrics_table(metrics)}\n"
        f"<h2>Confusion matrix</h2>{_confusion_table(metrics['confusion_matrix'])}\n"
        "<h2>Errors</h2><p class=meta>The most confident mistakes per gold label.</p>"
        f"{_error_examples(rows, predicted, confidence)}\n"
        f"<h2>Test articles</h2><p class=legend>Predicted label: {legend} · outlined: wrong "
        "· hover a sentence for its gold label.</p>\n"
        f"{_articles(rows, predicted, confidence)}\n"
        "</body></html>\n"
    )
    path = Path(run_dir) / "report.html"
    atomic_write_text(path, html)
    return path
