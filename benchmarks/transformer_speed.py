"""Training time and inference throughput of the transformer models beside TF-IDF, in one run.

    python benchmarks/transformer_speed.py                 # trains each model, then measures
    python benchmarks/transformer_speed.py RUN_DIR ...     # measures finished runs only
    options: --models tfidf_logreg,minilm_embed_logreg,minilm_finetune  --sentences 2000

Training time comes from each run's metrics.json (`train_seconds`, the model fit alone). Inference
throughput labels the first N sentences of the Wikinews 2019 sample through `pipeline.predict`'s
Predictor with the units before and after each, as `label_article` passes them (tokenisation
included), after one warm-up batch, fastest of 3 passes. Ratios are to the first model measured in
the same invocation (training time: to the first that trains). A fine-tuned run is measured served
each way (PyTorch float32, ONNX Runtime float32, ONNX Runtime int8), with each one's macro-F1
recomputed on the run's own test sentences (predictions.jsonl, with each sentence's neighbours from
the run's dataset/), so the accuracy cost of int8 is read off the same invocation. A teacher-student
run (`minilm_student`) also measures the teacher it saved in `teacher/` (PyTorch float32) on the
same test sentences, and prints how fast the teacher labels served each way a student run can ask
for (`teacher_runtime`, `teacher_quantize`), with the share of the sample where its label agrees
with the float32 teacher's. Goals: fine-tuning within 15 minutes, inference at least 250
sentences/s, int8 only if macro-F1 drops by at most 0.5 points; `experiment=best`: training within
45 minutes, serving at least 250 sentences/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import yaml
from sklearn.metrics import f1_score

from pipeline.core.config import model_label
from pipeline.core.files import iter_jsonl
from pipeline.core.labels import LABEL2ID
from pipeline.data.annotations import best_units
from pipeline.data.corpora import load_wikinews
from pipeline.evaluation.metrics import macro_f1_3
from pipeline.models import load_model, predict_scores
from pipeline.models.finetune.model import FineTuned
from pipeline.models.finetune.student import TEACHER_FOLDER
from pipeline.predictor import Predictor
from pipeline.split.news import split_text
from pipeline.split.units import around

SERVING = (("torch", None), ("onnx", None), ("onnx", "int8"))
TEACHER_SERVING = (("torch", None), ("onnx", "int8"), ("onnx", "int8_7bit"))


Sample = tuple[list[str], list[str], list[str]]  # sentences, the unit before and after each


def sentences(n: int) -> Sample:
    """The first `n` sentences of the Wikinews 2019 sample with their neighbours in the article,
    as `Predictor.label_article` passes them (models that read them get them)."""
    found = []
    for article in load_wikinews("wikinews-sample/wikinews_2019.csv"):
        units = split_text(article.text)
        found += [(u.text, *around(units, i)) for i, u in enumerate(units) if u.kind == "sentence"]
        if len(found) >= n:
            break
    texts, prevs, nexts = (list(part) for part in zip(*found[:n]))
    return texts, prevs, nexts


def train(model: str, root: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            f"model={model}",
            f"experiment_name={model}",
            f"paths.experiments_dir={root}",
        ],
        check=True,
        capture_output=True,
    )
    (run_dir,) = (root / model).iterdir()
    return run_dir


def throughput(label, sample: Sample, passes: int = 3) -> float:
    """Sentences per second of `label(*sample)` in the fastest of `passes` passes (as `timeit`
    advises: slower passes measure the other jobs on a shared machine), after a warm-up batch."""
    label(*(part[:64] for part in sample))  # warm-up: lazy imports, first allocation
    seconds = []
    for _ in range(passes):
        began = time.perf_counter()
        label(*sample)
        seconds.append(time.perf_counter() - began)
    return len(sample[0]) / min(seconds)


TestSide = tuple[Sample, list[int]]  # the run's test sentences with their neighbours, gold ids


def test_side(run_dir: Path) -> TestSide:
    """The run's test sentences (predictions.jsonl), the units before and after each, and their
    gold label ids. Each gold span (`doc#start-end`) takes the neighbours of the unit of the run's
    `dataset/` it overlaps most (`best_units`, as the run's gold rows took them); a sentence
    corpus's have none."""
    from datasets import load_from_disk

    rows = [r for _, r in iter_jsonl(run_dir / "predictions.jsonl")]
    columns = ["doc_id", "kind", "start", "end", "prev_text", "next_text"]
    units_of: dict[str, list[SimpleNamespace]] = {}
    for unit in load_from_disk(str(run_dir / "dataset")).select_columns(columns):
        units_of.setdefault(unit["doc_id"], []).append(SimpleNamespace(**unit))
    for units in units_of.values():
        units.sort(key=lambda u: u.start)  # article order, as best_units expects
    around = []
    for row in rows:
        doc, span = row["id"].rsplit("#", 1)
        start, end = map(int, span.split("-"))
        units = units_of.get(doc, [])
        found = best_units(units, [SimpleNamespace(start=start, end=end)])
        unit = units[found[0][1]] if found else SimpleNamespace(prev_text="", next_text="")
        around.append((unit.prev_text, unit.next_text))
    prevs, nexts = zip(*around)
    sample = ([r["text"] for r in rows], list(prevs), list(nexts))
    return sample, [LABEL2ID[r["gold"]] for r in rows]


def test_scores(label, test: TestSide) -> tuple[float, float]:
    """Macro-F1 over fact, quote and policy, and 4-way, of `label` (texts, the units before and
    after -> label ids) on a run's test side."""
    sample, gold = test
    predicted = label(*sample)
    return macro_f1_3(gold, predicted), f1_score(gold, predicted, average="macro")


def model_ids(model):
    """`model`'s label ids for (texts, the units before and after)."""
    return lambda *sample: predict_scores(model, *sample).argmax(axis=1).tolist()


def label_ids(predictor: Predictor):
    return lambda *sample: [LABEL2ID[label] for label, _ in predictor.label_texts(*sample)]


def timed_labels(label, sample: Sample) -> tuple[float, list[int]]:
    """`throughput` of `label` on `sample`, and the labels of its last timed pass."""
    passes: list[list[int]] = []
    speed = throughput(lambda *part: passes.append(label(*part)), sample)
    return speed, passes[-1]


def teacher_serving(run_dir: Path, sample: Sample) -> list[tuple[str, float, float]]:
    """(serving, sentences/s, agreement with the float32 teacher's labels on `sample`) for the
    teacher a student run saved, served each way of `TEACHER_SERVING`."""
    rows, first = [], None
    for runtime, quantize in TEACHER_SERVING:
        label = model_ids(load_model(run_dir / TEACHER_FOLDER, runtime=runtime, quantize=quantize))
        speed, labels = timed_labels(label, sample)
        first = first or labels
        agree = sum(a == b for a, b in zip(labels, first)) / len(labels)
        rows.append((f"{runtime} {quantize or 'float32'}", speed, agree))
    return rows


def measure(run_dir: Path, sample: Sample) -> list[tuple]:
    """(name, train s, sentences/s, macro-F1 3-way, 4-way) for a run; fine-tuned runs once per
    serving runtime, and a saved teacher beside its student."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    name = model_label(yaml.safe_load((run_dir / "config.yaml").read_text())["model"])
    predictor = Predictor(run_dir)
    train_s = metrics.get("train_seconds")
    fine_tuned, has_teacher = (
        isinstance(predictor.model, FineTuned),
        (run_dir / TEACHER_FOLDER).is_dir(),
    )
    test = test_side(run_dir) if fine_tuned or has_teacher else None
    if not fine_tuned:
        label = label_ids(predictor)
        rows = [
            (name, train_s, throughput(label, sample), metrics["macro_f1_3"], metrics["macro_f1"])
        ]
    else:
        rows = []
        for runtime, quantize in SERVING:  # the serving runtime is chosen when the run is loaded
            label = label_ids(Predictor(run_dir, runtime=runtime, quantize=quantize))
            serving = f"{name} {runtime} {quantize or 'float32'}"
            rows.append((serving, train_s, throughput(label, sample), *test_scores(label, test)))
    if has_teacher:
        label = model_ids(load_model(run_dir / TEACHER_FOLDER))
        rows.append((f"{name} teacher", None, throughput(label, sample), *test_scores(label, test)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "runs", nargs="*", type=Path, help="finished run folders (default: train each model)"
    )
    parser.add_argument("--models", default="tfidf_logreg,minilm_embed_logreg,minilm_finetune")
    parser.add_argument("--sentences", type=int, default=2000)
    args = parser.parse_args()
    sample = sentences(args.sentences)
    with tempfile.TemporaryDirectory() as tmp:
        runs = args.runs or [train(m, Path(tmp)) for m in args.models.split(",")]
        rows = [row for run_dir in runs for row in measure(run_dir, sample)]
    base_speed = rows[0][2]
    base_train = next((row[1] for row in rows if row[1]), None)  # `rules` trains nothing
    print(
        f"{'model':<32} {'train s':>9} {'x first':>8} {'sent/s':>9} {'x first':>8} "
        f"{'macro_f1_3':>10} {'4-way':>6}"
    )
    for name, train_s, speed, f1_3, f1 in rows:
        trained = f"{train_s:>9.1f} {train_s / base_train:>8.1f}" if train_s else f"{'':>18}"
        ratio = speed / base_speed
        print(f"{name:<32} {trained} {speed:>9.0f} {ratio:>8.3f} {f1_3:>10.3f} {f1:>6.3f}")
    for run_dir in runs:
        if (run_dir / TEACHER_FOLDER).is_dir():
            rows = teacher_serving(run_dir, sample)
            print(f"\nteacher of {run_dir.name}: {'sent/s':>9} {'x float32':>9} {'agreement':>9}")
            for serving, speed, agree in rows:
                print(f"{serving:<20} {speed:>9.1f} {speed / rows[0][1]:>9.3f} {agree:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
