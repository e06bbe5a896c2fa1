"""From token scores to the three kinds of prediction: SI spans, labelled spans, TC labels.

Functions take the settings explicitly so cross-validation can sweep thresholds over one
encoder pass; `Predictor` binds them to a shipped bundle for everyday use.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import techniques
from .bundle import Bundle, Settings, load_bundle
from .decode import channel_spans, decode_spans
from .detect import Detector, TokenScores
from .guards import GuardOptions, Guards, join_neighbours
from .label import SpanLabeller
from .segment import sentence_bounds, sentence_cover


@dataclass(frozen=True)
class Labelled:
    start: int
    end: int
    technique: str
    confidence: float


def calibrate(raw: float, a: float, b: float) -> float:
    raw = min(max(raw, 1e-6), 1 - 1e-6)
    z = a * math.log(raw / (1 - raw)) + b
    return 1.0 / (1.0 + math.exp(-z))


def candidate_spans(scores: TokenScores, labeller: SpanLabeller, threshold: float, extend: float = 0.0):
    """Spans found at ``threshold`` (grown down to threshold - extend) with their SI score and
    technique probabilities."""
    spans = decode_spans(scores, threshold, extend)
    probs = labeller.probabilities(scores, [(s, e) for s, e, _ in spans])
    return spans, probs


_GAP_WORD = re.compile(r"\w+")


def join_fragments(text: str, spans, probs, max_gap_words: int):
    """Join neighbouring candidates separated by at most ``max_gap_words`` words of one sentence.

    The tagger often lights up the loaded words of a passage but not the words between
    them; annotators mark the passage. Joined spans average their scores by length.
    """
    if max_gap_words <= 0 or len(spans) < 2:
        return spans, probs
    out_spans, out_probs = [list(spans[0])], [np.asarray(probs[0], dtype=np.float64)]
    for (s, e, p), row in zip(spans[1:], probs[1:]):
        ps, pe, pp = out_spans[-1]
        gap = text[pe:s]
        if ("\n" not in gap and not any(c in gap for c in ".!?")
                and len(_GAP_WORD.findall(gap)) <= max_gap_words):
            w1, w2 = pe - ps, e - s
            out_probs[-1] = (out_probs[-1] * w1 + np.asarray(row) * w2) / (w1 + w2)
            out_spans[-1] = [ps, e, (pp * w1 + p * w2) / (w1 + w2)]
        else:
            out_spans.append([s, e, p])
            out_probs.append(np.asarray(row, dtype=np.float64))
    return [tuple(x) for x in out_spans], np.stack(out_probs)


def named_techniques(row: np.ndarray, second_label: float) -> list[int]:
    """Indices of a span's top technique, plus the runner-up when it is likely enough on its own."""
    order = np.argsort(-row)
    return [int(order[0])] + [int(k) for k in order[1:2] if row[k] >= second_label]


def named_spans(text: str, spans, probs, settings: Settings):
    """(technique, start, end, span score, technique probability) for every technique the classifier
    names on a candidate span, where it is reported: ``settings.whole_sentence`` techniques on
    their whole sentence. Prediction and tuning both read labels from here."""
    sentences = sentence_bounds(text) if settings.whole_sentence else []
    for (s, e, p_span), row in zip(spans, probs):
        for k in named_techniques(row, settings.second_label):
            name = techniques.NAMES[k]
            where = sentence_cover(sentences, s, e) if name in settings.whole_sentence else (s, e)
            yield name, *where, p_span, float(row[k])


def labelled_from_candidates(text: str, spans, probs, settings: Settings) -> list[Labelled]:
    """Top technique of each span, plus the runner-up when it is likely enough on its own.

    Techniques read from their own token channel (``settings.channels``) are left out here,
    and a technique is named only when the classifier gives it ``settings.label_min`` or more.
    Fragments that end up on the same sentence become one span with the highest confidence.
    """
    best: dict[tuple[int, int, str], float] = {}
    for name, s, e, p_span, p in named_spans(text, spans, probs, settings):
        if name in settings.channels or p < settings.label_min.get(name, 0.0):
            continue
        conf = round(calibrate(p_span * p, *settings.calibration(name)), 4)
        best[(s, e, name)] = max(conf, best.get((s, e, name), 0.0))
    return [Labelled(s, e, name, conf) for (s, e, name), conf in best.items()]


def labelled_from_channels(channel_candidates: dict, settings: Settings) -> list[Labelled]:
    """Spans of the channel-read techniques; ``channel_candidates`` maps technique -> (s, e, p)."""
    out = []
    for name, spans in channel_candidates.items():
        for s, e, p in spans:
            out.append(Labelled(s, e, name, round(calibrate(p, *settings.calibration(name)), 4)))
    return out


def guarded(text: str, found: list[Labelled], options: GuardOptions = GuardOptions()) -> list[Labelled]:
    """Labelled spans through the precision guards (see guards.py); spans that become the same
    span keep the highest confidence."""
    rules = Guards(text, options)
    best: dict[tuple[int, int, str], float] = {}
    for x in found:
        fixed = rules.fix(x.start, x.end, x.technique)
        if fixed is not None:
            key = (*fixed, x.technique)
            best[key] = max(x.confidence, best.get(key, 0.0))
    spans = [(s, e, name, conf) for (s, e, name), conf in best.items()]
    if options.join_neighbours:
        spans = join_neighbours(text, spans)
    return [Labelled(s, e, name, conf) for s, e, name, conf in spans]


def guarded_si(text: str, spans, options: GuardOptions = GuardOptions()) -> list[tuple[int, int]]:
    """SI spans (start, end, ...) through the guards that need no technique, merged where they meet."""
    rules = Guards(text, options)
    fixed = sorted(f for f in (rules.fix(s, e) for s, e, *_ in spans) if f is not None)
    out: list[tuple[int, int]] = []
    for s, e in fixed:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def tc_labels(probs: np.ndarray, groups: list[list[int]]) -> list[str]:
    """One technique per line; lines sharing a span get its top-k techniques in order."""
    labels = [""] * sum(len(g) for g in groups)
    for row, members in zip(probs, groups):
        order = np.argsort(-row)
        for rank, line in enumerate(members):
            labels[line] = techniques.NAMES[order[rank % len(order)]]
    return labels


class Predictor:
    """The shipped model, ready to score articles."""

    def __init__(self, bundle: Bundle | None = None, threads: int | None = None):
        self.bundle = bundle or load_bundle()
        self.detector = Detector(self.bundle, threads)
        self.labeller = SpanLabeller(self.bundle.span_head, threads)

    @property
    def settings(self) -> Settings:
        return self.bundle.settings

    def score(self, texts: list[str], pause: Callable[[], None] | None = None) -> list[TokenScores]:
        return self.detector.score(texts, pause)

    def si(self, scores: TokenScores, guards: GuardOptions = GuardOptions()) -> list[tuple[int, int]]:
        spans = decode_spans(scores, self.settings.si_threshold, self.settings.si_extend)
        spans, _ = join_fragments(scores.text, spans, np.zeros((len(spans), 1)), self.settings.si_join_words)
        return guarded_si(scores.text, spans, guards)

    def labelled(self, scores: TokenScores, guards: GuardOptions = GuardOptions()) -> list[Labelled]:
        """Labelled spans (classifier-named and channel-read) that pass the precision guards,
        sorted by start, end, technique."""
        spans, probs = candidate_spans(scores, self.labeller, self.settings.label_threshold, self.settings.label_extend)
        spans, probs = join_fragments(scores.text, spans, probs, self.settings.label_join_words)
        channels = {name: channel_spans(scores, techniques.INDEX[name], th, ext)
                    for name, (th, ext) in self.settings.channels.items()}
        out = labelled_from_candidates(scores.text, spans, probs, self.settings) + labelled_from_channels(channels, self.settings)
        return sorted(guarded(scores.text, out, guards), key=lambda x: (x.start, x.end, x.technique))

    def classify(self, scores: TokenScores, lines: list[tuple[int, int]]) -> list[str]:
        """TC: a technique for each given (start, end), in the given order."""
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, span in enumerate(lines):
            groups[span].append(i)
        keys = list(groups)
        probs = self.labeller.probabilities(scores, keys)
        return tc_labels(probs, [groups[k] for k in keys])
