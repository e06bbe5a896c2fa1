"""PTC (SemEval-2020 Task 11): articleID.txt files and a labels file of
'id<TAB>technique<TAB>start<TAB>end' lines, offsets in code points, as the corpus and its scorer use.
PTC keeps no span text, so offsets are checked for range only."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..errors import InputError
from ..ptc import read_utf8
from .documents import ExportDocument, RawDocument, RawSpan
from .folders import new_folder, safe_name, write_text

LABELS = "labels.tsv"
_ARTICLE = re.compile(r"^article(.+)\.txt$")


def write(docs: list[ExportDocument], folder: Path) -> list[Path]:
    lines = []
    with new_folder(folder) as tmp:
        for doc in docs:
            name = safe_name(doc.id)
            write_text(tmp / f"article{name}.txt", doc.text)
            lines += [f"{name}\t{t}\t{s}\t{e}\n" for s, e, t in doc.spans()]
        write_text(tmp / LABELS, "".join(lines))
    return [folder]


def _labels_file(folder: Path) -> Path:
    found = [p for p in sorted(folder.iterdir()) if p.is_file() and not _ARTICLE.match(p.name)
             and (p.suffix in (".tsv", ".labels") or p.name.endswith(".labels.txt"))]
    if len(found) != 1:
        raise InputError(f"expected one labels file (.tsv or .labels) beside the article files, found "
                         f"{len(found)}" + (f": {', '.join(p.name for p in found)}" if found else ""),
                         source=str(folder))
    return found[0]


def read(path: Path) -> tuple[list[RawDocument], int]:
    """A folder of articleID.txt files with its labels file, or the labels file (articles beside it)."""
    path = Path(path)
    labels, folder = (_labels_file(path), path) if path.is_dir() else (path, path.parent)
    articles = {m.group(1): p for p in sorted(folder.iterdir()) if (m := _ARTICLE.match(p.name)) and p.is_file()}
    spans: dict[str, list[RawSpan]] = defaultdict(list)
    for number, line in enumerate(read_utf8(labels).removeprefix("\ufeff").split("\n"), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 4:
            raise InputError(f"line {number}: expected 4 tab-separated columns (id, technique, start, end), "
                             f"got {len(parts)}", source=str(labels))
        article, technique, start, end = parts
        if article not in articles:
            raise InputError(f"line {number}: no file article{article}.txt for article {article!r}", source=str(labels))
        try:
            start, end = int(start), int(end)
        except ValueError:
            raise InputError(f"line {number}: start and end must be whole numbers, got {start!r} and {end!r}",
                             source=str(labels)) from None
        spans[article].append(RawSpan(start, end, technique, None, len(spans[article]) + 1))
    docs = []
    for article, txt in articles.items():
        text = read_utf8(txt)
        title = next((line.strip() for line in text.splitlines() if line.strip()), "")
        docs.append(RawDocument(f"{labels}: article {article}", text, spans.get(article, []), id=article,
                                title=title, source=txt.name))
    return docs, 0
