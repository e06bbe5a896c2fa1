"""Article-level context features of a span, fed to the span classifier beside the encoder.

An encoder window sees a few sentences; some techniques are only visible at the scale of
the whole article. Repetition is the clearest: it is decided by how often the span's
words recur elsewhere. Shared by training and inference so both compute them alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPACE = re.compile(r"\s+")

N_FEATURES = 7


class ArticleContext:
    """Word and phrase statistics of one article, computed once and queried per span."""

    def __init__(self, text: str):
        self.text = text
        self.lower = _SPACE.sub(" ", text.lower())
        self.length = max(len(text), 1)
        self.words = Counter(w.lower() for w in _WORD.findall(text))
        first_newline = text.find("\n")
        self.title_end = first_newline if first_newline >= 0 else 0

    def features(self, start: int, end: int) -> np.ndarray:
        span = self.text[start:end]
        words = [w.lower() for w in _WORD.findall(span)]
        phrase = _SPACE.sub(" ", span.lower()).strip(" .,;:!?\"'“”‘’()[]-")
        phrase_repeats = max(self.lower.count(phrase) - 1, 0) if len(phrase) >= 3 else 0
        content = [w for w in words if len(w) > 3] or words
        counts = [self.words.get(w, 1) - 1 for w in content] or [0]
        return np.array(
            [
                math.log1p(phrase_repeats),
                float(phrase_repeats > 0),
                math.log1p(sum(counts) / len(counts)),
                math.log1p(max(counts)),
                math.log1p(len(words)) / 3.0,
                start / self.length,
                float(start < self.title_end),
            ],
            dtype=np.float32,
        )
