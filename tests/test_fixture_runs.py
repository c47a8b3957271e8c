"""Run folders written by older code (tests/data/runs/, see tests/data/README.md) still load and
predict what they predicted when they were written."""

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.predictor import Predictor

RUNS = Path(__file__).parent / "data" / "runs"
# ONNX Runtime's int8 kernels differ by CPU: with AVX2 alone, u8s8 products can saturate
# (VPMADDUBSW), with AVX-512 VNNI they do not; the same graph's scores moved by 0.03 between such
# machines. Labels must match everywhere, scores to within this much.
SCORE_ATOL = {"tfidf_logreg": 1e-4, "finetune": 0.05}


@pytest.mark.parametrize("name", ["tfidf_logreg", "finetune"])
def test_an_old_run_folder_predicts_as_it_did(name):
    expected = json.loads((RUNS / f"{name}.expected.json").read_text())
    texts = expected["texts"]
    labelled = Predictor(RUNS / name).label_texts(texts, ["", *texts[:-1]])
    assert [label for label, _ in labelled] == expected["labels"]
    scores = np.array(
        [[row[k] for k in ("fact", "quote", "policy", "opinion")] for _, row in labelled]
    )
    assert np.allclose(scores, expected["scores"], atol=SCORE_ATOL[name])
