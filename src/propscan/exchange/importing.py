"""`propscan import`: annotation tools' files read, every span checked, then stored in one transaction.

Nothing is stored until every file has been read and every span has passed (`checks.py`), so a
bad file leaves the history as it was. Documents exported by propscan keep their analysis id and
become that analysis's review when its text is unchanged; others become new reviewed analyses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..store.sqlite import AnalysisStore, ImportedDocument
from . import brat, doccano, label_studio, ptc
from .checks import LabelMap, checked_spans

READERS = {"label-studio": label_studio.read, "brat": brat.read, "doccano": doccano.read, "ptc": ptc.read}


@dataclass(frozen=True)
class ImportSummary:
    documents: int
    new: int  # stored as new analyses (the rest became reviews of analyses already stored)
    spans: int
    unreviewed: int  # Label Studio tasks without an annotation, left out
    converted: list[str]  # documents whose UTF-16 offsets were converted to code points


def detect(path: Path) -> str:
    """The format of a file or folder, from what it holds."""
    path = Path(path)
    if path.is_dir():
        if any(path.rglob("*.ann")):
            return "brat"
        if any(path.glob("article*.txt")):
            return "ptc"
        raise InputError("cannot tell the format of this folder (no .ann files, no articleID.txt files); "
                         "give --format", source=str(path))
    if not path.is_file():
        raise InputError("no such file or folder", source=str(path))
    suffix = path.suffix.lower()
    if suffix == ".ann":
        return "brat"
    if suffix == ".jsonl":
        return "doccano"
    if suffix == ".json":
        return "label-studio"
    if suffix in (".tsv", ".labels") or path.name.endswith(".labels.txt"):
        return "ptc"
    raise InputError("cannot tell the format from the name (.json, .jsonl, .ann, .tsv or a folder); give --format",
                     source=str(path))


def read_documents(paths: list[Path], fmt: str | None = None,
                   labels: LabelMap | None = None) -> tuple[list[ImportedDocument], int, list[str]]:
    """Every document of every file, checked; raises InputError at the first problem."""
    labels = labels or LabelMap()
    docs, unreviewed, converted = [], 0, []
    for path in paths:
        name = fmt or detect(path)
        if name not in READERS:
            raise InputError(f"unknown format {name!r}; known: {', '.join(READERS)}")
        if not Path(path).exists():
            raise InputError("no such file or folder", source=str(path))
        raw, skipped = READERS[name](Path(path))
        unreviewed += skipped
        for doc in raw:
            spans, was_utf16 = checked_spans(doc, labels)
            if was_utf16:
                converted.append(doc.where)
            docs.append(ImportedDocument(doc.text, spans, id=doc.id, title=doc.title, source=doc.source))
    return docs, unreviewed, converted


def import_files(paths: list[Path], db: Path, *, fmt: str | None = None, label_map: Path | None = None,
                 reviewer: str = "import") -> ImportSummary:
    labels = LabelMap.load(label_map) if label_map is not None else LabelMap()
    docs, unreviewed, converted = read_documents(paths, fmt, labels)
    store = AnalysisStore(db)
    try:
        stored = store.import_reviewed(docs, reviewer)
    finally:
        store.close()
    return ImportSummary(len(docs), sum(new for _, new in stored), sum(len(d.spans) for d in docs), unreviewed,
                         converted)
