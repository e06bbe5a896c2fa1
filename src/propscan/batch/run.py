"""`propscan batch`: units → records → results (local or Ray) → committed chunks of tables.

The driver makes every keep/skip/duplicate decision in input order, from the start, exactly as an
uninterrupted run would; a record whose row every output already holds is then left out. So both
engines write the same tables, and a resumed run (even one that must redo a damaged chunk from the
middle) ends with exactly the rows of an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .engines import local_results, ray_results
from .readers import FieldMap, read_unit, units
from .tables import Outputs


@dataclass
class Summary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    spans: int = 0
    seconds: float = 0.0
    missing_inputs: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


class Decider:
    """First occurrence wins: an id or content seen earlier in the input is skipped when it is the
    same content, and an error when one id names different content."""

    def __init__(self):
        self.hash_of_id: dict[str, str] = {}
        self.hashes: set[str] = set()

    def decide(self, rid: str, h: str) -> str:
        """'new', 'skip' or 'duplicate'; remembers what it has seen. `h` is '' for unreadable records."""
        if rid in self.hash_of_id:
            known = self.hash_of_id[rid]
            return "skip" if known == h or not h else "duplicate"
        if h and h in self.hashes:
            self.hash_of_id[rid] = h
            return "skip"
        self.hash_of_id[rid] = h
        if h:
            self.hashes.add(h)
        return "new"


def _decided(item: dict, decider: Decider, outputs: Outputs) -> dict | None:
    """The item as it should be written, or None when it is skipped (same content, or already written)."""
    verdict = decider.decide(item["id"], item.get("hash", ""))
    if verdict == "skip":
        return None
    if verdict == "duplicate":
        item = {**item, "kind": "failure", "reason": f"duplicate id {item['id']!r} with different content"}
    if item["kind"] == "failure":
        return None if outputs.hold_error(item["id"], item["input"]) else item
    if item["kind"] == "skipped" or outputs.hold_document(item["id"], item["hash"]):
        return None  # (a remote worker skips only what every output holds)
    return item


def _pending_local(unit_list: list[dict], fields: FieldMap, decider: Decider, outputs: Outputs,
                   summary: Summary) -> Iterator[dict]:
    """Local engine: decide before analysing, so skipped documents cost nothing."""
    for unit in unit_list:
        for item in read_unit(unit, fields):
            kept = _decided(item, decider, outputs)
            if kept is None:
                summary.skipped += 1
            else:
                yield kept


def run_batch(inputs: list[str], *, out: str | None, sqlite: Path | None, engine: str = "local", workers: int = 1,
              address: str | None = None, fields: FieldMap = FieldMap(), chunk_size: int = 256,
              model: str | None = None, progress=None, spans_only: bool = False,
              report: Callable[[str], None] = lambda message: None) -> Summary:
    """``spans_only``: the technique spans alone, without partisanship, claims or attribution (their
    columns stay empty and their tables get no rows). ``report`` hears of damaged output repaired."""
    outputs = Outputs(out, sqlite, report)
    outputs.prepare()
    decider = Decider()
    summary = Summary()
    unit_list = list(units(inputs))
    summary.missing_inputs = [u["path"] for u in unit_list if u["format"] == "missing"]
    rows: dict[str, list[dict]] = {"documents": [], "spans": [], "claims": [], "attributions": [], "errors": []}
    t0 = time.perf_counter()

    def flush() -> None:
        if rows["documents"] or rows["errors"]:
            outputs.write_chunk(rows)
            for t in rows:
                rows[t] = []

    if engine == "ray":
        results = ray_results(unit_list, fields=fields, workers=workers, model=model, address=address,
                              done=outputs.held_everywhere(), spans_only=spans_only)
    else:
        results = local_results(_pending_local(unit_list, fields, decider, outputs, summary), workers=workers, model=model,
                                spans_only=spans_only)
    try:
        for res in results:
            if engine == "ray":  # decided here, in input order, exactly as the local engine does up front
                res = _decided(res, decider, outputs)
                if res is None:
                    summary.skipped += 1
                    continue
            if res["kind"] == "document":
                rows["documents"].append(res["doc"])
                rows["spans"].extend(res["spans"])
                rows["claims"].extend(res["claims"])
                rows["attributions"].extend(res["attributions"])
                summary.done += 1
                summary.spans += len(res["spans"])
            else:
                rows["errors"].append({"id": res["id"], "input": res["input"], "reason": res["reason"]})
                summary.failed += 1
            if progress is not None:
                progress(summary)
            if len(rows["documents"]) + len(rows["errors"]) >= chunk_size:
                flush()
        flush()
    finally:
        outputs.close()
        summary.seconds = time.perf_counter() - t0
    return summary
