"""Every span read from a file checked before anything is stored: its label, its offsets, its text.

Offsets are code points. JavaScript tools count UTF-16 code units instead, which differ after the
first character outside the Basic Multilingual Plane (an emoji): a document whose spans only fit
the text when counted in UTF-16 is converted, whole; one whose spans fit neither way is refused,
naming the document and the first span that does not fit.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import techniques
from ..errors import InputError
from ..ptc import read_utf8
from ..review import SpanKey
from .documents import RawDocument, RawSpan


def brat_name(technique: str) -> str:
    """brat type names cannot hold commas: 'Name_Calling,Labeling' is written 'Name_Calling-Labeling'."""
    return technique.replace(",", "-")


KNOWN = {name: name for name in techniques.NAMES} | {brat_name(name): name for name in techniques.NAMES}


class LabelMap:
    """Labels as files name them -> technique names. A label mapped to null is dropped on purpose."""

    def __init__(self, mapping: dict[str, str | None] | None = None, source: str = ""):
        self.mapping, self.source = dict(mapping or {}), source
        for label, technique in self.mapping.items():
            if technique is not None and technique not in KNOWN:
                raise InputError(f"maps {label!r} to {technique!r}, which is no technique; known: "
                                 f"{', '.join(techniques.NAMES)}", source=source)

    @classmethod
    def load(cls, path: Path) -> LabelMap:
        """A JSON object {"their label": "Technique_Name" or null}, or lines 'their label<TAB>Technique_Name'."""
        text = read_utf8(path).removeprefix("\ufeff")
        if text.lstrip().startswith("{"):
            try:
                mapping = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                                 source=str(path)) from None
            if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()):
                raise InputError("the label map's values must be technique names or null", source=str(path))
            return cls(mapping, str(path))
        mapping = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise InputError(f"line {number}: expected 'their label<TAB>Technique_Name'", source=str(path))
            mapping[parts[0].strip()] = parts[1].strip() or None
        return cls(mapping, str(path))

    def technique(self, label) -> str | None:
        """The technique `label` stands for; None when mapped away; KeyError when unknown."""
        if isinstance(label, str) and label in self.mapping:
            target = self.mapping[label]
            return None if target is None else KNOWN[target]
        if isinstance(label, str) and label in KNOWN:
            return KNOWN[label]
        raise KeyError(label)


def _name(doc: RawDocument, span: RawSpan) -> str:
    return f"{doc.where}, span {span.number} ({span.start}-{span.end} {span.label})"


def _same_text(given: str, found: str, mode: str) -> bool:
    if mode == "brat":  # brat writes a span over lines with its line breaks as spaces
        return given.split() == found.split()
    return given == found


def utf16_positions(text: str) -> list[int | None]:
    """Code-point offset at each UTF-16 offset (None inside a surrogate pair), for 0..UTF-16 length."""
    out: list[int | None] = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(None)
    out.append(len(text))
    return out


def _problem(doc: RawDocument, start: int, end: int, given: str | None) -> str | None:
    if not 0 <= start < end <= len(doc.text):
        return f"offsets out of range: the text has {len(doc.text)} characters (start must be before end)"
    if given is not None and not _same_text(given, doc.text[start:end], doc.text_compare):
        return f"text mismatch: the file says {given[:60]!r}, the document has {doc.text[start:end][:60]!r} there"
    return None


def checked_spans(doc: RawDocument, labels: LabelMap) -> tuple[list[SpanKey], bool]:
    """The document's spans as (start, end, technique) in code points, each checked, duplicates once;
    and whether they were converted from UTF-16 offsets.
    Raises InputError naming the document and the first span that cannot be taken."""
    spans: list[tuple[RawSpan, str]] = []
    for span in doc.spans:
        try:
            technique = labels.technique(span.label)
        except (KeyError, TypeError):
            raise InputError(f"{_name(doc, span)}: unknown label {span.label!r}; known: {', '.join(techniques.NAMES)}"
                             " (or map it with --label-map FILE)") from None
        if technique is None:
            continue
        if type(span.start) is not int or type(span.end) is not int:
            raise InputError(f"{_name(doc, span)}: start and end must be whole numbers")
        spans.append((span, technique))
    problems = [(s, p) for s, _ in spans if (p := _problem(doc, s.start, s.end, s.text))]
    if not problems:
        return sorted({(s.start, s.end, t) for s, t in spans}), False
    converted = _from_utf16(doc, spans)
    if converted is not None:
        return converted, True
    span, problem = problems[0]
    astral = any(ord(ch) > 0xFFFF for ch in doc.text)
    hint = " (nor do they fit as UTF-16 offsets)" if astral else ""
    raise InputError(f"{_name(doc, span)}: {problem}{hint}; nothing was imported")


def _from_utf16(doc: RawDocument, spans: list[tuple[RawSpan, str]]) -> list[SpanKey] | None:
    """The spans converted from UTF-16 offsets, if every one of them fits the text that way."""
    if not any(ord(ch) > 0xFFFF for ch in doc.text):
        return None  # the two countings agree: nothing to convert
    positions = utf16_positions(doc.text)
    out = set()
    for span, technique in spans:
        if not 0 <= span.start < span.end < len(positions):
            return None
        start, end = positions[span.start], positions[span.end]
        if start is None or end is None or _problem(doc, start, end, span.text) is not None:
            return None
        out.add((start, end, technique))
    return sorted(out)
