"""Seconds of each rule-feature function of the default model over the training sentences of the
default data (what the second process computes during a fit), and of the reporting verbs' regular
expression written as a trie (`pipeline.core.patterns.trie_pattern`, as the role cues use it)
against the same words as a flat alternation, both in one invocation.

    python benchmarks/rule_features.py
"""

from __future__ import annotations

import re
import sys
import time

from pipeline.cli.hydra_config import compose_config
from pipeline.core.patterns import trie_pattern
from pipeline.experiment import divide, load_data
from pipeline.models.roles import REPORTING_VERBS, role_features, sentence_cues
from pipeline.models.structure import structure_features, vote_features
from pipeline.runs import RunRecord


def timed(function, *args) -> float:
    began = time.perf_counter()
    function(*args)
    return time.perf_counter() - began


def main() -> int:
    cfg = compose_config([])
    data = load_data(cfg, RunRecord(run_id="benchmark", experiment="benchmark", seed=cfg["seed"]))
    train = divide(cfg, data, 0)[0].train
    texts, prevs = [r.text for r in train], [r.prev_text for r in train]
    print(f"{len(texts)} training sentences")
    for function, args in (
        (structure_features, (texts, prevs)),
        (vote_features, (texts, prevs)),
        (role_features, (texts, prevs)),
        (sentence_cues, (prevs,)),
    ):
        print(f"{function.__name__:<20} {timed(function, *args):6.2f} s")
    words = sorted(REPORTING_VERBS, key=len, reverse=True)
    flat = re.compile(rf"\b(?:{'|'.join(words)})\b", re.I)
    trie = re.compile(rf"\b{trie_pattern(words)}\b", re.I)
    seconds = {
        name: timed(lambda p: [p.findall(t) for t in texts], pattern)
        for name, pattern in (("flat", flat), ("trie", trie))
    }
    same = all(flat.findall(t) == trie.findall(t) for t in texts)
    print(
        f"{len(words)} reporting verbs, findall over every sentence: flat alternation "
        f"{seconds['flat']:.2f} s, trie {seconds['trie']:.2f} s "
        f"({seconds['trie'] / seconds['flat']:.2f} x), same matches: {same}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
