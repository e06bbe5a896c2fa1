"""Span decoding details: word-edge snapping and joining fragments of one passage."""

import numpy as np

from propscan.decode import merge_overlaps, snap_to_words
from propscan.predict import join_fragments

TEXT = "Can we really trust anything City Hall tells us? No. Next line\nagain here"


def span(word: str):
    s = TEXT.index(word)
    return (s, s + len(word), 0.8)


def test_snap_grows_to_whole_words():
    s = TEXT.index("really")
    assert snap_to_words(TEXT, s + 2, s + 4) == (s, s + len("really"))


def test_merge_overlaps_keeps_the_best_score():
    assert merge_overlaps([(0, 5, 0.2), (3, 9, 0.9), (10, 12, 0.5)]) == [(0, 9, 0.9), (10, 12, 0.5)]


def test_join_fragments_within_a_sentence_only():
    spans = [span("Can"), span("really"), span("anything"), span("tells"), span("No"), span("again")]
    probs = np.eye(6)
    joined, p = join_fragments(TEXT, spans, probs, max_gap_words=1)
    texts = [TEXT[s:e] for s, e, _ in joined]
    # "Can [we] really [trust] anything [City Hall] tells": gaps of 1, 1 and 2 words
    assert texts == ["Can we really trust anything", "tells", "No", "again"]
    assert p.shape == (4, 6) and np.allclose(p.sum(1), 1.0)
    joined, _ = join_fragments(TEXT, spans, probs, max_gap_words=2)
    assert [TEXT[s:e] for s, e, _ in joined][0] == "Can we really trust anything City Hall tells"
    # never across a sentence end or a line break
    assert join_fragments(TEXT, [span("tells"), span("No")], np.eye(2), 5)[0] == [span("tells"), span("No")]
    assert len(join_fragments(TEXT, [span("line"), span("again")], np.eye(2), 5)[0]) == 2
    assert join_fragments(TEXT, spans, probs, 0)[0] == spans
