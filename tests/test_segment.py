"""Windows cover every token, respect sentence ends, and overlap only inside long sentences."""

from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.segment import Window, best_window, pack_windows, sentence_bounds, sentence_cover, token_range


def test_sentence_bounds_split_on_newlines_and_full_stops():
    text = "First one. Second one!\nThird line\r\n\r\nFourth?  Fifth."
    parts = [text[s:e] for s, e in sentence_bounds(text)]
    assert parts == ["First one.", "Second one!", "Third line", "Fourth?", "Fifth."]


def test_sentence_bounds_do_not_split_abbreviation_before_lowercase():
    text = "He met Dr. smith and left. Then it rained."
    assert [text[s:e] for s, e in sentence_bounds(text)] == ["He met Dr. smith and left.", "Then it rained."]


def test_long_sentence_gets_overlapping_windows():
    windows = pack_windows([(0, 300)], size=126, overlap=32)
    assert windows[0] == Window(0, 126)
    assert windows[1].start == 94  # 126 - 32
    assert windows[-1].stop == 300
    assert all(w.stop - w.start <= 126 for w in windows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=40), st.integers(16, 200))
def test_windows_cover_all_tokens_in_order(lengths, size):
    ranges, pos = [], 0
    for n in lengths:
        ranges.append((pos, pos + n))
        pos += n
    windows = pack_windows(ranges, size=size, overlap=min(8, size // 4))
    covered = set()
    for w in windows:
        assert 0 < w.stop - w.start <= size
        covered.update(range(w.start, w.stop))
    assert covered == set(range(pos))
    starts = [w.start for w in windows]
    assert starts == sorted(starts)
    # windows that hold whole sentences never cut one in two
    sentence_of = {}
    for i, (s, e) in enumerate(ranges):
        for t in range(s, e):
            sentence_of[t] = i
    for w in windows:
        first, last = sentence_of[w.start], sentence_of[w.stop - 1]
        if first != last:
            assert ranges[first][0] == w.start and ranges[last][1] == w.stop


def test_token_range_and_best_window():
    offsets = [(0, 3), (4, 9), (10, 12), (13, 20)]
    assert token_range(offsets, 4, 12) == (1, 3)
    assert token_range(offsets, 5, 6) == (1, 2)  # inside one token
    assert token_range(offsets, 100, 120) == (0, 0)
    windows = [Window(0, 2), Window(1, 4)]
    assert best_window(windows, 2, 4) == 1


def _token_range_by_scan(offsets, start, end):
    hits = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
    return (hits[0], hits[-1] + 1) if hits else (0, 0)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), max_size=40), st.integers(0, 150), st.integers(0, 40))
def test_token_range_matches_a_full_scan(steps, start, length):
    """Binary search agrees with checking every token, on any increasing offsets (zero-width ones too)."""
    offsets, pos = [], 0
    for gap, width in steps:
        pos += gap
        offsets.append((pos, pos + width))
        pos += width
    assert token_range(offsets, start, start + length) == _token_range_by_scan(offsets, start, start + length)


def test_sentence_cover_grows_a_span_to_the_sentences_it_touches():
    text = "  First one here. Second one, longer!\nThird."
    sb = sentence_bounds(text)
    second = text.index("one, longer")
    assert text[slice(*sentence_cover(sb, second, second + 3))] == "Second one, longer!"
    across = sentence_cover(sb, text.index("here"), text.index("Second") + 3)
    assert text[slice(*across)] == "First one here. Second one, longer!"
    assert sentence_cover(sb, 0, 1) == (0, 1)  # white space before the first sentence touches none
    assert sentence_cover(sb, 0, 4) == (0, text.index("here") + 5)
