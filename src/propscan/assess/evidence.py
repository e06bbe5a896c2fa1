"""What the reading aids read from one article: its sentences and pooled encoder states.

A long article is scored in sections (see pipeline.sections), and a section's encoder states
are dropped as soon as its spans are found, so each section is summarised at once: its
sentences (never crossing a section; cut as a reader reads them, see propscan.sentences) pooled
one by one, and the section pooled whole. The
article's vector then combines the sections' means (weighted by tokens) and maxima.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..detect import TokenScores
from ..sentences import sentence_bounds
from .features import combine, pooled, sentence_vectors, token_states


@dataclass
class SectionEvidence:
    sentences: list[tuple[int, int]]  # character ranges into the whole text
    vectors: np.ndarray  # one pooled vector per sentence
    whole: np.ndarray  # the section pooled
    tokens: int
    n_tech: int


def summarise(offset: int, scores: TokenScores) -> SectionEvidence:
    local = sentence_bounds(scores.text)
    return SectionEvidence([(s + offset, e + offset) for s, e in local], sentence_vectors(scores, local),
                           pooled(token_states(scores), scores.tech, scores.inside), len(scores.encoded.offsets),
                           scores.tech.shape[-1])


@dataclass
class Evidence:
    text: str
    sentences: list[tuple[int, int]]  # character ranges into text
    sentence_vectors: np.ndarray  # (len(sentences), width)
    article_vector: np.ndarray  # (width,)


def gather(text: str, parts: list[SectionEvidence]) -> Evidence:
    if not parts:
        raise ValueError("no sections to gather evidence from")
    article = combine([p.whole for p in parts], [p.tokens for p in parts], parts[0].n_tech)
    return Evidence(text, [s for p in parts for s in p.sentences], np.concatenate([p.vectors for p in parts]), article)
