"""Name the technique of each span: pooled encoder states + article context -> span head."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import techniques
from .detect import TokenScores, session
from .features import ArticleContext
from .segment import best_window, token_range


def span_rows(scores: TokenScores, spans: list[tuple[int, int]], hidden: list[np.ndarray]):
    """Each span's input row (mean, first, last token and the window's first state, then article
    context features) from per-window states ``hidden``; and which spans have tokens."""
    context = ArticleContext(scores.text)
    rows, valid = [], []
    for k, (s, e) in enumerate(spans):
        a, b = token_range(scores.encoded.offsets, s, e)
        if b <= a:
            continue
        wi = best_window(scores.windows, a, b)
        w = scores.windows[wi]
        first, stop = max(a, w.start) - w.start, min(b, w.stop) - w.start
        if stop <= first:
            continue
        h = hidden[wi]  # token i of the window is row i + 1
        pooled = np.concatenate([h[first + 1 : stop + 1].mean(0), h[first + 1], h[stop], h[0]])
        rows.append(np.concatenate([pooled, context.features(s, e)]).astype(np.float32))
        valid.append(k)
    return rows, valid


class SpanLabeller:
    def __init__(self, span_head: Path, threads: int | None = None):
        self.session = session(span_head, threads)

    def probabilities(self, scores: TokenScores, spans: list[tuple[int, int]]) -> np.ndarray:
        """(len(spans), 14) technique probabilities; a span with no tokens gets a uniform row."""
        return self.run(scores, spans, scores.hidden)

    def run(self, scores: TokenScores, spans: list[tuple[int, int]], hidden: list[np.ndarray]) -> np.ndarray:
        n_tech = len(techniques.NAMES)
        if not spans:
            return np.zeros((0, n_tech), dtype=np.float32)
        rows, valid = span_rows(scores, spans, hidden)
        probs = np.full((len(spans), n_tech), 1.0 / n_tech, dtype=np.float32)
        if rows:
            (out,) = self.session.run(None, {"span_inputs": np.stack(rows)})
            probs[valid] = out
        return probs
