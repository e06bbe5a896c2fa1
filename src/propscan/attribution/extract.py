"""From the tagger's probabilities to attributions: spans per role, quotations, joined."""

from __future__ import annotations

import numpy as np

from .link import link
from .polnear import Attribution
from .quotes import find_quotes
from .tags import spans_from_tags


def attributions_from(text: str, probs: np.ndarray, offsets: list[tuple[int, int]]) -> list[Attribution]:
    spans = [(role, s, e) for role, s, e, _ in spans_from_tags(probs, offsets)]
    return link(text, spans, find_quotes(text))
