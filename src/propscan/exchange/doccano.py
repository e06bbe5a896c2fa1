"""doccano JSONL: one document a line, spans as `label` ([start, end, label] triples, what doccano
imports for sequence labelling) or, as newer doccano exports them, `entities` (objects with
start_offset, end_offset and label). doccano keeps no span text, so offsets are checked for range only.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..outputs import atomic_write
from .documents import ExportDocument, RawDocument, RawSpan
from .jsonfile import load_jsonl


def line(doc: ExportDocument) -> dict:
    return {"text": doc.text, "label": [[s, e, t] for s, e, t in doc.spans()], "propscan_id": doc.id,
            "title": doc.title, "source": doc.source}


def write(docs: list[ExportDocument], path: Path) -> list[Path]:
    atomic_write(path, "".join(json.dumps(line(d), ensure_ascii=False) + "\n" for d in docs))
    return [path]


def _spans(item: dict, where: str) -> list[RawSpan]:
    if "entities" in item:
        entities = item["entities"]
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise InputError(f"{where}: 'entities' must be a list of objects")
        return [RawSpan(e.get("start_offset"), e.get("end_offset"), e.get("label"), None, n)
                for n, e in enumerate(entities, 1)]
    labels = item.get("label", item.get("labels", []))
    if not isinstance(labels, list):
        raise InputError(f"{where}: 'label' must be a list of [start, end, label]")
    spans = []
    for n, triple in enumerate(labels, 1):
        if not isinstance(triple, list) or len(triple) != 3:
            raise InputError(f"{where}, span {n}: expected [start, end, label], got {json.dumps(triple)[:60]}")
        spans.append(RawSpan(*triple, None, n))
    return spans


def read(path: Path) -> tuple[list[RawDocument], int]:
    docs = []
    for number, item in load_jsonl(path):
        if not isinstance(item, dict):
            raise InputError(f"line {number}: expected a JSON object", source=str(path))
        name = item.get("propscan_id") or item.get("id")
        where = f"{path}: line {number}" + (f" ({name})" if name else "")
        text = item.get("text", item.get("data"))
        if not isinstance(text, str):
            raise InputError(f"{where}: no 'text'")
        docs.append(RawDocument(where, text, _spans(item, where), id=str(item.get("propscan_id") or ""),
                                title=str(item.get("title") or ""), source=str(item.get("source") or "")))
    return docs, 0
