"""The data model round-trips, and every renderer shows the same spans with text escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from propscan.doc import AnalysedDocument, Span
from propscan.render.formats import document_id, to_json, to_ptc
from propscan.render.html import render_report
from propscan.render.segments import pieces
from propscan.render.terminal import render_plain

TEXT = "Title <script>alert('t')</script>\n\nThe reckless, shameful plan. Stop it now!"


def make_doc(**kw) -> AnalysedDocument:
    start = TEXT.index("reckless")
    stop = TEXT.index("plan") + 4
    spans = [
        Span(start, TEXT.index(",", start), "Loaded_Language", 0.81),
        Span(start, stop, "Name_Calling,Labeling", 0.42),
        Span(TEXT.index("Stop"), len(TEXT), "Slogans", 0.66),
    ]
    defaults = dict(text=TEXT, source="articles/article123.txt", title="Title <script>alert('t')</script>",
                    model_version="test", spans=spans)
    defaults.update(kw)
    return AnalysedDocument(**defaults)


def test_json_round_trip_and_offsets():
    doc = make_doc()
    data = json.loads(to_json(doc))
    assert data["schema_version"] == "1.4"
    for s in data["spans"]:
        assert data["text"][s["start"] : s["end"]] == s["text"]
    assert data["counts"] == {"Loaded_Language": 1, "Name_Calling,Labeling": 1, "Slogans": 1}
    assert set(data["techniques"]) == set(data["counts"])
    assert data["techniques"]["Slogans"]["definition"]
    back = AnalysedDocument.from_dict(data)
    assert back.to_dict() == {k: v for k, v in data.items() if k != "techniques"}


def test_from_dict_rejects_offsets_that_do_not_match_text():
    data = make_doc().to_dict()
    data["spans"][0]["start"] += 1
    with pytest.raises(ValueError, match="does not match"):
        AnalysedDocument.from_dict(data)


def test_span_outside_text_is_rejected():
    with pytest.raises(ValueError, match="outside"):
        AnalysedDocument(text="short", source="x", spans=[Span(0, 99, "Doubt", 0.5)])


def test_density_counts_overlaps_once_and_ignores_spaces():
    doc = AnalysedDocument(text="ab cd", source="x", spans=[Span(0, 2, "Doubt", 0.5), Span(1, 5, "Slogans", 0.5)])
    assert doc.density == 1.0
    doc = AnalysedDocument(text="ab cd", source="x", spans=[Span(0, 2, "Doubt", 0.5)])
    assert doc.density == 0.5


def test_ptc_lines_use_corpus_ids():
    doc = make_doc()
    lines = to_ptc(doc).splitlines()
    assert lines[0].split("\t") == ["123", "Loaded_Language", str(doc.spans[0].start), str(doc.spans[0].end)]
    assert document_id("some/where/story.txt") == "some/where/story.txt"


def test_pieces_cover_text_and_put_most_confident_on_top():
    doc = make_doc()
    ps = pieces(doc)
    assert "".join(TEXT[p.start : p.end] for p in ps) == TEXT
    overlap = next(p for p in ps if len(p.spans) == 2)
    assert TEXT[overlap.start : overlap.end] == "reckless"


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.in_script = False
        self.event_attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.event_attrs += [k for k, _ in attrs if k.startswith("on")]
        if tag == "script":
            self.in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def test_html_report_escapes_article_and_title():
    hostile = "<img src=x onerror=alert(1)> and </script><script>alert(2)</script>"
    text = f"Headline <script>alert(3)</script>\n\nBody text {hostile} ends here."
    doc = AnalysedDocument(text=text, source="javascript:alert(4)", title="Headline <script>alert(3)</script>",
                           spans=[Span(text.index("Body"), len(text), "Doubt", 0.7)])
    page = render_report(doc)
    parser = _Collector()
    parser.feed(page)
    # exactly our two scripts: the JSON data blob and the report's own code
    assert len(parser.scripts) == 2
    assert not parser.event_attrs
    assert "alert(" not in parser.scripts[1]
    data = json.loads(parser.scripts[0])
    assert data["spans"][0]["text"].endswith("ends here.")  # the blob carries the raw text, inert as JSON
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "Body text " in "".join(parser.text)


def test_html_report_has_legend_toggles_chart_and_details_panel():
    page = render_report(make_doc())
    # a toggle for each technique found, none for the others (a ticked "0" switched nothing)
    found = {s.technique for s in make_doc().spans}
    assert set(re.findall(r'class="ps-toggle" value="([^"]+)"', page)) == found and len(found) < 14
    assert 'class="ps-chart"' in page and 'id="ps-details"' in page
    assert page.count('<mark class="ps') == len(pieces(make_doc())) - sum(1 for p in pieces(make_doc()) if not p.spans)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # fully offline


def test_plain_text_rendering_lists_every_span():
    out = render_plain(make_doc())
    assert out.count("\n0.") + out.count("\t0.") >= 3
    assert "Slogans" in out and "density" in out
