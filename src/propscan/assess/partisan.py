"""How partisan an article reads (SemEval-2019 Task 4's "hyperpartisan"), with its reasons.

Three logistic regressions read the article three ways and their log-odds are averaged, then
calibrated: its words (TF-IDF), the detector's pooled encoder states, and its technique
profile (spans per 1,000 words, style). Each is linear, so the reasons a reader is shown are
the phrases, passages and technique rates that added most to the score, leaving out what a
reader cannot weigh (captions, credits, datelines, bylines, numbers, common words: see clutter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import techniques
from ..doc import PartisanReading, Reason
from .evidence import Evidence
from .features import word_count
from .linear import DenseModel, Platt, TextModel
from .clutter import clutter, is_common_words, is_number_or_date, shown_passage

MIN_WORDS = 100  # below this an article-level reading is a guess; the SemEval articles are longer
REASONS = 6
# how each feature reads as a reason; None: a feature that helps the score but tells a reader
# nothing about this article (long articles were more often hyperpartisan in the training set)
FEATURE_TEXT = ([f"{t.title}: {{:.1f}} passages per 1,000 words" for t in techniques.TECHNIQUES]
                + [f"{t.title}: {{:.1f}} confidence-weighted passages per 1,000 words" for t in techniques.TECHNIQUES]
                + ["{:.1f} exclamation marks per 1,000 words", "{:.1f} question marks per 1,000 words",
                   "{:.1f} words in capitals per 1,000 words", "{:.1f} quotation marks per 1,000 words",
                   None, "{:.0%} of the text inside flagged passages"])


def technique_features(text: str, spans) -> np.ndarray:
    """Spans and confidence per 1,000 words for each technique, and a few style rates.
    `spans`: objects with start, end, technique, confidence (every span, not only the shown)."""
    words = max(word_count(text), 1)
    per = 1000 / words
    rate, mass = np.zeros(len(techniques.NAMES)), np.zeros(len(techniques.NAMES))
    covered = np.zeros(len(text), dtype=bool)
    for s in spans:
        rate[techniques.INDEX[s.technique]] += per
        mass[techniques.INDEX[s.technique]] += s.confidence * per
        covered[s.start : s.end] = True
    capitals = sum(1 for w in text.split() if len(w) > 1 and w.isupper())
    style = [text.count("!") * per, text.count("?") * per, capitals * per,
             (text.count('"') + text.count("“") + text.count("”")) * per, float(np.log(words)),
             float(covered.mean()) if len(text) else 0.0]
    return np.concatenate([rate, mass, style])


@dataclass
class PartisanModel:
    words: TextModel
    states: DenseModel
    profile: DenseModel
    platt: Platt
    threshold: float = 0.5

    def logits(self, evidence: Evidence, spans) -> tuple[float, float, float]:
        return (self.words.logit(evidence.text), float(self.states.logit(evidence.article_vector)),
                float(self.profile.logit(technique_features(evidence.text, spans))))

    def probability(self, evidence: Evidence, spans) -> float:
        return float(self.platt(np.mean(self.logits(evidence, spans))))

    def read(self, evidence: Evidence, spans) -> PartisanReading:
        p = self.probability(evidence, spans)
        return PartisanReading(p, "hyperpartisan" if p >= self.threshold else "not hyperpartisan",
                               self.reasons(evidence, spans, toward=p >= self.threshold))

    def reasons(self, evidence: Evidence, spans, toward: bool) -> list[Reason]:
        """What moved the score most in the direction of the label: phrases, passages, rates."""
        sign = 1.0 if toward else -1.0
        scale = self.platt.a / 3  # each reading's log-odds enter the blend with a third
        found: list[Reason] = []
        avoid = clutter(evidence.text, evidence.sentences)
        terms = [(t, w) for t, w in self.words.weighted_terms(evidence.text).items()
                 if not is_number_or_date(t)]
        phrases = 0
        for term, w in sorted(terms, key=lambda kv: -sign * kv[1]):
            if phrases == 3 or sign * w <= 0:
                break
            where = _find(evidence.text, term, avoid)
            if where and not is_common_words(evidence.text[where[0] : where[1]], self.words.vocab):
                found.append(Reason("phrase", evidence.text[where[0] : where[1]], w * scale, *where))
                phrases += 1
        if len(evidence.sentences):
            # a sentence's own reading by the states model, shared out as if the article were the mean
            # of its sentences (the max-pooled half makes this an approximation): the passages that
            # pull hardest towards the label
            logits = self.states.logit(evidence.sentence_vectors) - self.states.intercept
            passages = 0
            for i in np.argsort(-sign * logits):
                if passages == 2 or sign * logits[i] <= 0:
                    break
                where = shown_passage(evidence.text, *evidence.sentences[int(i)])
                if where and where[1] - where[0] >= 20:
                    s, e = where
                    found.append(Reason("passage", evidence.text[s:e], float(logits[i]) * scale / len(logits), s, e))
                    passages += 1
        x = technique_features(evidence.text, spans)
        contrib = self.profile.contributions(x[None])[0]
        # technique rates count as reasons only where more of a technique means more partisan in the
        # model: a negative weight there corrects for a correlated rate and reads as nonsense
        # ("repetition lowered it")
        n_rates = 2 * len(techniques.NAMES)
        readable = [i for i in np.argsort(-sign * contrib)
                    if FEATURE_TEXT[i] is not None and (i >= n_rates or self.profile.coef[i] > 0)]
        for i in readable[:2]:
            if sign * contrib[i] > 0:
                found.append(Reason("technique", _feature_text(int(i), float(x[i]), low=not toward and i < n_rates),
                                    float(contrib[i]) * scale))
        return sorted(found, key=lambda r: -abs(r.weight))[:REASONS]

    def to_dict(self) -> dict:
        return {"words": self.words.to_dict(), "states": self.states.to_dict(), "profile": self.profile.to_dict(),
                "platt": [self.platt.a, self.platt.b], "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict) -> PartisanModel:
        return cls(TextModel.from_dict(d["words"]), DenseModel.from_dict(d["states"]),
                   DenseModel.from_dict(d["profile"]), Platt(*map(float, d["platt"])), float(d.get("threshold", 0.5)))


def _feature_text(i: int, value: float, low: bool = False) -> str:
    """A feature as a reader reads it; ``low``: a technique rate that kept the score down."""
    if value == 0 and i < 2 * len(techniques.NAMES):
        return f"no {techniques.TECHNIQUES[i % len(techniques.NAMES)].title.lower()} found"
    text = FEATURE_TEXT[i].format(value)
    return text.replace(": ", ": only ", 1) if low else text


def _find(text: str, term: str, avoid: list[tuple[int, int]] = ()) -> tuple[int, int] | None:
    """Where a (lower-cased, one- or two-word) term first occurs as whole words outside the
    ``avoid`` ranges (a caption's "Photo" is no reason)."""
    words = [re.escape(w) for w in term.split()]
    for m in re.finditer(r"\b" + r"\W+".join(words) + r"\b", text, flags=re.IGNORECASE):
        if not any(a < m.end() and m.start() < b for a, b in avoid):
            return m.start(), m.end()
    return None
