"""Turn labelled PTC articles into encoder windows with token tags and span targets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import techniques
from ..encoding import encode
from ..evaluate.metrics import merge
from ..features import ArticleContext
from ..ptc import LabelledArticle
from ..segment import WINDOW_TOKENS, best_window, token_range, windows_for

O, B, I = 0, 1, 2  # noqa: E741 - the usual names of BIO tags


@dataclass
class SpanTarget:
    first: int  # token positions inside the window, [first, stop)
    stop: int
    target: np.ndarray  # (14,) share of each technique among the span's gold labels
    features: np.ndarray


@dataclass
class WindowExample:
    ids: np.ndarray
    bio: np.ndarray  # (n,) O/B/I over merged propaganda spans
    tech: np.ndarray  # (n, 14) 1 where a token lies inside a span of that technique
    spans: list[SpanTarget] = field(default_factory=list)


def bio_tags(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> np.ndarray:
    """O/B/I tag of each token over the merged character spans (the tagger's training target)."""
    bio = np.zeros(len(offsets), dtype=np.int64)
    for s, e in merge(spans):
        a, b = token_range(offsets, s, e)
        if b > a:
            bio[a] = B
            bio[a + 1 : b] = I
    return bio


def token_targets(offsets: list[tuple[int, int]], spans: list[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Each token's BIO tag over the merged spans, and 1 for every technique whose span holds it."""
    tech = np.zeros((len(offsets), len(techniques.NAMES)), dtype=np.float32)
    for name, s, e in spans:
        a, b = token_range(offsets, s, e)
        tech[a:b, techniques.INDEX[name]] = 1.0
    return bio_tags(offsets, [(s, e) for _, s, e in spans]), tech


def technique_shares(names: list[str]) -> np.ndarray:
    """A span's target: each technique's share among its gold labels."""
    target = np.zeros(len(techniques.NAMES), dtype=np.float32)
    for name in names:
        target[techniques.INDEX[name]] += 1.0 / len(names)
    return target


def article_examples(tokenizer, article: LabelledArticle, window_tokens: int = WINDOW_TOKENS) -> list[WindowExample]:
    """Windows of ``article`` as the runtime cuts them; a smaller ``window_tokens`` packs fewer
    sentences per window, so training can show a sentence among other neighbours."""
    enc = encode(tokenizer, article.text)
    n = len(enc.offsets)
    if n == 0:
        return []
    windows = windows_for(article.text, enc.offsets, size=window_tokens)
    bio, tech = token_targets(enc.offsets, article.spans)
    grouped: dict[tuple[int, int], list[str]] = {}
    for name, s, e in article.spans:
        a, b = token_range(enc.offsets, s, e)
        if b > a:
            grouped.setdefault((s, e), []).append(name)
    examples = [WindowExample(enc.ids[w.start : w.stop], bio[w.start : w.stop], tech[w.start : w.stop]) for w in windows]
    context = ArticleContext(article.text)
    for (s, e), names in grouped.items():
        a, b = token_range(enc.offsets, s, e)
        wi = best_window(windows, a, b)
        w = windows[wi]
        first, stop = max(a, w.start) - w.start, min(b, w.stop) - w.start
        if stop <= first:
            continue
        examples[wi].spans.append(SpanTarget(first, stop, technique_shares(names), context.features(s, e)))
    return examples
