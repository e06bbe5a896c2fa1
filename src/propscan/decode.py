"""Turn token probabilities into character spans on word boundaries."""

from __future__ import annotations

import numpy as np

from .detect import TokenScores


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "'’-"


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) so it neither starts nor ends inside a word."""
    while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
        start -= 1
    while end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
        end += 1
    return start, end


def decode_spans(scores: TokenScores, threshold: float, extend: float = 0.0) -> list[tuple[int, int, float]]:
    """(start, end, mean inside-probability) of each predicted propaganda span.

    A span is a run of tokens whose inside-probability reaches ``threshold - extend`` and that
    holds at least one token reaching ``threshold`` (hysteresis: a confident core, grown over
    its less certain edges, where annotators' spans usually go on). A token the tagger thinks
    *begins* a span (B more likely than I, and confident) starts a new one inside a run.
    """
    inside = scores.inside
    begins = (scores.bio[:, 1] > scores.bio[:, 2]) & (inside >= threshold)
    return _hysteresis_runs(scores, inside, threshold, extend, begins)


def channel_spans(scores: TokenScores, channel: int, threshold: float, extend: float = 0.0) -> list[tuple[int, int, float]]:
    """(start, end, mean probability) of runs of one technique's token channel, with the same
    hysteresis as `decode_spans`. Word-level techniques (Loaded Language, Name Calling) are
    marked more precisely by their own channel than by the span classifier's label."""
    return _hysteresis_runs(scores, scores.tech[:, channel], threshold, extend)


def _hysteresis_runs(scores: TokenScores, probs: np.ndarray, threshold: float, extend: float,
                     begins: np.ndarray | None = None) -> list[tuple[int, int, float]]:
    offsets = scores.encoded.offsets
    spans = []
    first = None
    for i in range(len(offsets) + 1):
        on = i < len(offsets) and probs[i] >= threshold - extend
        starts_new = on and first is not None and begins is not None and bool(begins[i])
        if first is not None and (not on or starts_new):
            if probs[first:i].max() >= threshold:
                s, e = snap_to_words(scores.text, offsets[first][0], offsets[i - 1][1])
                spans.append((s, e, float(np.mean(probs[first:i]))))
            first = None
        if on and first is None:
            first = i
    return merge_overlaps(spans)


def merge_overlaps(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Merge spans that overlap after snapping (keeps the higher score)."""
    out: list[tuple[int, int, float]] = []
    for s, e, p in sorted(spans):
        if out and s < out[-1][1]:
            ps, pe, pp = out[-1]
            out[-1] = (ps, max(pe, e), max(pp, p))
        else:
            out.append((s, e, p))
    return out
