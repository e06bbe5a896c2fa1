"""Worker processes, one model each, results back in input order.

On the CPUs measured here two single-threaded ONNX Runtime processes beat one process with two
threads by 24-50%, so corpus-sized work (predict, evaluate, batch) runs one process per core.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

MAX_DEFAULT_WORKERS = 8  # each worker holds a model (~300 MB); more needs asking for


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // workers)


def ordered_map(fn: Callable[[Any], Any], tasks: Iterable, *, workers: int,
                initializer: Callable[..., None], initargs: tuple) -> Iterator:
    """fn(task) for each task in worker processes, yielded in task order.

    At most a few tasks per worker are in flight, so memory stays flat however many tasks
    there are. Workers are spawned, never forked: a forked ONNX Runtime can deadlock.
    """
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=initializer, initargs=initargs) as pool:
        window: deque = deque()
        for task in tasks:
            window.append(pool.apply_async(fn, (task,)))
            if len(window) >= 3 * workers:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
