"""`propscan export`: the history's analyses, with their finished reviews, in an annotation tool's format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..store.sqlite import AnalysisStore
from . import brat, doccano, label_studio, ptc
from .documents import Annotation, ExportDocument, Prediction

WRITERS = {"label-studio": label_studio.write, "brat": brat.write, "doccano": doccano.write, "ptc": ptc.write}


@dataclass(frozen=True)
class ExportSummary:
    documents: int
    reviewed: int
    spans: int  # the spans a one-layer format writes: reviewed where reviewed, else the model's shown ones
    written: list[Path]


def open_existing(db: Path) -> AnalysisStore:
    """Exporting from a path that is no database would make an empty one there: refuse instead."""
    if not Path(db).is_file():
        raise InputError(f"no database at {db}")
    return AnalysisStore(db)


def documents(store: AnalysisStore, *, reviewed_only: bool = False) -> list[ExportDocument]:
    out = []
    for analysis_id in store.ids(reviewed_only=reviewed_only):
        stored = store.get(analysis_id)
        if stored is None:  # deleted while exporting
            continue
        finished = sorted((r for r in store.reviews(analysis_id) if r.finished),
                          key=lambda r: r.finished_at, reverse=True)
        doc = stored.doc
        out.append(ExportDocument(
            id=stored.id, title=doc.title, source=doc.source, text=doc.text, model_version=doc.model_version,
            predictions=[Prediction(s.start, s.end, s.technique, s.confidence) for s in doc.shown_spans],
            annotations=[Annotation(r.reviewer, r.spans()) for r in finished]))
    return out


def export(db: Path, fmt: str, out: Path, *, reviewed_only: bool = False) -> ExportSummary:
    if fmt not in WRITERS:
        raise InputError(f"unknown format {fmt!r}; known: {', '.join(WRITERS)}")
    store = open_existing(db)
    try:
        docs = documents(store, reviewed_only=reviewed_only)
    finally:
        store.close()
    written = WRITERS[fmt](docs, Path(out))
    return ExportSummary(len(docs), sum(bool(d.annotations) for d in docs), sum(len(d.spans()) for d in docs), written)
