"""Every span the pipeline reports points at the exact characters of the analysed text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from propscan.encoding import encode
from propscan.ingest.sources import from_text, read_source
from propscan.pipeline import sections
from propscan.segment import windows_for


def check_offsets(doc):
    for s in doc.spans:
        assert 0 <= s.start < s.end <= len(doc.text)
        d = s.to_dict(doc.text)
        assert doc.text[d["start"] : d["end"]] == d["text"]
        # spans start and end on word edges, never inside a word
        assert not (s.start > 0 and doc.text[s.start - 1].isalnum() and doc.text[s.start].isalnum())
        assert not (s.end < len(doc.text) and doc.text[s.end - 1].isalnum() and doc.text[s.end].isalnum())


def test_crlf_emoji_and_combining_marks(analyzer, example_text):
    text = example_text.replace("\n", "\r\n").replace("Greyport", "Gre\u0301yport 🌉").replace("bridge", "brídge")
    doc = analyzer.analyze([from_text(text, "t.txt")])[0]
    assert doc.text == text
    assert doc.spans
    check_offsets(doc)
    # the same passages are found as in the LF version, shifted by the extra characters
    plain = analyzer.analyze([from_text(example_text, "p.txt")])[0]
    assert abs(len(doc.spans) - len(plain.spans)) <= max(3, len(plain.spans) // 5)


def test_html_offsets_refer_to_extracted_text(analyzer):
    art = read_source(str(FIXTURES / "html" / "article_with_boilerplate.html"))
    doc = analyzer.analyze([art])[0]
    assert doc.text == art.text
    check_offsets(doc)


def test_very_long_article_is_analysed_whole(analyzer, example_text):
    text = "\n\n".join([example_text] * 60)  # ~190k characters: several sections, hundreds of windows
    assert len(sections(text)) > 1
    doc = analyzer.analyze([from_text(text, "long.txt")])[0]
    check_offsets(doc)
    # spans are found all the way to the end, not only at the start
    assert max(s.end for s in doc.spans) > len(text) - len(example_text)
    first = [(s.start, s.technique) for s in doc.spans if s.end <= len(example_text)]
    assert first


def test_sections_cover_the_text_exactly(example_text):
    text = "\n".join([example_text] * 40)
    parts = sections(text, limit=5000)
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=600))
def test_tokens_and_windows_map_into_any_text(analyzer, text):
    enc = encode(analyzer.predictor.detector.tokenizer, text)
    prev = 0
    for s, e in enc.offsets:
        assert 0 <= s < e <= len(text) and s >= prev
        prev = s
    windows = windows_for(text, enc.offsets)
    covered = set()
    for w in windows:
        covered.update(range(w.start, w.stop))
    assert covered == set(range(len(enc.offsets)))
