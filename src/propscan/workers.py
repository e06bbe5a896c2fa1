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


_worker_model: Any = None
_worker_load_error: BaseException | None = None


def _load_in_worker(load: Callable[..., Any], args: tuple) -> None:
    """Load the worker's model; a failure is kept for the first task to raise.

    An initializer that raises kills its worker, and the pool starts another forever: a bad
    --model printed tracebacks without end instead of one line.
    """
    global _worker_model, _worker_load_error
    try:
        _worker_model = load(*args)
    except Exception as exc:
        _worker_load_error = exc


def _apply_in_worker(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    if _worker_load_error is not None:
        raise _worker_load_error
    fn, task = job
    return fn(_worker_model, task)


def map_with_model(fn: Callable[[Any, Any], Any], tasks: Iterable, *, workers: int,
                   load: Callable[..., Any], args: tuple) -> Iterator:
    """fn(model, task) for each task, model = load(*args) once per worker; results in task order.

    With one worker the model is loaded here and no process is started. ``fn`` and ``load`` must
    be module-level functions (they are sent to the workers by name).
    """
    if workers <= 1:
        model = load(*args)
        for task in tasks:
            yield fn(model, task)
        return
    yield from ordered_map(_apply_in_worker, ((fn, task) for task in tasks), workers=workers,
                           initializer=_load_in_worker, initargs=(load, args))


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
