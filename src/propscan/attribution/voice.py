"""The voice of each technique span: the author's own, or quoted from someone; and which of the
tagger's attributions the document keeps for that (`for_document`).

A span is quoted when most of its characters lie inside an attribution's content; its speaker is
that attribution's source. "He called them thugs" in the article's own words and "they are
thugs," he said are different acts, and readers need to tell them apart.
"""

from __future__ import annotations

from dataclasses import replace

from ..doc import AnalysedDocument, Attribution, Span, Speaker
from . import polnear
from .link import overlaps
from .posts import embedded_posts
from .quotes import find_quotes
from .reported import reported
from .speakers import resolve_all

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


def for_document(text: str, found: list[polnear.Attribution], reported_only: bool = True) -> list[Attribution]:
    """Attributions as the document keeps them. By default only someone else's words or thoughts
    (reported.py) and posts embedded with their signature (posts.py), each source resolved to the
    person or organisation it names (speakers.py); a passage whose source is "I" or "we" outside any
    quotation is the author's and is left out.
    ``reported_only=False``: every attribution the tagger found, as PolNeAR annotates them (beliefs,
    intentions and deeds too), sources unresolved; what `evaluate --polnear` scores."""
    if not reported_only:
        return [Attribution(a.content, a.cue, Speaker(*a.source, text[a.source[0] : a.source[1]]) if a.source else None)
                for a in found if a.content is not None]
    quotes = find_quotes(text)
    voiced = reported(text, found, quotes)
    with_source = [a for a in voiced if a.source]
    found_speakers = dict(zip((a.content for a in with_source),
                              resolve_all(text, [(a.source, a.content, a.cue) for a in with_source],
                                          quotes + [a.content for a in voiced])))
    kept = [a for a in voiced if not (a.content in found_speakers and found_speakers[a.content].author
                                      and not _within_other(a, voiced))]
    out = []
    for a in kept:
        name = None
        if a.source:
            who = found_speakers[a.content]
            outer = _within_other(a, kept) if who.author else None
            name = found_speakers[outer.content].name if outer is not None and outer.source else who.name
        source = Speaker(*a.source, text[a.source[0] : a.source[1]], name) if a.source else None
        out.append(Attribution(a.content, a.cue, source))
    posts = embedded_posts(text)  # a post is its signer's whole, whatever the tagger made of it
    out = [a for a in out if not any(overlaps(a.content, p.content) for p, _ in posts)]
    out += [Attribution(p.content, None, Speaker(*p.source, text[p.source[0] : p.source[1]], name)) for p, name in posts]
    return sorted(out, key=lambda a: a.content)


def _within_other(a: polnear.Attribution, others: list[polnear.Attribution]) -> polnear.Attribution | None:
    """The quotation a first-person source speaks inside ("I told him," she said: I is she)."""
    return next((o for o in others if o is not a and o.content[0] <= a.source[0] and a.source[1] <= o.content[1]), None)


def add_voices(doc: AnalysedDocument, found: list[polnear.Attribution], fits: bool, reported_only: bool = True) -> None:
    """Set doc.attributions and each span's voice, or say why not."""
    if not fits:
        doc.warnings.append("attribution needs the detector it was trained with; this model is "
                            f"{doc.model_version}, so quotes and voices were skipped")
        return
    if doc.language != "en":
        doc.warnings.append("no attributions: the text does not look like English")
        return
    doc.attributions = for_document(doc.text, found, reported_only)
    doc.spans = with_voice(doc.spans, doc.attributions)


def quoted_passages(doc: AnalysedDocument) -> list[tuple[int, int, str | None]]:
    """The passages a reader is shown as someone else's words or thoughts, with the speaker's name
    (None when unresolved): what the hand-checked voice benchmark scores."""
    return [(a.content[0], a.content[1], a.source.name if a.source else None) for a in doc.attributions]
