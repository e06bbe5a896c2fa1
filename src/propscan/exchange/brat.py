"""brat standoff: NAME.txt holds the text, NAME.ann its spans ('T1<TAB>Type START END<TAB>text').

brat type names cannot hold commas, so techniques are written with '-' for ',' (annotation.conf in
the export lists them); both spellings are read. A span over a line break is written whole, its
text with spaces for the line break characters; a span in fragments ('0 5;7 12', as brat itself
writes one over lines) is read as one when only white space lies between its fragments.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import techniques
from ..errors import InputError
from ..ptc import read_utf8
from .checks import brat_name
from .documents import ExportDocument, RawDocument, RawSpan
from .folders import new_folder, safe_name, write_text

_LINE_BREAK = re.compile(r"[\r\n]")


def annotation_conf() -> str:
    entities = "\n".join(brat_name(name) for name in techniques.NAMES)
    return f"[entities]\n{entities}\n[relations]\n[events]\n[attributes]\n"


def ann(doc: ExportDocument) -> str:
    return "".join(f"T{n}\t{brat_name(t)} {s} {e}\t{_LINE_BREAK.sub(' ', doc.text[s:e])}\n"
                   for n, (s, e, t) in enumerate(doc.spans(), 1))


def write(docs: list[ExportDocument], folder: Path) -> list[Path]:
    with new_folder(folder) as tmp:
        for doc in docs:
            write_text(tmp / f"{safe_name(doc.id)}.txt", doc.text)
            write_text(tmp / f"{safe_name(doc.id)}.ann", ann(doc))
        write_text(tmp / "annotation.conf", annotation_conf())
    return [folder]


def _offsets(field: str, where: str, text: str) -> tuple[int, int]:
    try:
        fragments = [tuple(int(x) for x in part.split()) for part in field.split(";")]
    except ValueError:
        raise InputError(f"{where}: offsets {field!r} are not whole numbers") from None
    if not fragments or any(len(f) != 2 for f in fragments):
        raise InputError(f"{where}: offsets {field!r} are not 'START END' (or fragments joined by ';')")
    for (_, end), (start, _) in zip(fragments, fragments[1:]):
        if text[end:start].strip() or start < end:
            raise InputError(f"{where}: a span in fragments with text between them ({field}); "
                             "propscan's passages are continuous")
    return fragments[0][0], fragments[-1][1]


def read_pair(ann_path: Path) -> RawDocument:
    txt_path = ann_path.with_suffix(".txt")
    if not txt_path.is_file():
        raise InputError(f"no text file {txt_path.name} beside it", source=str(ann_path))
    text = read_utf8(txt_path)
    doc_id = ann_path.stem
    where = f"{ann_path}"
    spans = []
    for number, line in enumerate(read_utf8(ann_path).split("\n"), 1):
        line = line.rstrip("\r")
        if not line.startswith("T"):
            continue  # relations, events, attributes and notes carry no span
        parts = line.split("\t")
        head = parts[1].split(" ", 1) if len(parts) >= 2 else []
        if len(parts) < 2 or len(head) != 2:
            raise InputError(f"{where}: line {number}: expected 'T1<TAB>Type START END<TAB>text'")
        start, end = _offsets(head[1], f"{where}: line {number}", text)
        spans.append(RawSpan(start, end, head[0], "\t".join(parts[2:]) if len(parts) > 2 else None, len(spans) + 1))
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return RawDocument(f"{where} (document {doc_id})", text, spans, id=doc_id, title=title,
                       source=txt_path.name, text_compare="brat")


def read(path: Path) -> tuple[list[RawDocument], int]:
    """A .ann file (its .txt beside it), or a folder of them (searched recursively)."""
    paths = sorted(Path(path).rglob("*.ann")) if Path(path).is_dir() else [Path(path)]
    if not paths:
        raise InputError("no .ann files in this folder", source=str(path))
    return [read_pair(p) for p in paths], 0
