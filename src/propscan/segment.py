"""Split an article into sentence-aligned token windows for the encoder.

Training and inference use this same code, so the model always sees windows cut the
way it was trained on. Windows end at sentence boundaries where possible; a sentence
longer than a window is cut into overlapping windows, so no text is ever dropped.

These sentence cuts are the detector's only (its windows, whole-sentence spans, sections and
CV tuning), kept until the model is next retrained: they split after "Feb." and "Sen.".
What readers are shown as sentences (claims, reasons, attribution, titles) is cut by
propscan.sentences.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# A sentence ends at a newline, or after ., ! or ? (plus closing quotes/brackets)
# followed by white space and something that can start a sentence.
_SENTENCE_END = re.compile(r"\n+|(?<=[.!?])[\"'”’)\]]*[ \t]+(?=[\"'“‘(\[]?[A-Z0-9])")

WINDOW_TOKENS = 126  # content tokens per window; +[CLS] +[SEP] = 128 positions
OVERLAP_TOKENS = 32  # shared tokens between the pieces of an over-long sentence
# window sizes a model may be trained with: above the overlap, so an over-long sentence's pieces
# advance; at most 510 + [CLS] + [SEP] = the encoder's 512 positions
MIN_WINDOW, MAX_WINDOW = 40, 510


@dataclass(frozen=True)
class Window:
    """Tokens [start, stop) of an article's token sequence, seen together by the encoder."""

    start: int
    stop: int


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Character ranges of sentences (white space at the edges excluded)."""
    bounds = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((pos, match.start()))
        pos = match.end()
    bounds.append((pos, len(text)))
    out = []
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def sentence_token_ranges(offsets: list[tuple[int, int]], sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Map sentence character ranges onto token index ranges (each token to one sentence)."""
    ranges = []
    tok = 0
    n = len(offsets)
    for _, send in sentences:
        first = tok
        while tok < n and offsets[tok][0] < send:
            tok += 1
        if tok > first:
            ranges.append((first, tok))
    if tok < n:  # tokens after the last sentence (should not happen, but never drop text)
        if ranges:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((tok, n))
    return ranges


def pack_windows(
    sentence_ranges: list[tuple[int, int]],
    size: int = WINDOW_TOKENS,
    overlap: int = OVERLAP_TOKENS,
) -> list[Window]:
    """Greedily pack whole sentences into windows of at most ``size`` tokens."""
    windows: list[Window] = []
    cur_start: int | None = None
    cur_stop = 0
    for s, e in sentence_ranges:
        if e - s > size:
            if cur_start is not None:
                windows.append(Window(cur_start, cur_stop))
                cur_start = None
            step = size - overlap
            pos = s
            while True:
                windows.append(Window(pos, min(pos + size, e)))
                if pos + size >= e:
                    break
                pos += step
            continue
        if cur_start is None:
            cur_start, cur_stop = s, e
        elif e - cur_start <= size:
            cur_stop = e
        else:
            windows.append(Window(cur_start, cur_stop))
            cur_start, cur_stop = s, e
    if cur_start is not None:
        windows.append(Window(cur_start, cur_stop))
    return windows


def windows_for(text: str, offsets: list[tuple[int, int]], size: int = WINDOW_TOKENS) -> list[Window]:
    """All windows covering every token of ``text``."""
    return pack_windows(sentence_token_ranges(offsets, sentence_bounds(text)), size=size)


def token_range(offsets: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Indices [first, stop) of the tokens overlapping characters [start, end); empty if none.

    Token starts and ends both increase along the text, so two binary searches find the
    range (a linear scan per span made long articles quadratic).
    """
    first = bisect.bisect_right(offsets, start, key=lambda o: o[1])  # first token ending after start
    stop = bisect.bisect_left(offsets, end, lo=first, key=lambda o: o[0])  # first token starting at/after end
    if first >= stop:
        return (0, 0)
    return (first, stop)


def sentence_cover(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The whole sentences that characters [start, end) touch; the span itself if it touches none.

    Annotators mark argument-level techniques (Doubt, Causal Oversimplification, ...) as whole
    sentences, while the tagger lights up only part of one.
    """
    i = bisect.bisect_right(sentences, start, key=lambda b: b[0]) - 1
    j = bisect.bisect_right(sentences, max(start, end - 1), key=lambda b: b[0]) - 1
    if j < 0:
        return start, end
    i = max(i, 0)
    return min(start, sentences[i][0]), max(end, sentences[j][1])


def best_window(windows: list[Window], first: int, stop: int) -> int:
    """Index of the window that holds most of tokens [first, stop), preferring central ones."""
    best, best_key = 0, None
    for i, w in enumerate(windows):
        inside = min(stop, w.stop) - max(first, w.start)
        if inside <= 0:
            continue
        margin = min(first - w.start, w.stop - stop)
        key = (inside, margin)
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best
