"""The two small linear models the reading aids are made of, stored as JSON and run in numpy.

Logistic regression is enough on top of the encoder's states and keeps every score
explainable: a feature's contribution is its value times its weight, which is how the
partisanship reading names its reasons. Training (scikit-learn) and inference share the
tokenizer below, so a word is counted the same way in both.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

_TERM = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Lower-cased words of two or more characters, and each pair of neighbouring words."""
    words = _TERM.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


@dataclass
class DenseModel:
    """Standardised features -> logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature share of the log-odds (rows of x are examples)."""
        return (x - self.mean) / self.scale * self.coef

    def logit(self, x: np.ndarray) -> np.ndarray:
        return self.contributions(x).sum(-1) + self.intercept

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": float(self.intercept)}

    @classmethod
    def from_dict(cls, d: dict) -> DenseModel:
        mean, scale, coef = (np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        if not (mean.shape == scale.shape == coef.shape) or mean.ndim != 1:
            raise ValueError("dense model: mean, scale and coef must be vectors of one length")
        return cls(mean, np.where(scale == 0, 1.0, scale), coef, float(d["intercept"]))


@dataclass
class TextModel:
    """Sublinear TF-IDF of `terms` (l2-normalised) -> logistic regression."""

    vocab: dict[str, tuple[float, float]]  # term -> (idf, weight)
    intercept: float

    def weighted_terms(self, text: str) -> dict[str, float]:
        """Each known term of the text with its share of the log-odds."""
        counts = Counter(t for t in terms(text) if t in self.vocab)
        tfidf = {t: (1.0 + math.log(n)) * self.vocab[t][0] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in tfidf.values())) or 1.0
        return {t: v / norm * self.vocab[t][1] for t, v in tfidf.items()}

    def logit(self, text: str) -> float:
        return sum(self.weighted_terms(text).values()) + self.intercept

    def logit_many(self, texts: list[str]) -> list[float]:
        return [self.logit(t) for t in texts]

    def to_dict(self) -> dict:
        return {"vocab": {t: [round(i, 5), round(w, 5)] for t, (i, w) in sorted(self.vocab.items())},
                "intercept": float(self.intercept)}

    @classmethod
    def from_dict(cls, d: dict) -> TextModel:
        return cls({str(t): (float(i), float(w)) for t, (i, w) in d["vocab"].items()}, float(d["intercept"]))


@dataclass
class Platt:
    """Calibration of a blended log-odds: sigmoid(a * x + b)."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, x):
        return sigmoid(self.a * np.asarray(x) + self.b)
