"""scripts/draw_wikinews.py replays the seeded draw of the gold's Wikinews 2004-2018 articles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.data.corpora import find_external_file

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts/draw_wikinews.py"
DRAWN = REPO / "data/annotations/wikinews_2004_2018/articles.txt"
POOL = REPO / "data/annotations/wikinews_training/articles.txt"  # the draw continued


def draw(*drawn: Path, sentences: int) -> subprocess.CompletedProcess:
    external = find_external_file("wikinews-toscadata-2004-2018/articles.csv").parent.parent
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(sentences), "--drawn", *map(str, drawn)]
        + ["--external-dir", str(external)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # as after `pip install -e .`
    )


def test_the_gold_articles_are_the_seeded_draw_and_it_continues(tmp_path):
    urls = DRAWN.read_text(encoding="utf-8").split()
    prefix = tmp_path / "prefix.txt"
    prefix.write_text("\n".join(urls[:-3]) + "\n", encoding="utf-8")
    done = draw(prefix, sentences=1)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == urls[-3:-2]  # the next article drawn is the one the gold has


def test_a_list_that_is_not_the_draw_is_refused(tmp_path):
    urls = DRAWN.read_text(encoding="utf-8").split()
    swapped = tmp_path / "swapped.txt"
    swapped.write_text("\n".join([urls[1], urls[0], *urls[2:10]]) + "\n", encoding="utf-8")
    done = draw(swapped, sentences=1)
    assert done.returncode != 0 and "not the seed-2026 draw" in done.stderr


def test_the_training_pool_continues_the_same_draw(tmp_path):
    urls = POOL.read_text(encoding="utf-8").split()
    prefix = tmp_path / "pool_prefix.txt"
    prefix.write_text("\n".join(urls[:5]) + "\n", encoding="utf-8")
    done = draw(DRAWN, prefix, sentences=1)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == urls[5:6]
    assert draw(prefix, sentences=1).returncode != 0  # the pool alone does not start the draw
