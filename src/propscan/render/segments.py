"""Cut a document's text into pieces at span boundaries, for renderers that highlight.

Spans of different techniques may overlap; each piece knows every span covering it, and
which one to show on top (the most confident).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from ..doc import AnalysedDocument, Attribution, Claim, Span


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    spans: tuple[int, ...]  # indexes into the document's sorted span list, top span first


def sorted_spans(doc: AnalysedDocument) -> list[Span]:
    return sorted(doc.spans, key=lambda s: (s.start, s.end, s.technique))


def sorted_claims(doc: AnalysedDocument) -> list[Claim]:
    return sorted(doc.claims or [], key=lambda c: c.start)


def pieces(doc: AnalysedDocument) -> list[Piece]:
    """Consecutive pieces covering the whole text (a sweep, so long documents stay fast)."""
    spans = sorted_spans(doc)
    cuts = {0, len(doc.text)}
    for s in spans:
        cuts.update((s.start, s.end))
    for c in doc.claims or []:  # so a claim's marking opens and closes between pieces
        cuts.update((c.start, c.end))
    for a, b in doc.quoted_ranges:  # so each piece is wholly inside or outside quoted material
        cuts.update((a, b))
    bounds = sorted(cuts)
    out = []
    active: list[int] = []
    nxt = 0
    for a, b in zip(bounds, bounds[1:]):
        active = [i for i in active if spans[i].end > a]
        while nxt < len(spans) and spans[nxt].start <= a:
            if spans[nxt].end > a:
                active.append(nxt)
            nxt += 1
        top = tuple(sorted(active, key=lambda i: -spans[i].confidence))
        out.append(Piece(a, b, top))
    return out


def quote_at(doc: AnalysedDocument) -> Callable[[int], Attribution | None]:
    """For a character offset, the attribution whose content holds it (quoted material), if any."""
    found, seen = [], set()
    for a in sorted(doc.attributions or [], key=lambda a: a.content):  # stable: the nearest cue's first
        if a.content not in seen:
            seen.add(a.content)
            found.append(a)
    starts = [a.content[0] for a in found]

    def lookup(pos: int) -> Attribution | None:
        k = bisect.bisect_right(starts, pos) - 1
        return found[k] if k >= 0 and found[k].content[0] <= pos < found[k].content[1] else None

    return lookup
