"""The SemEval-2020 Task 11 predictions for a folder of articles, spread over worker processes.

`predict` and `evaluate` both need, per article, the merged SI spans, the labelled spans and
a technique for each given span (TC); one encoder pass gives all three, so a worker returns
them together and the caller picks what its format needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .tiers import load_predictor
from .predict import Labelled, Predictor
from .ptc import read_article_text
from .workers import chunked, map_with_model, threads_per_worker

ARTICLES_PER_TASK = 4  # per worker task: small, so the workers finish together
ARTICLES_PER_CHUNK = 16  # encoded together in-process: longer runs of encoder calls, bounded memory


@dataclass(frozen=True)
class ArticlePrediction:
    id: str
    si: list[tuple[int, int]]
    labelled: list[Labelled]  # sorted by start, end, technique
    tc: list[str]  # a technique for each span asked for, in the order asked


def predict_articles(predictor: Predictor, items: list[tuple[str, Path, list[tuple[int, int]]]]) -> list[ArticlePrediction]:
    """Predictions for (id, path, TC spans) items, encoded together.

    Encoding several articles before decoding any keeps the encoder's calls back to back: with
    two ONNX Runtime threads, interleaving the span head's calls made predict 25% slower.
    """
    out = []
    for (aid, _, tc_spans), scores in zip(items, predictor.score([read_article_text(p) for _, p, _ in items])):
        tc = predictor.classify(scores, tc_spans) if tc_spans else []
        out.append(ArticlePrediction(aid, predictor.si(scores), predictor.labelled(scores), tc))
    return out


def _load(model: str | Path | None, threads: int) -> Predictor:
    return load_predictor(model, threads)


def predict_corpus(found: list[tuple[str, Path]], tc_spans: dict[str, list[tuple[int, int]]] | None = None, *,
                   model: Path | None = None, workers: int = 1, threads: int | None = None) -> Iterator[ArticlePrediction]:
    """Predictions for each (id, path), in order. ``threads`` is per worker (default: cores / workers)."""
    tc_spans = tc_spans or {}
    items = [(aid, path, tc_spans.get(aid, [])) for aid, path in found]
    workers = min(workers, -(-len(items) // ARTICLES_PER_TASK))
    size = ARTICLES_PER_CHUNK if workers <= 1 else ARTICLES_PER_TASK
    for done in map_with_model(predict_articles, chunked(items, size), workers=workers,
                               load=_load, args=(model, threads or threads_per_worker(workers))):
        yield from done


def tc_labels_in_order(lines: list[tuple[str, int, int]], found: list[tuple[str, Path]], *,
                       each=None, **options) -> list[str]:
    """TC over a corpus: a technique for each (id, start, end) line, in the order given.

    ``each``, if given, also receives every article's prediction (evaluate scores SI and
    labelled spans from the same pass).
    """
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, (aid, _, _) in enumerate(lines):
        by_article[aid].append(i)
    labels = [""] * len(lines)
    spans = {aid: [lines[i][1:] for i in idx] for aid, idx in by_article.items()}
    for pred in predict_corpus(found, spans, **options):
        if each is not None:
            each(pred)
        for i, label in zip(by_article.get(pred.id, []), pred.tc):
            labels[i] = label
    return labels
