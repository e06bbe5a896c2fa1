"""The voice of each technique span: the author's own, or quoted from someone.

A span is quoted when most of its characters lie inside an attribution's content; its speaker is
that attribution's source. "He called them thugs" in the article's own words and "they are
thugs," he said are different acts, and readers need to tell them apart.
"""

from __future__ import annotations

from dataclasses import replace

from ..doc import AnalysedDocument, Attribution, Span
from . import polnear
from .link import for_document

QUOTED_SHARE = 0.5


def with_voice(spans: list[Span], attributions: list[Attribution]) -> list[Span]:
    out = []
    for s in spans:
        best, share = None, 0.0
        for a in attributions:
            inside = max(0, min(s.end, a.content[1]) - max(s.start, a.content[0])) / (s.end - s.start)
            if inside > share:
                best, share = a, inside
        if best is not None and share > QUOTED_SHARE:
            out.append(replace(s, voice="quoted", speaker=best.source))
        else:
            out.append(replace(s, voice="author", speaker=None))
    return out


def shifted(a: polnear.Attribution, offset: int) -> polnear.Attribution:
    """An attribution found in a section, with offsets into the whole text."""

    def move(r):
        return (r[0] + offset, r[1] + offset) if r else None

    return polnear.Attribution(move(a.content), move(a.cue), move(a.source))


def add_voices(doc: AnalysedDocument, found: list[polnear.Attribution], fits: bool) -> None:
    """Set doc.attributions and each span's voice, or say why not."""
    if not fits:
        doc.warnings.append("attribution needs the detector it was trained with; this model is "
                            f"{doc.model_version}, so quotes and voices were skipped")
        return
    if doc.language != "en":
        doc.warnings.append("no attributions: the text does not look like English")
        return
    doc.attributions = for_document(doc.text, found)
    doc.spans = with_voice(doc.spans, doc.attributions)


def quoted_passages(doc: AnalysedDocument) -> list[tuple[int, int, str | None]]:
    """The passages a reader is shown as someone else's words or thoughts, with the speaker's name
    (None when unresolved): what the hand-checked voice benchmark scores."""
    return [(a.content[0], a.content[1], a.source.name if a.source else None) for a in doc.attributions]
