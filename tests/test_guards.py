"""Precision guards: the rules on small cases, then on real model output (a fixture article written
with the cases readers reported: a leading comma, "by the" before a phrase, Repetition of a phrase
that occurs once, a function word flagged alone)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from propscan.guards import (GuardOptions, Guards, balance_quotes, occurrences, only_function_words, phrase_key, trim_edges,
                             unpaired_quote, whole_words, words)
from propscan.ingest.sources import from_text

ARTICLE = (FIXTURES / "guards" / "article.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("fragment, kept", [
    (", thugs, sex traffickers", "thugs, sex traffickers"),
    ('"transport experts"', '"transport experts"'),
    ("“quoted”.", "“quoted”"),
    ('experts"', "experts"),
    ("Stop it now!", "Stop it now"),
    ("#MAGA!", "#MAGA"),
    ("the f***", "the f***"),
    ("rock 'n' roll", "rock 'n' roll"),
    ("pro-Clinton, ‘progressive’", "pro-Clinton, ‘progressive’"),  # a single-quoted word inside keeps its pair
    ("...", ""),
])
def test_edges_are_words_or_a_quote_pair(fragment, kept):
    s, e = trim_edges(fragment, 0, len(fragment))
    assert fragment[s:e] == kept


@pytest.mark.parametrize("fragment, only", [("the", True), ("our", True), ("by the", True), ("a 1990", True),
                                            (", .", True), ("the thugs", False), ("evil", False),
                                            ("It’s", True), ("don't", True), ("it’s a disgrace", False)])
def test_function_word_only(fragment, only):
    assert only_function_words(fragment) is only


def test_rules_on_spans():
    text = "They passed it by the evil, foolish law. Safe streets now. We want safe streets."
    rules = Guards(text)
    start = text.index("by the")
    assert text[slice(*rules.fix(start, text.index("."), "Loaded_Language"))] == "evil, foolish law"
    assert rules.fix(start, text.index("."), "Doubt") == (start, text.index("."))  # sentence-level keeps its start
    assert rules.fix(text.index("the evil"), text.index("the evil") + 3, "Name_Calling,Labeling") is None
    once = text.index("foolish")
    assert rules.fix(once, once + len("foolish law"), "Repetition") is None
    twice = text.index("Safe streets")
    assert rules.fix(twice, twice + len("Safe streets"), "Repetition") == (twice, twice + len("Safe streets"))
    assert Guards(text, GuardOptions.off()).fix(start, start + 2, "Repetition") == (start, start + 2)
    quoted = 'They call them "the elites" every day.'
    q = quoted.index('"the')
    assert quoted[slice(*Guards(quoted).fix(q, q + 12, "Loaded_Language"))] == "elites"  # no dangling quote


def test_a_cut_expression_is_grown_to_it():
    text = "Her opponent, a social justice warrior from the coast, reads fake news media."
    rules = Guards(text)
    start = text.index("a social")
    assert text[slice(*rules.fix(start, start + len("a social"), "Name_Calling,Labeling"))] == "social justice warrior"
    fake = text.index("fake")
    assert text[slice(*rules.fix(fake, fake + 4, "Loaded_Language"))] == "fake news media"
    assert rules.fix(fake, fake + 4, "Doubt") == (fake, fake + 4)  # only word-level techniques


def test_repetition_inside_the_span_counts():
    text = "The tunnel, the tunnel, always the tunnel. Nothing else."
    end = text.index(".")
    assert Guards(text).fix(0, end, "Repetition") == (4, end)  # kept, without its leading "The"
    assert Guards(text).fix(text.index("Nothing"), len(text) - 1, "Repetition") is None


def test_repeated_phrases_match_light_inflections():
    keys = phrase_key("Safe street. We demand safe streets.")
    assert occurrences(keys, ("safe", "street")) == 2 and words("don't stop") == ["don't", "stop"]


def test_real_output_has_no_span_a_reader_would_distrust(analyzer):
    doc = analyzer.analyze([from_text(ARTICLE, "guards-article")])[0]
    raw = analyzer.predictor.labelled(analyzer.predictor.score([ARTICLE])[0], GuardOptions.off())
    assert doc.spans, "the fixture should have propaganda the model finds"
    for s in doc.spans:
        fragment = ARTICLE[s.start : s.end]
        assert not only_function_words(fragment), fragment
        assert trim_edges(ARTICLE, s.start, s.end) == (s.start, s.end), fragment
        assert whole_words(ARTICLE, s.start, s.end) == (s.start, s.end), fragment  # no edge inside a word
        assert not unpaired_quote(fragment), fragment  # no half quotation
        if s.technique in ("Loaded_Language", "Name_Calling,Labeling", "Flag-Waving"):
            assert words(fragment)[0].lower() not in {"a", "an", "the", "by", "of", "our"}, fragment
        if s.technique == "Repetition":
            key = phrase_key(fragment)
            assert occurrences(phrase_key(ARTICLE), key) >= 2 or max(key.count(w) for w in key) >= 2, fragment
    # the guards changed something here: the raw output had spans a reader would distrust
    bad_raw = [x for x in raw if only_function_words(ARTICLE[x.start:x.end])
               or trim_edges(ARTICLE, x.start, x.end) != (x.start, x.end)]
    assert bad_raw and len(doc.spans) <= len(raw)


@pytest.mark.parametrize("text, cut, kept", [
    ('The so-called "transport experts" at City Hall', 'called "transport experts', 'so-called "transport experts"'),
    ("He said “we will win” loudly.", "we will win” loudly", "“we will win” loudly"),
    ('the "elite" media lies', 'elite" media', '"elite" media'),
    ("the self-made man", "made man", "self-made man"),
    ("It's un-American!", "American", "un-American"),
    ('He is "a clown', "a clown", "clown"),
    ("They call them \"the elites\" every day.", '"the elites"', "elites"),
    ('Call it "a total disgrace. Really', 'total disgrace', "total disgrace"),
    ("the true patriot of this city", "true patriot of this", "true patriot"),  # no trailing function words
    ("a band of reckless bureaucrats", "band of", "band"),
    ("What are they hiding from us? Nobody knows.", "What are they hiding from us", "hiding from us"),  # ends a sentence
])
def test_spans_keep_whole_words_and_whole_quotations(text, cut, kept):
    start = text.index(cut)
    fixed = Guards(text).fix(start, start + len(cut), "Loaded_Language")
    assert text[slice(*fixed)] == kept


def test_a_quotation_too_far_to_close_is_cut_at_its_quote_mark():
    text = 'Their "plan ' + "goes on and on " * 8 + 'here" is bad.'
    start = text.index("Their")
    s, e = balance_quotes(text, start, text.index("plan") + 4)
    assert text[s:e] == "Their "
    assert whole_words("so-called", 3, 9) == (0, 9) and whole_words("a b", 2, 3) == (2, 3)


def test_neighbouring_spans_of_one_technique_become_one_passage():
    from propscan.predict import Labelled, guarded

    text = "A Fighter, Not a Follower. They are thugs, sex traffickers and liars. Crooks. Liars."
    nc = "Name_Calling,Labeling"

    def at(word: str, technique: str = nc, conf: float = 0.3) -> Labelled:
        return Labelled(text.index(word), text.index(word) + len(word), technique, conf)

    found = guarded(text, [at("Fighter"), at("Follower", conf=0.4), at("thugs"), at("sex traffickers"),
                           at("liars", "Loaded_Language"), at("Crooks"), at("Liars.")])
    shown = sorted((text[x.start:x.end], x.technique, x.confidence) for x in found)
    assert ("Fighter, Not a Follower", nc, 0.4) in shown  # joined, with the higher confidence
    assert ("thugs, sex traffickers", nc, 0.3) in shown
    assert ("liars", "Loaded_Language", 0.3) in shown  # another technique is not joined
    assert ("Crooks", nc, 0.3) in shown and ("Liars", nc, 0.3) in shown  # nor across a sentence end
    off = guarded(text, [at("Fighter"), at("Follower")], GuardOptions(join_neighbours=False))
    assert len(off) == 2


@pytest.mark.parametrize("text, cut, kept", [
    ("Real Greyporters have always stood together.", "Real", "Real Greyporters"),
    ("Vote against Crooked Hillary Clinton now", "Crooked", "Crooked Hillary Clinton"),
    ("They are thugs. Hillary agrees", "thugs", "thugs"),  # not across a sentence end, nor from a lower-case word
    ("Little Marco and The Donald", "Little", "Little Marco"),  # stops at a function word
    ("They are Thugs, Hillary said", "Thugs,", "Thugs"),  # not across punctuation
])
def test_a_name_calling_label_grows_to_the_name_it_makes(text, cut, kept):
    start = text.index(cut)
    assert text[slice(*Guards(text).fix(start, start + len(cut), "Name_Calling,Labeling"))] == kept


def test_only_name_calling_grows_to_names():
    text = "Real Greyporters have always stood together."
    assert Guards(text).fix(0, 4, "Loaded_Language") == (0, 4)
