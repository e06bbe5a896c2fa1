"""Text formats: JSON documents and PTC/SemEval tab-separated lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..doc import AnalysedDocument
from ..explain import explanations
from .segments import sorted_spans

_ARTICLE_FILE = re.compile(r"^article(\w+)\.txt$")


def document_id(source: str) -> str:
    """NNN for a corpus file articleNNN.txt (as in PTC label files), else the source itself."""
    m = _ARTICLE_FILE.match(Path(source).name)
    return m.group(1) if m else source


def json_dict(doc: AnalysedDocument) -> dict:
    """The documented JSON schema: the document plus the techniques it uses, explained."""
    data = doc.to_dict()
    data["techniques"] = explanations(doc)
    return data


def to_json(doc: AnalysedDocument, *, indent: int | None = 2) -> str:
    return json.dumps(json_dict(doc), ensure_ascii=False, indent=indent)


def to_ptc(doc: AnalysedDocument) -> str:
    """One `id<TAB>technique<TAB>start<TAB>end` line per span."""
    aid = document_id(doc.source)
    return "".join(f"{aid}\t{s.technique}\t{s.start}\t{s.end}\n" for s in sorted_spans(doc))
