"""Tagged spans (sources, cues, contents) and quotations joined into attributions, as PolNeAR
annotates them (which of them readers see, and who the sources are: reported.py, speakers.py).

Joining: each cue takes the nearest content and the nearest source beside it; a content no cue
takes stands alone. A quotation found by its quote marks is a content whatever the tagger says (a
tagged content that overlaps it grows to hold it whole), unless it is a scare quote: three words or
fewer with no cue beside it (the so-called "experts" is the author speaking).
"""

from __future__ import annotations

import re

from .polnear import Attribution
from .quotes import QUOTE_MARKS

MAX_CUE_GAP = 250  # characters between a content and its cue
MAX_SOURCE_GAP = 120  # between a cue and its source


def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two ranges; 0 when they touch or overlap."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _merge_quotes(contents: list[tuple[int, int]], quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = list(contents)
    for q in quotes:
        hits = [i for i, c in enumerate(out) if overlaps(c, q)]
        if not hits:
            out.append(q)
            continue
        start = min([q[0]] + [out[i][0] for i in hits])
        end = max([q[1]] + [out[i][1] for i in hits])
        out = [c for i, c in enumerate(out) if i not in hits] + [(start, end)]
    return sorted(out)


MIN_CONTENT_WORDS = 3  # a tagged "content" of a word or two is noise
SCARE_QUOTE_WORDS = 3  # a quotation this short with no cue beside it is the author's scare quote ("experts")
CUE_NEAR = 40


def _said(quotes: list[tuple[int, int]], cues: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Quotations that report someone's words: long ones, and short ones with a cue beside them."""
    return [q for q in quotes if len(text[q[0] : q[1]].split()) > SCARE_QUOTE_WORDS
            or any(gap(q, c) <= CUE_NEAR for c in cues)]


_FILLER = re.compile(rf"[\s,\-–—{QUOTE_MARKS}]*")  # no sentence end: "A," he said. "B" is two contents


def _join_interrupted(text: str, contents: list[tuple[int, int]], cues: list[tuple[int, int]],
                      sources: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A content its own cue interrupts ("Judge," Brafman said, "I have never ...") is one content,
    as PolNeAR annotates it: two neighbouring contents join when what lies between them is a cue,
    perhaps a source, and commas, dashes or quote marks. On the tuning tenth: pairing +0.018,
    content F1 unchanged (joining across full stops as well cost 0.005)."""
    out: list[tuple[int, int]] = []
    for c in sorted(contents):
        if out and _interruption(text, out[-1][1], c[0], cues, sources):
            out[-1] = (out[-1][0], max(out[-1][1], c[1]))
        else:
            out.append(c)
    return out


def _interruption(text: str, start: int, end: int, cues: list[tuple[int, int]], sources: list[tuple[int, int]]) -> bool:
    inside = sorted(x for x in cues + sources if start <= x[0] and x[1] <= end)
    if "\n" in text[start:end] or not any(c in inside for c in cues):
        return False
    # the first piece breaks off with a comma or a dash ("Judge," Brafman said), not a full stop
    if not text[max(0, start - 2) : inside[0][0]].rstrip().rstrip(QUOTE_MARKS).endswith((",", "—", "–", "-")):
        return False
    rest, at = [], start
    for a, b in inside:
        rest.append(text[at:a])
        at = b
    rest.append(text[at:end])
    return all(_FILLER.fullmatch(piece) for piece in rest)


def link(text: str, spans: list[tuple[str, int, int]], quotes: list[tuple[int, int]]) -> list[Attribution]:
    """Every cue joins its nearest content and the source nearest to it; a content no cue chose
    stands alone (the article reports it, and does not say who said it). A content several cues
    chose is listed once per cue, the nearest first: dropping the others cost 0.04-0.05 cue and
    source F1 on the tuning tenth of PolNeAR train."""
    cues = [(s, e) for r, s, e in spans if r == "Cue"]
    sources = [(s, e) for r, s, e in spans if r == "Source"]
    said = _said(quotes, cues, text)
    joined = _join_interrupted(text, _merge_quotes([(s, e) for r, s, e in spans if r == "Content"], said), cues, sources)
    contents = [c for c in joined if len(text[c[0] : c[1]].split()) >= MIN_CONTENT_WORDS or any(overlaps(c, q) for q in said)]
    out, claimed = [], set()
    for cue in cues:
        content = min(contents, key=lambda c: gap(c, cue), default=None)
        if content is None or gap(content, cue) > MAX_CUE_GAP:
            continue
        source = min(sources, key=lambda x: gap(x, cue), default=None)
        if source is not None and (gap(source, cue) > MAX_SOURCE_GAP or overlaps(source, content)
                                   and not overlaps(cue, content)):
            source = None
        out.append(Attribution(content, cue, source))
        claimed.add(content)
    out += [Attribution(c, None, None) for c in contents if c not in claimed]
    # a content several cues chose comes first with its nearest cue: readers are shown that one's speaker
    return sorted(out, key=lambda a: (a.content, gap(a.cue, a.content) if a.cue else MAX_CUE_GAP + 1))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
