"""Label Studio: tasks with the text, the model's passages as `predictions` and reviews as `annotations`.

Written as one JSON file of tasks (Label Studio's import format) beside the labelling config that
reads it (`<name>.label_config.xml`). Read: Label Studio's JSON export (the latest annotation of
each task that was not cancelled) and its JSON_MIN export (what the label-studio-sdk converter
writes). Tasks without an annotation have not been reviewed and are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .. import techniques
from ..errors import InputError
from ..outputs import atomic_write
from .documents import ExportDocument, RawDocument, RawSpan
from .jsonfile import load_json

FROM_NAME, TO_NAME = "technique", "text"


def labeling_config() -> str:
    labels = "\n".join(f"    <Label value={quoteattr(t.name)} background={quoteattr(t.color)}/>"
                       for t in techniques.TECHNIQUES)
    return (f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n</View>\n')


def _region(n: int, text: str, start: int, end: int, technique: str, score: float | None = None) -> dict:
    region = {"id": f"s{n}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels", "origin": "manual",
              "value": {"start": start, "end": end, "text": text[start:end], "labels": [technique]}}
    if score is not None:
        region["score"] = score
    return region


def task(doc: ExportDocument, number: int) -> dict:
    """`number`: the task's id in the file (the label-studio-sdk converter needs one; Label Studio gives its own)."""
    data = {"text": doc.text, "title": doc.title, "source": doc.source, "propscan_id": doc.id}
    out: dict = {"id": number, "data": data}
    if doc.predictions:
        regions = [_region(i, doc.text, p.start, p.end, p.technique, p.confidence)
                   for i, p in enumerate(doc.predictions, 1)]
        out["predictions"] = [{"model_version": doc.model_version, "result": regions,
                               "score": min(p.confidence for p in doc.predictions)}]
    out["annotations"] = [{"id": n, "result": [_region(i, doc.text, *s) for i, s in enumerate(a.spans, 1)],
                           "ground_truth": False} for n, a in enumerate(doc.annotations, 1)]
    return out


def write(docs: list[ExportDocument], path: Path) -> list[Path]:
    config = path.with_name(path.stem + ".label_config.xml")
    atomic_write(path, json.dumps([task(d, n) for n, d in enumerate(docs, 1)], ensure_ascii=False, indent=1))
    atomic_write(config, labeling_config())
    return [path, config]


def _spans(results: list, where: str) -> list[RawSpan]:
    spans = []
    for result in results:
        value = result.get("value") if isinstance(result, dict) else None
        if not isinstance(value, dict) or "start" not in value:
            continue  # another control's result (a choice, a rating): no span
        labels = value.get("labels")
        if not isinstance(labels, list) or not labels:
            raise InputError(f"{where}, span {len(spans) + 1}: a region without labels")
        spans += [RawSpan(value["start"], value.get("end"), label, value.get("text"), len(spans) + 1 + i)
                  for i, label in enumerate(labels)]
    return spans


def _latest(annotations: list) -> dict | None:
    kept = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    kept.sort(key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
    return kept[-1] if kept else None


def _from_task(item: dict, where: str) -> RawDocument | None:
    data = item.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InputError(f"{where}: no text in the task's data (data.text)")
    annotations = item.get("annotations") or item.get("completions") or []
    if not isinstance(annotations, list):
        raise InputError(f"{where}: 'annotations' must be a list")
    latest = _latest(annotations)
    if latest is None:
        return None
    results = latest.get("result")
    if not isinstance(results, list):
        raise InputError(f"{where}: the annotation's 'result' must be a list")
    return RawDocument(where, data["text"], _spans(results, where), id=str(data.get("propscan_id") or ""),
                       title=str(data.get("title") or ""), source=str(data.get("source") or ""))


def _from_min(item: dict, where: str) -> RawDocument | None:
    """JSON_MIN: the task's data fields flattened, each labelling control's regions under its name;
    a task nobody annotated has a null annotation_id."""
    if "annotation_id" in item and item["annotation_id"] is None:
        return None
    regions = []
    for key, value in item.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) and "labels" in v for v in value):
            regions += [{"value": v} for v in value]
    return RawDocument(where, item["text"], _spans(regions, where), id=str(item.get("propscan_id") or ""),
                       title=str(item.get("title") or ""), source=str(item.get("source") or ""))


def read(path: Path) -> tuple[list[RawDocument], int]:
    """The reviewed documents of a Label Studio export, and how many tasks had no annotation."""
    items = load_json(path)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise InputError("expected a list of Label Studio tasks", source=str(path))
    docs, unreviewed = [], 0
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InputError(f"task {n} is not an object", source=str(path))
        name = item.get("propscan_id") or (item.get("data") or {}).get("propscan_id") or item.get("id")
        where = f"{path}: task {n}" + (f" ({name})" if name else "")
        if "data" in item:
            doc = _from_task(item, where)
        elif isinstance(item.get("text"), str):
            doc = _from_min(item, where)
        else:
            raise InputError(f"{where}: neither a Label Studio task (data.text) nor a JSON_MIN item (text)")
        if doc is None:
            unreviewed += 1
        else:
            docs.append(doc)
    return docs, unreviewed
