"""Split stage: news articles into sentences and non-sentence lines (our news splitter and
third-party adapters, by name from `SPLITTERS`), for Python lists or Arrow datasets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.split import adapters, news  # noqa: F401  (each registers its splitters)
from pipeline.split.units import SPLITTERS, Splitter, Unit

if TYPE_CHECKING:
    from pipeline.data.corpora import Article


def get_splitter(name: str, **params: object) -> Splitter:
    """A registered splitter by its config name (unknown names and parameters: one-line errors)."""
    return SPLITTERS.build(name, params)


def split_corpus(articles: Sequence[Article], splitter: Splitter) -> dict[str, list[Unit]]:
    """Split every article, keyed by document id, with a progress bar on long corpora; an entry
    of a sentence-level corpus is one sentence unit as it stands."""
    from tqdm.auto import tqdm

    return {
        a.doc_id: [Unit(a.text, 0, len(a.text))] if a.one_sentence else splitter(a.text)
        for a in tqdm(articles, desc="split", unit="doc", disable=len(articles) < 50)
    }


def split_batch(batch: dict[str, list], splitter: str = "news") -> dict[str, list]:
    """`Dataset.map(batched=True)` body of the split stage.

    Article rows (`doc_id`, `text`) in, one row per unit out.
    """
    split_fn = get_splitter(splitter)
    out: dict[str, list] = {
        k: [] for k in ("doc_id", "index", "start", "end", "kind", "text", "prev_text")
    }
    for doc_id, text in zip(batch["doc_id"], batch["text"]):
        prev = ""
        for i, unit in enumerate(split_fn(text or "")):
            for key, value in (
                ("doc_id", doc_id),
                ("index", i),
                ("start", unit.start),
                ("end", unit.end),
                ("kind", unit.kind),
                ("text", unit.text),
                ("prev_text", prev),
            ):
                out[key].append(value)
            prev = unit.text
    return out


def split_dataset(
    articles, splitter: str = "news", num_proc: int | None = None, batch_size: int = 64
):
    """Split a `datasets.Dataset` of articles (columns `doc_id`, `text`) into a dataset of units,
    in Arrow batches (optionally across processes) rather than Python lists of every article."""
    return articles.map(
        split_batch,
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        fn_kwargs={"splitter": splitter},
        remove_columns=articles.column_names,
        desc="split",
    )


def splitter_from_config(splitter_cfg: dict) -> Splitter:
    """The splitter a config's `splitter` group names (its other keys are the parameters)."""
    params = {key: value for key, value in splitter_cfg.items() if key != "name"}
    return get_splitter(splitter_cfg["name"], **params)
