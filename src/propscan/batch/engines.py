"""Where the model runs: in local worker processes, or in a pool of Ray actors.

Both take the same units and yield the same results (see analyse.py) in input order; the
driver turns results into tables. Only the transport differs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator

from ..workers import chunked, map_with_model, threads_per_worker
from .analyse import analyse_items
from .readers import FieldMap, read_unit

ITEMS_PER_TASK = 4
UNITS_PER_READ = 64
RAY_BATCH = 32  # records per actor call: fewer round trips through Ray's object store


def _load(model: str | None, threads: int, spans_only: bool = False):
    from ..assess.aids import AidOptions
    from ..pipeline import Analyzer

    aids = AidOptions(partisanship=False, claims=False, attribution=False) if spans_only else AidOptions()
    return Analyzer.load(model, threads, aids=aids)


# --- local ----------------------------------------------------------------------------------

def local_results(items: Iterable[dict], *, workers: int, model: str | None, spans_only: bool = False) -> Iterator[dict]:
    """One model per worker process (one in-process model when workers == 1), results in order."""
    for results in map_with_model(analyse_items, chunked(items, ITEMS_PER_TASK), workers=workers,
                                  load=_load, args=(model, threads_per_worker(workers), spans_only)):
        yield from results


# --- Ray ------------------------------------------------------------------------------------

class RayAnalyser:
    """A Ray Data actor: loads the model once, analyses batches of records."""

    def __init__(self, model: str | None, threads: int, done_ref=None, spans_only: bool = False):
        import ray

        self.analyzer = _load(model, threads, spans_only)
        done = ray.get(done_ref) if done_ref is not None else {"ids": [], "hashes": []}
        self.done_ids, self.done_hashes = set(done["ids"]), set(done["hashes"])

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        keys = list(batch)
        items = [{k: _plain(batch[k][i]) for k in keys} for i in range(len(batch[keys[0]]))]
        results = analyse_items(self.analyzer, items, self.done_ids, self.done_hashes)
        return {"result": np.array([json.dumps(r, ensure_ascii=False) for r in results], dtype=object)}


def _plain(value):
    """numpy scalars and NaN-for-None back to plain Python values."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def _read_rows(unit: dict, fields: dict) -> list[dict]:
    return list(read_unit(unit, FieldMap(**fields)))


def ray_results(units: list[dict], *, fields: FieldMap, workers: int, model: str | None, address: str | None,
                done: dict, spans_only: bool = False) -> Iterator[dict]:
    """Units → Ray dataset → flat_map(read) → map_batches(actor pool) → results, in input order."""
    import logging

    import ray

    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if not ray.is_initialized():
        if address in (None, "", "local"):  # a private single-machine cluster on loopback
            ray.init(include_dashboard=False, log_to_driver=False, num_cpus=os.cpu_count(),
                     _node_ip_address="127.0.0.1", logging_level=logging.ERROR)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    threads = threads_per_worker(workers)
    # ~64 input files per read task: Ray's per-task overhead would otherwise starve the actors
    ds = ray.data.from_items(units, override_num_blocks=max(1, -(-len(units) // UNITS_PER_READ)))
    # Reading is light next to the model: one reader task at a time, not holding a CPU slot
    # (the actors take them all), so it never starves the actors nor they it.
    ds = ds.flat_map(_read_rows, fn_kwargs={"fields": fields.to_dict()}, num_cpus=0,
                     compute=ray.data.TaskPoolStrategy(size=1))
    ds = ds.map_batches(RayAnalyser, fn_constructor_kwargs={"model": model, "threads": threads,
                                                            "done_ref": ray.put(done), "spans_only": spans_only},
                        batch_size=RAY_BATCH, compute=ray.data.ActorPoolStrategy(size=workers),
                        num_cpus=threads, batch_format="numpy")
    for row in ds.iter_rows():
        yield json.loads(row["result"])
