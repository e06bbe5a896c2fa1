"""Which sentences state a factual claim worth checking (CLEF CheckThat! 2024 Task 1).

Each sentence (propscan.sentences) is scored by two logistic regressions, on its words and on
its pooled encoder states, averaged in log-odds and calibrated. Sentences above a threshold tuned
for F1 are listed as claims, with offsets into the analysed text. The headline is never one: it
sums the article up, and the article's own sentences state its claims; nor is page furniture (a
photo caption, a byline), and a lead is listed without its dateline (see clutter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..doc import Claim
from ..sentences import headline
from .clutter import shown_passage
from .evidence import Evidence
from .features import word_count
from .linear import DenseModel, Platt, TextModel

MIN_WORDS = 4  # "Thank you." is never a claim; scoring it only adds noise to the list
MAX_CHARS = 1_000  # a run-on "sentence" (no punctuation) is not one claim a checker can take


@dataclass
class ClaimsModel:
    words: TextModel
    states: DenseModel
    weight: float  # share of the words model in the blend
    platt: Platt
    threshold: float

    def scores(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        words = np.array(self.words.logit_many(texts))
        return self.platt(self.weight * words + (1 - self.weight) * self.states.logit(vectors))

    def find(self, evidence: Evidence, threshold: float | None = None) -> tuple[list[Claim], int]:
        """Claims at or above the threshold (the model's unless given), and how many sentences
        were too long to score."""
        cut = self.threshold if threshold is None else threshold
        title = headline(evidence.text)
        shown = [None if title and s < title[1] else shown_passage(evidence.text, s, e) for s, e in evidence.sentences]
        keep = [i for i, where in enumerate(shown) if where and where[1] - where[0] <= MAX_CHARS
                and word_count(evidence.text[where[0] : where[1]]) >= MIN_WORDS]
        too_long = sum(1 for s, e in evidence.sentences if e - s > MAX_CHARS)
        texts = [evidence.text[s:e] for s, e in (shown[i] for i in keep)]
        scores = self.scores(texts, evidence.sentence_vectors[keep] if keep else evidence.sentence_vectors[:0])
        claims = [Claim(*shown[i], round(float(p), 4)) for i, p in zip(keep, scores) if p >= cut]
        return claims, too_long

    def to_dict(self) -> dict:
        return {"words": self.words.to_dict(), "states": self.states.to_dict(), "weight": self.weight,
                "platt": [self.platt.a, self.platt.b], "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict) -> ClaimsModel:
        return cls(TextModel.from_dict(d["words"]), DenseModel.from_dict(d["states"]), float(d["weight"]),
                   Platt(*map(float, d["platt"])), float(d["threshold"]))
