"""Sentences as readers are shown them (propscan.sentences): abbreviations, initials, decimals,
quotes, ellipses, headlines, line breaks and exact offsets; and the places that use them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.assess.claims import ClaimsModel
from propscan.assess.evidence import Evidence
from propscan.assess.linear import DenseModel, Platt, TextModel
from propscan.ingest.sources import title_of_plain_text
from propscan.sentences import headline, sentence_bounds

from conftest import FIXTURES

WIRE_STORY = (FIXTURES / "news" / "wire_story.txt").read_text(encoding="utf-8")


def cut(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_bounds(text)]


@pytest.mark.parametrize("sentence", [
    "The meeting was held on Tuesday, Feb. 28, 2017, in Washington.",
    "Judges froze the Jan. 25 executive order from President Donald Trump on immigration.",
    "The newly elected Sen. Ted Cruz of Texas said the judges had overstepped.",
    "The fight has consumed the U.S. Congress for a month.",
    "Mr. Smith met Dr. Jones at 5 p.m. on Friday in St. Louis.",
    "Sen. Lindsey Graham, R-S.C., for example, was part of the Gang of Eight.",  # sentencex alone cuts after "R-S."
    "A bill introduced by Sens. Tom Cotton, R-Ark., and David Perdue, R-Ga., would cut immigration in half.",
    "They wanted to replace him with an unelected, right-wing, pro-U.S. military general.",  # sentencex: "pro-U." | "S."
])
def test_abbreviations_do_not_end_a_sentence(sentence):
    assert cut(f"{sentence} Nobody was surprised.") == [sentence, "Nobody was surprised."]


def test_an_abbreviation_at_the_end_of_a_sentence_ends_it():
    assert cut("He moved back to the U.S. He likes it there.") == ["He moved back to the U.S.", "He likes it there."]


def test_initials_and_decimals_stay_inside_their_sentence():
    text = "J. R. R. Tolkien wrote it in 1937. Unemployment stood at 4.8 percent, and growth at 1.9 percent."
    assert cut(text) == ["J. R. R. Tolkien wrote it in 1937.", "Unemployment stood at 4.8 percent, and growth at 1.9 percent."]


def test_quotations_keep_their_marks_and_their_cue():
    assert cut('"He left." she said. Then she went home.') == ['"He left." she said.', "Then she went home."]
    assert cut("“We will not back down,” Cruz said. “The people voted.” Democrats disagreed.") == [
        "“We will not back down,” Cruz said.", "“The people voted.”", "Democrats disagreed."]


def test_a_quotation_opening_after_a_cue_opens_its_own_sentence():
    # the quotation runs on into the next paragraph, so this one never closes it
    text = ("“Marrying at 17 locked her into a life of poverty,” Dr. Ames said. “I wish she had been told more "
            "when she was a student back in the ’70s, her life might have changed.")
    assert cut(text) == ["“Marrying at 17 locked her into a life of poverty,” Dr. Ames said.",
                         text[text.index("“I wish") :]]  # sentencex alone ends the first with “


def test_a_quotation_of_several_sentences_stays_one():
    text = "“All they do is yell. They don’t have any evidence. They don’t have any statistics,” Fund said. He left."
    assert cut(text) == [text[: -len(" He left.")], "He left."]


def test_an_ellipsis_inside_a_sentence_does_not_end_it():
    assert cut("He waited... and waited. Then he left.") == ["He waited... and waited.", "Then he left."]
    assert cut("It was… fine, he said. Nobody believed him.") == ["It was… fine, he said.", "Nobody believed him."]


def test_a_headline_without_a_full_stop_is_its_own_sentence():
    text = "Senate Moves To Block Judges\n\nSenate Republicans on Wednesday moved to block two judges. They failed."
    assert cut(text) == ["Senate Moves To Block Judges", "Senate Republicans on Wednesday moved to block two judges.",
                         "They failed."]
    assert headline(text) == (0, len("Senate Moves To Block Judges"))


@pytest.mark.parametrize("text", [
    "Senate Republicans on Wednesday moved to block two judges.\n\nThey failed.",  # a lead, not a headline
    "Senate Moves To Block Judges\nSenate Republicans on Wednesday moved to block two judges.",  # no blank line
    "Senate Moves To Block Judges",  # nothing follows
])
def test_what_is_not_a_headline(text):
    assert headline(text) is None


def test_a_question_headline_after_leading_blank_lines():
    text = "\n\n  Will The Senate Block The Judges?\n\nProbably not."
    s, e = headline(text)
    assert text[s:e] == "Will The Senate Block The Judges?"


def test_a_sentence_never_crosses_a_blank_line_or_a_paragraph_line():
    assert cut("A rally without a full stop\n\nthe crowd left early. Police watched.") == [
        "A rally without a full stop", "the crowd left early.", "Police watched."]
    assert cut("First paragraph without a stop\nSecond paragraph.") == ["First paragraph without a stop", "Second paragraph."]


def test_a_hard_wrapped_sentence_stays_whole():
    text = "The senator said the judges had\noverstepped their authority. He left."
    assert cut(text) == ["The senator said the judges had\noverstepped their authority.", "He left."]


def test_offsets_index_the_exact_text_with_crlf_tabs_nbsp_and_emoji():
    text = "Café “déjà vu” 😀 here.\r\n\r\nThe next\u00a0one is\ttabbed. Émile left… Then 😀😀 came.\r\nLast line"
    assert cut(text) == ["Café “déjà vu” 😀 here.", "The next\u00a0one is\ttabbed.", "Émile left… Then 😀😀 came.",
                         "Last line"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list("ab .?!\n\r\t\u00a0“”\"'…😀Mr") + ["Feb. ", "U.S. ", "3.5 "]), max_size=60).map("".join))
def test_sentences_are_ordered_disjoint_trimmed_and_cover_every_visible_character(text):
    bounds = sentence_bounds(text)
    covered = set()
    last = 0
    for s, e in bounds:
        assert last <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
        last = e
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_the_wire_story_is_cut_where_a_reader_would():
    sentences = cut(WIRE_STORY)
    assert ("President Donald Trump speaks during a meeting with Senate leaders in the Roosevelt Room of the White "
            "House, Tuesday, Feb. 28, 2017, in Washington.") in sentences
    assert not any(s.startswith(("28, 2017", "25 executive", "Ted Cruz", "Dianne", "R. Ellison", "3.")) for s in sentences)
    assert not any(s.endswith((" Sen.", " Feb.", " J.")) for s in sentences)
    assert any(s.startswith("Former prosecutor J. R. Ellison") and s.endswith("by summer.") for s in sentences)


def test_a_long_first_line_is_titled_by_its_first_whole_sentence():
    lead = ("The meeting was held on Tuesday, Feb. 28, 2017, in Washington. " * 3).strip()
    assert title_of_plain_text(lead + "\n\nMore text.") == "The meeting was held on Tuesday, Feb. 28, 2017, in Washington."


def _every_sentence_a_claim() -> ClaimsModel:
    """A claims model that lists every sentence it scores (threshold 0), so the test sees which
    sentences reach it."""
    return ClaimsModel(TextModel({}, 0.0), DenseModel(np.zeros(2), np.ones(2), np.zeros(2), 0.0), 1.0, Platt(), 0.0)


def test_claims_are_whole_sentences_never_the_headline_a_caption_or_a_dateline():
    bounds = sentence_bounds(WIRE_STORY)
    evidence = Evidence(WIRE_STORY, bounds, np.zeros((len(bounds), 2)), np.zeros(2))
    claims, _ = _every_sentence_a_claim().find(evidence)
    texts = [WIRE_STORY[c.start : c.end] for c in claims]
    assert "Senate Republicans Move To Block Judges Over Travel Order" not in texts
    assert not any(t.startswith(("President Donald Trump speaks", "(AP Photo", "By Jane", "WASHINGTON")) for t in texts)
    assert texts[0].startswith("Senate Republicans on Wednesday moved") and texts[0].endswith("for a month.")
    assert any(t.startswith("The newly elected Sen. Ted Cruz of Texas") for t in texts)
    assert all((c.start, c.end) in bounds for c in claims[1:])
