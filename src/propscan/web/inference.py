"""One worker thread owns the model; web requests wait for it without blocking the event loop.

The CPU has few cores and ONNX Runtime already uses all of them for one batch, so running
requests in parallel would only make every one slower. Instead requests queue here and the
worker takes the shortest waiting articles first (a pasted paragraph should not wait behind a
book), several small ones in one batch; anything that has waited longer than `aging` seconds
goes to the front, so long articles are never starved. While a long article is being encoded,
the worker stops between encoder batches to answer short requests that arrived meanwhile
(each article's result is the same either way: it is always analysed whole).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field

from ..doc import AnalysedDocument
from ..ingest.sources import RawArticle
from ..pipeline import Analyzer


@dataclass
class _Job:
    raw: RawArticle
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    seq: int
    queued: float = field(default_factory=time.monotonic)

    @property
    def size(self) -> int:
        return len(self.raw.text)


class InferenceQueue:
    def __init__(self, analyzer: Analyzer, *, batch_chars: int = 8_000, aging: float = 10.0):
        self.analyzer = analyzer
        self.batch_chars = batch_chars
        self.aging = aging
        self._jobs: list[_Job] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="propscan-inference", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._jobs)

    async def analyze(self, raw: RawArticle) -> AnalysedDocument:
        loop = asyncio.get_running_loop()
        job = _Job(raw, loop.create_future(), loop, next(self._seq))
        with self._cond:
            if self._closed:
                raise RuntimeError("the inference queue is closed")
            self._jobs.append(job)
            self._cond.notify()
        return await job.future

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _take(self, candidates: list[_Job]) -> list[_Job]:
        """The first candidates that fit in one batch (at least one, if any), removed from the queue.
        Called with the lock held."""
        batch, chars = [], 0
        for job in candidates:
            if batch and chars + job.size > self.batch_chars:
                break
            batch.append(job)
            chars += job.size
        taken = {id(j) for j in batch}
        self._jobs = [j for j in self._jobs if id(j) not in taken]
        return batch

    def _take_batch(self) -> list[_Job]:
        """Called with the lock held and at least one job waiting."""
        now = time.monotonic()
        self._jobs = [j for j in self._jobs if not j.future.cancelled()]
        self._jobs.sort(key=lambda j: (0, j.seq) if now - j.queued > self.aging else (1, j.size, j.seq))
        return self._take(self._jobs)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if self._closed:
                    for job in self._jobs:
                        job.loop.call_soon_threadsafe(_fail, job.future, RuntimeError("server shutting down"))
                    return
                batch = self._take_batch()
            if batch:
                self._run(batch)

    def _serve_short_waiting(self) -> None:
        """Between encoder batches of a long article: answer the short requests that came in."""
        with self._cond:
            now = time.monotonic()
            short = sorted((j for j in self._jobs if j.size <= self.batch_chars and not j.future.cancelled()
                            and now - j.queued <= self.aging), key=lambda j: (j.size, j.seq))
            batch = self._take(short)
        if batch:
            self._run(batch, interruptible=False)

    def _run(self, batch: list[_Job], interruptible: bool = True) -> None:
        long = interruptible and sum(j.size for j in batch) > self.batch_chars
        try:
            docs = self.analyzer.analyze([j.raw for j in batch], pause=self._serve_short_waiting if long else None)
        except Exception as exc:
            if len(batch) > 1:  # find the one that fails; the others still get their answer
                for job in batch:
                    self._run([job], interruptible)
            else:
                batch[0].loop.call_soon_threadsafe(_fail, batch[0].future, exc)
            return
        for job, doc in zip(batch, docs):
            job.loop.call_soon_threadsafe(_succeed, job.future, doc)


def _succeed(future: asyncio.Future, value) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future, exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
