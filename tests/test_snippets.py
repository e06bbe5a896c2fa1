"""Claims and reasons as a report lists them (render/snippets.py): cut at a word with an ellipsis,
and in quote marks once, in the terminal and in HTML."""

from __future__ import annotations

import re
from html import unescape

from propscan.doc import AnalysedDocument, Claim, PartisanReading, Reason
from propscan.render.html import claims_markup, partisan_markup
from propscan.render.snippets import clipped, quoted_html
from propscan.render.terminal import CLAIM_CHARS, claim_lines
from propscan.sentences import sentence_bounds

from conftest import FIXTURES

WIRE_STORY = (FIXTURES / "news" / "wire_story.txt").read_text(encoding="utf-8")


def _sentence(start: str) -> tuple[int, int]:
    return next((s, e) for s, e in sentence_bounds(WIRE_STORY) if WIRE_STORY[s:e].startswith(start))


def _doc() -> AnalysedDocument:
    quoted = _sentence("“We will not let")  # opens with its own quote mark
    long = _sentence("Sen. Dianne Feinstein")  # 260 characters
    return AnalysedDocument(WIRE_STORY, "wire_story.txt", claims=[Claim(*quoted, 0.9), Claim(*long, 0.8)],
                            hyperpartisan=PartisanReading(0.8, "hyperpartisan", [Reason("passage", WIRE_STORY[slice(*long)], 0.5, *long)]))


def test_clipped_cuts_at_a_word_and_shows_the_cut():
    text = "Sen. Dianne Feinstein of California, the top Democrat on the Judiciary Committee, called the move a stunt."
    out = clipped(text, 60)
    assert len(out) <= 60 and out.endswith("…")
    assert text.startswith(out[:-1]) and text[len(out) - 1] == " "  # the cut falls between words
    assert clipped("A short claim.\n", 60) == "A short claim."


def test_terminal_claims_end_with_an_ellipsis_where_cut():
    lines = claim_lines(_doc())
    long = next(line for line in lines if "Feinstein" in line)
    shown = long.split("  ")[-1]
    assert len(shown) <= CLAIM_CHARS and shown.endswith("…")
    assert WIRE_STORY.find(shown[:-1].rstrip(" ,")) >= 0


def test_a_claim_opening_with_a_quotation_shows_its_marks_once():
    html = claims_markup(_doc())
    shown = re.search(r"<li>(.*?)<span class=\"conf\"", html).group(1)
    assert "“We will not let" in shown and "<q>" not in shown  # the browser would add a second “
    assert quoted_html("Democrats said the order was rushed.") == "<q>Democrats said the order was rushed.</q>"


def test_a_long_reason_is_cut_with_an_ellipsis():
    html = partisan_markup(_doc())
    passage = unescape(re.search(r"<q>(.*?)</q>", html).group(1))
    assert passage.endswith("…") and len(passage) <= 240
