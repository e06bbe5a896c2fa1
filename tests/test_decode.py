"""Span decoding details: word-edge snapping and joining fragments of one passage."""

import numpy as np

from propscan.decode import decode_spans, merge_overlaps, snap_to_words
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


def _scores(words_and_probs: list[tuple[str, float]]):
    """TokenScores for a text of one token per word, with given inside-probabilities (all I)."""
    from propscan.detect import TokenScores
    from propscan.encoding import EncodedArticle

    text, offsets = "", []
    for word, _ in words_and_probs:
        offsets.append((len(text), len(text) + len(word)))
        text += word + " "
    inside = np.array([p for _, p in words_and_probs])
    bio = np.stack([1 - inside, np.zeros_like(inside), inside], axis=1)
    enc = EncodedArticle(ids=np.zeros(len(offsets), dtype=np.int64), offsets=offsets)
    return TokenScores(text, enc, [], bio, np.zeros((len(offsets), 14)), [])


def test_decode_grows_a_confident_core_over_its_uncertain_edges():
    sc = _scores([("the", 0.05), ("utterly", 0.35), ("disgraceful", 0.8), ("mob", 0.4), ("said", 0.1),
                  ("maybe", 0.35), ("so", 0.05)])
    words = lambda spans: [sc.text[s:e] for s, e, _ in spans]  # noqa: E731
    assert words(decode_spans(sc, 0.5)) == ["disgraceful"]
    assert words(decode_spans(sc, 0.5, extend=0.2)) == ["utterly disgraceful mob"]
    # an uncertain run with no confident token is not a span, however far spans may grow
    assert "maybe" not in " ".join(words(decode_spans(sc, 0.5, extend=0.3)))
    assert words(decode_spans(sc, 0.3)) == ["utterly disgraceful mob", "maybe"]


def test_a_technique_channel_is_decoded_on_its_own_probabilities():
    from propscan import techniques
    from propscan.decode import channel_spans

    sc = _scores([("the", 0.9), ("vile", 0.9), ("traitors", 0.9), ("again", 0.9), ("lied", 0.9)])
    k = techniques.INDEX["Name_Calling,Labeling"]
    sc.tech[:, k] = [0.05, 0.3, 0.7, 0.1, 0.02]  # the inside-probability above must not matter
    words = lambda spans: [sc.text[s:e] for s, e, _ in spans]  # noqa: E731
    assert words(channel_spans(sc, k, 0.5)) == ["traitors"]
    assert words(channel_spans(sc, k, 0.5, extend=0.25)) == ["vile traitors"]
    assert channel_spans(sc, k, 0.5, extend=0.25)[0][2] == np.float32(0.5)  # mean over the span
    assert channel_spans(sc, techniques.INDEX["Slogans"], 0.2) == []


def test_labels_come_from_the_channel_or_the_classifier_above_its_minimum():
    from propscan import techniques
    from propscan.bundle import Settings
    from propscan.predict import labelled_from_candidates, labelled_from_channels

    row = np.zeros(14)
    row[techniques.INDEX["Loaded_Language"]] = 0.55
    row[techniques.INDEX["Doubt"]] = 0.45
    spans, probs = [(0, 10, 0.8)], np.array([row])
    plain = Settings(second_label=0.4)
    assert [x.technique for x in labelled_from_candidates("x" * 10, spans, probs, plain)] == ["Loaded_Language", "Doubt"]
    tuned = Settings(second_label=0.4, channels={"Loaded_Language": [0.2, 0.1]}, label_min={"Doubt": 0.5})
    assert labelled_from_candidates("x" * 10, spans, probs, tuned) == []
    from_channel = labelled_from_channels({"Loaded_Language": [(3, 8, 0.6)]}, tuned)
    assert [(x.start, x.end, x.technique, x.confidence) for x in from_channel] == [(3, 8, "Loaded_Language", 0.6)]


def test_whole_sentence_techniques_are_reported_on_their_sentence():
    """Two Doubt fragments of one sentence become that sentence once, with the higher
    confidence; Loaded Language, named on the same fragment, keeps its own span."""
    from propscan import techniques
    from propscan.bundle import Settings
    from propscan.predict import labelled_from_candidates

    text = "Rain fell. Can we really trust what the mayor says? Nobody knows."
    trust, mayor = text.index("trust"), text.index("mayor")
    doubt = np.zeros(14)
    doubt[techniques.INDEX["Doubt"]] = 0.6
    doubt[techniques.INDEX["Loaded_Language"]] = 0.4
    spans = [(trust, trust + 5, 0.5), (mayor, mayor + 5, 0.9)]
    settings = Settings(second_label=0.3, whole_sentence=["Doubt"])
    found = sorted((x.start, x.end, x.technique, x.confidence) for x in labelled_from_candidates(text, spans, np.array([doubt, doubt]), settings))
    assert [(text[s:e], t) for s, e, t, _ in found] == [
        ("Can we really trust what the mayor says?", "Doubt"), ("trust", "Loaded_Language"), ("mayor", "Loaded_Language")]
    assert found[0][3] == max(x.confidence for x in labelled_from_candidates(text, spans[1:], np.array([doubt]), settings) if x.technique == "Doubt")
    plain = labelled_from_candidates(text, spans, np.array([doubt, doubt]), Settings(second_label=0.3))
    assert sorted(text[x.start:x.end] for x in plain if x.technique == "Doubt") == ["mayor", "trust"]
