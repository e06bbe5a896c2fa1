"""Reasons a reader can weigh (assess/clutter.py): never a caption, credit, dateline, byline,
number or date, or a word as common as "said"; each filter on text as it comes on real pages."""

from __future__ import annotations

import numpy as np
import pytest

from propscan import techniques
from propscan.assess.evidence import Evidence
from propscan.assess.linear import DenseModel, Platt, TextModel
from propscan.assess.partisan import PartisanModel
from propscan.assess.clutter import (
    dateline_length,
    is_byline,
    is_caption,
    is_common_words,
    is_contact,
    is_copyright,
    is_dateline,
    is_furniture,
    is_link,
    is_number_or_date,
    is_photo_credit,
    is_social,
)
from propscan.segment import sentence_bounds as detector_sentences
from propscan.sentences import sentence_bounds

from conftest import FIXTURES

WIRE_STORY = (FIXTURES / "news" / "wire_story.txt").read_text(encoding="utf-8")
# what a reader weighs: the article's own sentences, none of them page furniture
ARTICLE_SENTENCES = [
    "The newly elected Sen. Ted Cruz of Texas said the judges had overstepped their authority.",
    "Democrats said the order was rushed.",
    "By Friday, Congress must act on the bill.",
    "The photo shows the president smiling beside Senate leaders.",
    "In 2017, 45 percent of voters agreed with the order.",
    "CNN - the most busted name in news - ran the story anyway.",
    "He posted the video at https://t.co/dkiXGCDEwY and deleted it an hour later.",
    "Follow the money, the senator said on Facebook.",
    "The clip below shows the officer getting out of the van.",
    "Reuters photographer John Vizcaino was at the border that night.",
    "Cook told ESPN.com that the players had decided it together.",
]


@pytest.mark.parametrize("text", [
    "President Donald Trump speaks during a meeting in the Roosevelt Room of the White House, Tuesday, Feb. 28, "
    "2017, in Washington. (AP Photo/Alex Brandon)",
    "President Donald Trump speaks during a meeting in the Roosevelt Room of the White House, Tuesday, Feb. 28, "
    "2017, in Washington.",
    "Republican presidential candidate Donald Trump is introduced during the presidential debate at The Venetian "
    "Las Vegas on December 15, 2015 in Las Vegas, Nevada.",
    "(AP Photo/Alex Brandon)",
])
def test_captions(text):
    assert is_caption(text)


@pytest.mark.parametrize("text", [
    "(AP Photo/Alex Brandon)", "Photo by MaryHelen Avalos", "Money ( Image by 401(K) 2013 ) Permission Details DMCA",
    "Illustration by Shakeil Greeley for GQ / Getty Images", "Photo Credit: Bravo", "Image via Michael B. Thomas/Getty Images",
    "John Vizcaino/Reuters",
])
def test_photo_credits(text):
    assert is_photo_credit(text)


@pytest.mark.parametrize("text", ["WASHINGTON (Reuters) -", "SAN FRANCISCO (AP) —", "NEW YORK --"])
def test_datelines(text):
    assert is_dateline(text)


def test_a_dateline_opening_the_lead_is_measured_so_the_lead_can_be_shown_without_it():
    lead = "WASHINGTON (Reuters) - Senate Republicans on Wednesday moved to block two federal judges."
    assert lead[dateline_length(lead) :] == "Senate Republicans on Wednesday moved to block two federal judges."
    assert dateline_length("(AP) - A Detroit-area doctor will be released from jail.") == len("(AP) - ")


@pytest.mark.parametrize("text", ["By Jane Doe", "By Kathryn Blackhurst, LifeZette:", "By T.A. Frank; VanityFair:",
                                  "By ALICIA PARLAPIANO and ADAM PEARCE", "Written by Tom Fitton",
                                  "Chanpong contributed to this report.",
                                  "The News & Observer’s Chris Cioffi and The Associated Press contributed."])
def test_bylines(text):
    assert is_byline(text)


@pytest.mark.parametrize("text", ["28, 2017, in Washington.", "2017", "3.", "$3 trillion", "Feb. 3"])
def test_numbers_and_dates(text):
    assert is_number_or_date(text)


def test_common_words_by_how_many_training_articles_use_them():
    idf = {"said": (1.53, -1.2), "took": (2.78, 0.1), "asked": (2.89, -0.1), "liberal": (3.38, 1.2),
           "fake": (3.86, 0.9), "news": (2.04, -0.6), "hillary": (2.36, 0.8)}
    assert is_common_words("said", idf) and is_common_words("said the", idf) and is_common_words("took", idf)
    assert is_common_words("asked", idf)
    assert not is_common_words("liberal", idf) and not is_common_words("fake news", idf)
    assert not is_common_words("Hillary", idf)  # a name, however often the articles name her


@pytest.mark.parametrize("text", ["© 2016 The Associated Press.", "All Rights Reserved.", "Copyright 2017 CBS Interactive Inc.",
                                  "This material may not be published, broadcast, rewritten, or redistributed.",
                                  "Privacy Policy | Terms of Use"])
def test_copyright_lines(text):
    assert is_copyright(text) and is_furniture(text)


@pytest.mark.parametrize("text", ["https://t.co/dkiXGCDEwY", "pic.twitter.com/8eICjpp6Qw", "#MAGA @realDonaldTrump",
                                  "Facebook: https://www.facebook.com/RealKitDaniels",
                                  "View the original article at www.prisonplanet.com"])
def test_bare_links(text):
    assert is_link(text) and is_furniture(text)


@pytest.mark.parametrize("text", ["— Anonymous (@YourAnonNews) August 14, 2017", "Follow Dan Hanzus on Twitter @DanHanzus .",
                                  "— Chris Cillizza (@CillizzaCNN) Feb. 3, 2018",
                                  "https://t.co/R4Ty2ytBEg #HurricaneMatthew pic.twitter.com/hJ0xUC2MzP — WESH 2 News (@WESH) "
                                  "October 7, 2016",
                                  "Follow Business Insider Australia on Facebook , Twitter , LinkedIn , and Instagram .",
                                  "Watch the complete clip below:", "Read the thread in full below;"])
def test_social_media_signatures_and_invitations(text):
    assert is_social(text) and is_furniture(text)


@pytest.mark.parametrize("text", ["Jim Morrill: 704-358-5059 , @jimmorrill",
                                  "bpadro@orlandosentinel.com or 407-232-0202 or follow me on Twitter @BiancaJoanie"])
def test_contact_lines(text):
    assert is_contact(text) and is_furniture(text)


@pytest.mark.parametrize("sentence", ARTICLE_SENTENCES)
def test_the_articles_own_sentences_pass_every_filter(sentence):
    assert not (is_furniture(sentence) or is_number_or_date(sentence) or dateline_length(sentence))


def _model(vocab: dict[str, tuple[float, float]]) -> PartisanModel:
    n_profile = 2 * len(techniques.NAMES) + 6
    return PartisanModel(TextModel(vocab, 0.0), DenseModel(np.zeros(1), np.ones(1), np.ones(1), 0.0),
                         DenseModel(np.zeros(n_profile), np.ones(n_profile), np.zeros(n_profile), 0.0), Platt(3.0, 0.0))


@pytest.mark.parametrize("cuts", [sentence_bounds, detector_sentences], ids=["reader", "detector"])
def test_reasons_from_the_wire_story_are_what_a_reader_can_weigh(cuts):
    """Every word and every passage of the page pulls the same way, furniture most; with the
    detector's cuts the caption splits into "28, 2017, in Washington." as it did on real articles."""
    vocab = {"photo": (4.2, 9.0), "reuters": (5.3, 8.0), "said": (1.5, 7.0), "2017": (3.0, 6.0), "jane doe": (6.0, 5.0),
             "radical left": (5.0, 1.0), "lawless": (4.0, 1.0), "unelected judges": (5.0, 1.0)}
    bounds = cuts(WIRE_STORY)
    pieces = [WIRE_STORY[s:e] for s, e in bounds]
    furniture = ("President Donald Trump speaks", "(AP Photo", "28, 2017", "By Jane Doe", "WASHINGTON (Reuters)")
    pull = np.array([[5.0 if p.startswith(furniture) else 1.0] for p in pieces])
    evidence = Evidence(WIRE_STORY, bounds, pull, np.zeros(1))
    reasons = _model(vocab).reasons(evidence, [], toward=True)
    phrases = [r.text.lower() for r in reasons if r.kind == "phrase"]
    passages = [r.text for r in reasons if r.kind == "passage"]
    assert sorted(phrases) == ["lawless", "radical left", "unelected judges"]
    # the lead without its dateline, then the next sentence in the text's order (all others pull alike)
    assert passages[0].startswith("Senate Republicans on Wednesday moved to block two federal judges")
    assert not (is_caption(passages[1]) or is_photo_credit(passages[1]) or is_number_or_date(passages[1]))
    assert all(WIRE_STORY[r.start : r.end] == r.text for r in reasons if r.start is not None)


def test_the_real_models_read_the_wire_story_without_clutter(analyzer):
    """End to end with the shipped models: the claims are whole sentences and never the headline;
    the reasons are never furniture, a number or a date."""
    from propscan.ingest.sources import RawArticle

    doc = analyzer.analyze([RawArticle(source="wire_story.txt", text=WIRE_STORY, title="", kind="text")])[0]
    ends = {e: s for s, e in sentence_bounds(WIRE_STORY)}
    assert doc.claims, "the wire story states checkable facts (4.8 percent unemployment, 1.9 percent growth)"
    for c in doc.claims:  # a sentence, or the lead without its dateline; never the headline or the caption
        assert c.end in ends and ends[c.end] <= c.start and c.start > len("Senate Republicans Move To Block Judges")
        assert not is_caption(WIRE_STORY[c.start : c.end]) and not dateline_length(WIRE_STORY[c.start : c.end])
    assert doc.hyperpartisan is not None and doc.hyperpartisan.reasons
    for r in doc.hyperpartisan.reasons:
        if r.start is None:
            continue
        text = WIRE_STORY[r.start : r.end]
        assert not (is_caption(text) or is_photo_credit(text) or is_byline(text) or is_dateline(text)
                    or is_number_or_date(text) or dateline_length(text)), text
