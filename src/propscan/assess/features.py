"""Features both reading aids share, taken from the encoder pass the detector already made.

Re-encoding an article for each aid would double `analyze`'s time; pooling the detector's
hidden states and technique scores costs a few milliseconds.
"""

from __future__ import annotations

import re

import numpy as np

from ..detect import TokenScores
from ..segment import token_range

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def token_states(scores: TokenScores) -> np.ndarray:
    """(n_tokens, width) last-layer states, each token taken from the window that holds it."""
    n = len(scores.encoded.offsets)
    width = scores.hidden[0].shape[-1] if scores.hidden else 384
    out = np.zeros((n, width), dtype=np.float32)
    for w, h in zip(scores.windows, scores.hidden):
        out[w.start : w.stop] = h[1 : 1 + w.stop - w.start]
    return out


def pooled(states: np.ndarray, tech: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Mean and max of the states, mean and max of the technique and span scores."""
    if len(states) == 0:
        width = states.shape[-1]
        return np.zeros(2 * width + 2 * tech.shape[-1] + 2, dtype=np.float32)
    return np.concatenate([
        states.mean(0), states.max(0), tech.mean(0), tech.max(0), [inside.mean(), inside.max()],
    ]).astype(np.float32)


def sentence_vectors(scores: TokenScores, sentences: list[tuple[int, int]]) -> np.ndarray:
    """One pooled vector per character range (a sentence) of the scored text."""
    states = token_states(scores)
    inside = scores.inside
    rows = []
    for s, e in sentences:
        a, b = token_range(scores.encoded.offsets, s, e)
        rows.append(pooled(states[a:b], scores.tech[a:b], inside[a:b]))
    width = 2 * states.shape[-1] + 2 * scores.tech.shape[-1] + 2
    return np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def combine(parts: list[np.ndarray], weights: list[int], n_tech: int) -> np.ndarray:
    """The pooled vector of several sections together: token-weighted mean of their mean blocks,
    maximum of their max blocks (the layout of `pooled`)."""
    stack = np.stack(parts)
    if len(stack) == 1:
        return stack[0]
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    width = stack.shape[1]
    s = (width - 2 - 2 * n_tech) // 2
    is_max = np.zeros(width, dtype=bool)
    is_max[s : 2 * s] = True
    is_max[2 * s + n_tech : 2 * s + 2 * n_tech] = True
    is_max[-1] = True
    return np.where(is_max, stack.max(0), (stack * w[:, None]).sum(0)).astype(np.float32)


def lone_sentence_vectors(predictor, texts: list[str], batch: int = 64) -> np.ndarray:
    """One pooled vector per text, each text encoded on its own as one sentence (how the
    check-worthiness data comes: sentences without their article)."""
    rows = []
    for k in range(0, len(texts), batch):
        chunk = texts[k : k + batch]
        rows += [sentence_vectors(sc, [(0, len(t))])[0] for t, sc in zip(chunk, predictor.score(chunk))]
    return np.stack(rows)


def token_features(scores: TokenScores) -> np.ndarray:
    """Per token: its last-layer state, technique scores and span score (the attribution tagger's input)."""
    return np.concatenate([token_states(scores), scores.tech, scores.inside[:, None]], axis=1).astype(np.float32)
