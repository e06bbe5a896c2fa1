"""From the tagger's probabilities to attributions: spans per role, quotations, joined."""

from __future__ import annotations

import numpy as np

from .link import SCARE_QUOTE_WORDS, link, overlaps
from .polnear import Attribution
from .quotes import find_quotes
from .tags import spans_from_tags


# The tagger's probabilities are read with O weighted down: it misses more than it invents (recall
# 0.62-0.74 against precision 0.79-0.87 on PolNeAR dev). Chosen on the tuning tenth of PolNeAR train
# among 0.45-1.0 (mean overlap F1 0.780 -> 0.790; pairing 0.589 -> 0.616).
O_WEIGHT = 0.6


_EDGE = " \t\n,;"  # a full stop stays: "Jr.", "U.S."


# Only cues: PolNeAR's sources keep a closing comma ("Jim Smith, a spokesman,") in one case in twenty,
# and trimming them cost 0.014 exact-match F1 on the tuning tenth; shown speakers are trimmed anyway.
def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A cue without the commas a token run can take at its edges ("added," is shown as "added"); a
    cue that is only punctuation (":") stays as it is."""
    piece = text[start:end]
    core = piece.strip(_EDGE)
    if not core:
        return start, end
    left = len(piece) - len(piece.lstrip(_EDGE))
    return start + left, start + left + len(core)


# A content no cue chose is kept only when the tagger is sure of it or it holds a quotation: below
# a mean probability of 0.6, half of such contents' characters lay outside PolNeAR's contents (tuning
# tenth). 0.5 and 0.6 scored the same content F1 (+0.002 over keeping all); 0.6 is the more precise,
# and a passage wrongly called quoted is hidden by the author-only switch.
LONE_MIN = 0.6


def attributions_from(text: str, probs: np.ndarray, offsets: list[tuple[int, int]]) -> list[Attribution]:
    weights = np.ones(probs.shape[-1], dtype=probs.dtype)
    weights[0] = O_WEIGHT
    runs = spans_from_tags(probs * weights, offsets, text)
    spans = [(role, *trimmed(text, s, e)) if role == "Cue" else (role, s, e) for role, s, e, _ in runs]
    quotes = find_quotes(text)
    sure = [s for role, s, _, p in runs if role == "Content" and p >= LONE_MIN]
    return [a for a in link(text, spans, quotes) if a.cue is not None or _lone_kept(text, a.content, sure, quotes)]


def _lone_kept(text: str, content: tuple[int, int], sure: list[int], quotes: list[tuple[int, int]]) -> bool:
    """A content with no cue: kept when it holds a quotation longer than a scare quote, or when the
    tagger is sure of it and it is not the headline (the first line: PolNeAR, which the tagger
    learned from, has no headlines, and it took "Why Greyport Cannot Afford ..." for reported speech)."""
    if any(overlaps(q, content) and len(text[q[0] : q[1]].split()) > SCARE_QUOTE_WORDS for q in quotes):
        return True
    first_line_end = text.find("\n", len(text) - len(text.lstrip()))
    on_first_line = 0 <= content[0] < first_line_end
    return not on_first_line and any(content[0] <= s < content[1] for s in sure)
