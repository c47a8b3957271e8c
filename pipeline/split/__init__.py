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


def split_article(text: str, one_sentence: bool, splitter: Splitter) -> list[Unit]:
    """An article's units; an entry of a sentence-level corpus is one sentence unit as it stands."""
    return [Unit(text, 0, len(text))] if one_sentence else splitter(text)


def split_corpus(articles: Sequence[Article], splitter: Splitter) -> dict[str, list[Unit]]:
    """Split every article, keyed by document id, with a progress bar on long corpora."""
    from tqdm.auto import tqdm

    return {
        a.doc_id: split_article(a.text, a.one_sentence, splitter)
        for a in tqdm(articles, desc="split", unit="doc", disable=len(articles) < 50)
    }


def split_batch(
    batch: dict[str, list], splitter: str = "news", params: dict | None = None
) -> dict[str, list]:
    """`Dataset.map(batched=True)` body of the split stage.

    Article rows (`doc_id`, `text`, optionally `one_sentence`) in, one row per unit out.
    """
    split_fn = get_splitter(splitter, **(params or {}))
    one_sentence = batch.get("one_sentence") or [False] * len(batch["doc_id"])
    out: dict[str, list] = {
        k: [] for k in ("doc_id", "index", "start", "end", "kind", "text", "prev_text")
    }
    for doc_id, text, one in zip(batch["doc_id"], batch["text"], one_sentence):
        prev = ""
        for i, unit in enumerate(split_article(text or "", one, split_fn)):
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
    articles,
    splitter: str = "news",
    num_proc: int | None = None,
    batch_size: int = 64,
    params: dict | None = None,
):
    """Split a `datasets.Dataset` of articles (columns `doc_id`, `text`, optionally
    `one_sentence`) into a dataset of units, in Arrow batches (optionally across processes) rather
    than Python lists of every article; `params`: the splitter's parameters."""
    return articles.map(
        split_batch,
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        fn_kwargs={"splitter": splitter, "params": params},
        remove_columns=articles.column_names,
        desc="split",
    )


def splitter_from_config(splitter_cfg: dict) -> Splitter:
    """The splitter a config's `splitter` group names (its other keys are the parameters)."""
    params = {key: value for key, value in splitter_cfg.items() if key != "name"}
    return get_splitter(splitter_cfg["name"], **params)
