"""`analyze` over many articles: one model per worker process, like `predict`, documents in order.

One process with two ONNX Runtime threads spends most of its time where threads do not help
(tokenising, decoding, the reading aids, attribution linking, JSON): on 75 news articles and 2
cores it took twice as long as `predict`, which runs one single-threaded process per core.
A few articles stay in this process: starting a worker (imports and model) costs about a second.
"""

from __future__ import annotations

from pathlib import Path

from .assess.aids import AidOptions
from .doc import AnalysedDocument
from .ingest.sources import RawArticle
from .workers import chunked, map_with_model, threads_per_worker

ARTICLES_PER_TASK = 4  # small tasks, so the workers finish together
MIN_ARTICLES_FOR_WORKERS = 8  # below this, starting workers costs more than it saves


def _load(model: str | Path | None, threads: int | None, min_confidence: float | None, aids: AidOptions):
    from .pipeline import Analyzer

    return Analyzer.load(model, threads, min_confidence=min_confidence, aids=aids)


def _analyze(analyzer, articles: list[RawArticle]) -> list[AnalysedDocument]:
    return analyzer.analyze(articles)


def workers_for(articles: int, workers: int) -> int:
    """Worker processes worth starting for this many articles (1: analyse in this process)."""
    if articles < MIN_ARTICLES_FOR_WORKERS:
        return 1
    return max(1, min(workers, -(-articles // ARTICLES_PER_TASK)))


def analyze_many(articles: list[RawArticle], *, model: str | Path | None = None, min_confidence: float | None = None,
                 aids: AidOptions = AidOptions(), workers: int = 1) -> list[AnalysedDocument]:
    """Every article analysed, in the order given; ``workers`` is the most processes to use."""
    if not articles:
        return []
    n = workers_for(len(articles), workers)
    threads = threads_per_worker(n) if n > 1 else None  # in-process: the Analyzer's own default
    size = ARTICLES_PER_TASK if n > 1 else len(articles)
    docs: list[AnalysedDocument] = []
    for done in map_with_model(_analyze, chunked(articles, size), workers=n, load=_load,
                               args=(model, threads, min_confidence, aids)):
        docs += done
    return docs
